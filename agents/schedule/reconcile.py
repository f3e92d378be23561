"""Reconciliation: what a run that a crash left in flight did on chain, established from evidence; never re-run.

For each such run: the receipt of every transaction it recorded (each recorded before broadcast), the sender's
nonce now against the nonce at intent (transactions of the sender that were not recorded are looked up block
by block, and counted as the run's when they went to its contract), and the target's own record (the vault's
Trade events, or the pool's FeeUpdated events and fee, since the intent's block). The run is then marked
`reconciled` with that evidence: "nothing sent" or "k transactions mined"; a transaction a node still holds
leaves the run `sent` (its job waits) until a later check. A finished run whose transaction's outcome was
unknown (the node went away) gets the outcome filled in.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager

from eth_utils import keccak, to_checksum_address

from agents.chain.secrets import PLACEHOLDER, redact
from agents.schedule.ledger import FAILED, IN_FLIGHT, RECONCILED, UNSETTLED_TX, Ledger, utcnow

TRADE_TOPIC = "0x" + keccak(text="Trade(address,address,address,uint256,uint256,uint256,uint256)").hex()
FEE_UPDATED = "FeeUpdated(address,bytes32,bytes32,uint256,uint256,uint256,uint256,uint256)"
FEE_UPDATED_TOPIC = "0x" + keccak(text=FEE_UPDATED).hex()
FEE_SELECTOR = "0x" + keccak(text="fee()").hex()[:8]
HOOK_FEE_SELECTOR = "0x" + keccak(text="fee(bytes32)").hex()[:8]
SCAN_BLOCKS = 5_000  # most blocks searched for transactions of the sender that the run did not record


def settled(run: dict) -> bool:
    return run["status"] not in IN_FLIGHT and not any(t.get("state") in UNSETTLED_TX for t in run["tx_hashes"])


def reconcile_run(ledger: Ledger, run: dict, web3, log: Callable[[str], None] = print) -> dict:
    """Checks `run` against the chain behind `web3`, writes the outcome and evidence, returns the new row."""
    evidence: dict = {"checked_at": utcnow().isoformat(), "status_before": run["status"]}
    txs = [dict(t) for t in run["tx_hashes"]]
    sender, n0 = run["sender"], run["nonce"]
    head = web3.eth.block_number
    evidence["head"] = head
    nonce_now = web3.eth.get_transaction_count(sender) if sender else None
    evidence.update(sender=sender, nonce_at_intent=n0, nonce_now=nonce_now)
    for tx in txs:
        if tx.get("hash"):
            tx.update(_outcome(web3, tx, nonce_now))
    target = _target(run, txs)
    if sender and n0 is not None and nonce_now is not None:
        recorded = {(t.get("hash") or "").lower() for t in txs}
        used = sum(1 for t in txs if t.get("state") in ("mined", "reverted"))
        if nonce_now - n0 > used:  # the sender sent transactions the run did not record: find them
            found = _sender_transactions(web3, sender, n0, run.get("intent_block") or head, head, recorded)
            evidence["unrecorded_sender_transactions"] = found
            for tx in found:
                if target and tx["to"] and tx["to"].lower() == target.lower():
                    txs.append({**tx, "label": "found by nonce", **_outcome(web3, tx, nonce_now)})
    evidence["transactions"] = [{k: t.get(k) for k in ("hash", "nonce", "state", "block", "gas_used")} for t in txs]
    evidence.update(_target_state(web3, run, target, run.get("intent_block") or head, head, txs))

    pending = [t for t in txs if t.get("state") == "pending"]
    mined = [t for t in txs if t.get("state") in ("mined", "reverted")]
    changes: dict = {"tx_hashes": txs, "evidence": evidence}
    if pending:
        changes["summary"] = f"awaiting {len(pending)} pending transaction(s) ({pending[0]['hash']}); checked later"
    elif run["status"] in IN_FLIGHT:
        changes.update(status=RECONCILED, finished_at=utcnow(), duration_s=None)  # finished: when reconciled
        where = f"interrupted at '{run['status']}'"
        if not mined:
            nonce = f"nonce {n0} -> {nonce_now}" if n0 is not None else "no nonce recorded"
            changes["summary"] = (
                f"{where}: nothing of it on chain ({nonce}, no transaction of the run mined); not run again"
            )
        else:
            ok = sum(1 for t in mined if t["state"] == "mined")
            changes["summary"] = (
                f"{where}: {len(mined)} transaction(s) mined ({ok} succeeded, {len(mined) - ok} reverted), "
                f"{evidence.get('events_from_run', 0)} {evidence.get('event', 'target')} event(s) from them at "
                f"{target}; not run again"
            )
    else:  # finished (failed) with an outcome that was unknown
        outcomes = ", ".join(f"{t['hash']} {t['state']}" for t in txs if t.get("hash"))
        changes["summary"] = f"{run['summary'] or run['status']}; reconciled: {outcomes}"
        changes["status"] = run["status"] if run["status"] != RECONCILED else FAILED
    ledger.update(run["run_id"], **changes)
    row = ledger.get(run["run_id"])
    log(f"reconciled run {row['run_id']} of {row['job_id']}: {row['status']}: {row['summary']}")
    return row


def _outcome(web3, tx: dict, nonce_now: int | None) -> dict:
    from web3.exceptions import TransactionNotFound

    try:
        receipt = web3.eth.get_transaction_receipt(tx["hash"])
    except TransactionNotFound:
        receipt = None
    if receipt is not None:
        return {
            "state": "mined" if receipt["status"] == 1 else "reverted",
            "block": receipt["blockNumber"],
            "gas_used": receipt["gasUsed"],
        }
    try:
        known = web3.eth.get_transaction(tx["hash"])
    except TransactionNotFound:
        known = None
    if known is not None and known.get("blockNumber") is None:
        return {"state": "pending"}
    # unknown to the node: never arrived, or evicted; its nonce is free or taken by another transaction
    return {"state": "dropped", "note": f"not known to the node; sender nonce now {nonce_now}"}


def _target(run: dict, txs: list[dict]) -> str | None:
    for tx in txs:
        if tx.get("to"):
            return to_checksum_address(tx["to"])
    target = (run.get("inputs") or {}).get("vault") if run["kind"] == "rebalance" else None
    return to_checksum_address(target) if target else None


def _sender_transactions(web3, sender: str, n0: int, start: int, head: int, recorded: set[str]) -> list[dict]:
    found = []
    for number in range(max(start, head - SCAN_BLOCKS), head + 1):
        for tx in web3.eth.get_block(number, full_transactions=True)["transactions"]:
            if tx["from"].lower() == sender.lower() and tx["nonce"] >= n0:
                tx_hash = "0x" + bytes(tx["hash"]).hex().removeprefix("0x")
                if tx_hash.lower() not in recorded:
                    found.append({"hash": tx_hash, "nonce": tx["nonce"], "to": tx["to"], "block": number})
    return found


def _target_state(web3, run: dict, target: str | None, start: int, head: int, txs: list[dict]) -> dict:
    """The target's record since the intent's block: Trade events at the vault, or the pool's fee updates."""
    if not target:
        return {}
    ours = {(t.get("hash") or "").lower() for t in txs}
    if run["kind"] == "rebalance":
        event, topics = "Trade", [TRADE_TOPIC]
    else:
        inputs = run.get("inputs") or {}
        pool = inputs.get("pool") or inputs.get("hook")
        topics = [FEE_UPDATED_TOPIC, "0x" + "0" * 24 + pool[2:].lower()] if pool else [None]
        if pool and inputs.get("hook"):
            topics.append(inputs["pool_id"].lower())
        event = "FeeUpdated"
    logs = web3.eth.get_logs({"address": target, "fromBlock": start, "toBlock": head, "topics": topics})
    hashes = ["0x" + bytes(log["transactionHash"]).hex().removeprefix("0x") for log in logs]
    state = {
        "event": event,
        "events_since_intent": len(hashes),
        "events_from_run": sum(1 for h in hashes if h.lower() in ours),
        "event_transactions": hashes,
    }
    inputs = run.get("inputs") or {}
    if run["kind"] == "fee-update" and (pool := inputs.get("pool")):
        state["pool_fee_now"] = int(web3.eth.call({"to": to_checksum_address(pool), "data": FEE_SELECTOR}).hex(), 16)
    elif run["kind"] == "fee-update" and (hook := inputs.get("hook")):
        data = HOOK_FEE_SELECTOR + inputs["pool_id"].removeprefix("0x")
        state["pool_fee_now"] = int(web3.eth.call({"to": to_checksum_address(hook), "data": data}).hex(), 16)
    return state


@contextmanager
def chain_web3(inputs: dict, rpc: str | None = None):
    """A Web3 on a job's chain: its --rpc directly (`rpc`: the whole URL, from the job store; the ledger keeps
    it redacted), else through Ape's network (not for forks Ape starts per run: nothing of those outlives the
    run, so None)."""
    network = inputs.get("network", "")
    rpc = rpc or inputs.get("rpc")
    if rpc and PLACEHOLDER in rpc:
        raise ValueError(
            "only its job keeps the whole RPC URL, and the job was removed: add it again (same --id and --rpc)"
        )
    if rpc:
        from web3 import HTTPProvider, Web3

        yield Web3(HTTPProvider(rpc, request_kwargs={"timeout": 10}))
        return
    if "fork" in network or ":local" in network or not network:
        yield None
        return
    from agents.chain.connection import connect

    with connect(network) as (ape, _):
        yield ape.chain.provider.web3


def reconcile_all(ledger: Ledger, log: Callable[[str], None] = print, rpcs: dict | None = None) -> list[dict]:
    """Reconciles every unsettled run (daemon start) on its job's chain (`rpcs`: each job's RPC URL, from the
    job store); a run whose chain cannot be reached stays as it is."""
    rows = []
    for run in ledger.unsettled():
        rpc = (rpcs or {}).get(run["job_id"])
        try:
            with chain_web3(run["inputs"] or {}, rpc) as web3:
                if web3 is None:
                    ledger.update(
                        run["run_id"],
                        status=RECONCILED if run["status"] in IN_FLIGHT else run["status"],
                        finished_at=utcnow(),
                        summary=f"interrupted at '{run['status']}' on a fork Ape started for the run, gone with it; "
                        "not run again",
                        evidence={"checked_at": utcnow().isoformat(), "note": "no persistent chain to check"},
                    )
                    rows.append(ledger.get(run["run_id"]))
                    continue
                rows.append(reconcile_run(ledger, run, web3, log))
        except Exception as e:  # noqa: BLE001 - unreachable chain etc.: try again later, never re-run
            reason = redact(f"{type(e).__name__}: {e}".splitlines()[0], rpc, (run["inputs"] or {}).get("rpc"))
            log(f"run {run['run_id']} of {run['job_id']} stays '{run['status']}': cannot reconcile now ({reason})")
    return rows
