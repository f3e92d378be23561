"""The scheduled jobs: `rebalance` (the portfolio agent on an AgentVault) and `fee_update` (the verified fee
agent on a pool). Module-level functions with JSON-able keyword arguments: APScheduler stores the reference
("agents.schedule.jobs:rebalance") and pickles the arguments.

A rebalance run: connect, settle any earlier run of the job still unsettled, plan with a dry run, record the
decision and the intent (planned trades, sender, nonce), then execute through the executor with each
transaction recorded before it leaves (send guard), and record the report. A fee-update run: the fee agent's
step, its propose transaction recorded (decoded) as the intent before it leaves.
"""

from __future__ import annotations

import math
import re
from contextlib import contextmanager
from pathlib import Path

from agents.schedule.ledger import DONE, FAILED
from agents.schedule.reconcile import reconcile_run, settled
from agents.schedule.runtime import Run, recorded_run

REBALANCE, FEE_UPDATE = "agents.schedule.jobs:rebalance", "agents.schedule.jobs:fee_update"
KINDS = {"rebalance": REBALANCE, "fee-update": FEE_UPDATE}
ROUTER02 = "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D"  # agents.chain.snapshot.UNISWAP_V2_ROUTER02


def rebalance(
    network: str,
    vault: str,
    strategy: str,
    account: str,
    rpc: str | None = None,
    router: str = ROUTER02,
    tolerance_bps: int = 50,
    min_trade_bps: float = 10.0,
    deadline: int = 300,
    max_trades: int | None = None,
    dry_run: bool = False,
) -> None:
    """One scheduled rebalance of `vault` toward `strategy` by the agent `account` (at most `max_trades`)."""
    inputs = dict(network=network, vault=vault, strategy=strategy, account=account, rpc=rpc, router=router)
    inputs.update(tolerance_bps=tolerance_bps, min_trade_bps=min_trade_bps, deadline=deadline)
    inputs.update(max_trades=max_trades, dry_run=dry_run)
    with recorded_run("rebalance", inputs) as run, chain(network, rpc) as (ape, p):
        from agents.portfolio.executor import ExecutorConfig, PortfolioExecutor
        from agents.portfolio.memory import StrategyMemory
        from agents.schedule.seesaw import parse_strategy

        cfg = ExecutorConfig(tolerance_bps=tolerance_bps, min_trade_bps=min_trade_bps, deadline_s=deadline)
        sender = signer(ape, account)
        contract = p.AgentVault.at(vault)
        run.target, run.describe = contract.address, _decoder(contract)
        settle_earlier(run, ape)
        head = ape.chain.blocks.head.number
        run.account(sender.address, sender.nonce, head)

        memory = StrategyMemory(run.ledger.engine, run.job_id, strategy)  # the strategy's prices across runs
        planner = PortfolioExecutor(
            ape, p, vault, sender, parse_strategy(strategy), cfg, router, log=_quiet, memory=memory
        )
        plan = planner.step(True)
        planned = [t for t in plan.trades if t.status == "planned"]
        run.decide(_decision(plan))
        if dry_run or not planned:
            refused = bool(plan.trades) and not dry_run  # trades needed, all of them refused before sending
            if not dry_run and not refused:
                planner.remember()  # a decision that needs no trade is taken: the next run is the next step
            why = "dry run: nothing sent" if dry_run else "nothing sent" if refused else _no_trade(plan)
            run.finish(
                FAILED if refused else DONE,
                f"{why} ({_plan_line(plan)})",
                result=_json(plan.as_dict()),
                error=_plan_line(plan) if refused else None,
            )
            return
        if max_trades is not None and len(planned) > max_trades:
            run.finish(
                DONE,
                f"not sent: the plan has {len(planned)} trades, over the job's limit of {max_trades}",
                result=_json(plan.as_dict()),
            )
            return
        run.max_sends = len(planned)  # never more transactions than the recorded intent
        trades = [_trade(t) for t in plan.trades]
        run.intend({"vault": contract.address, "trades": trades}, sender.address, sender.nonce, head)
        run.wait_if_slow()

        def before_trade(trade) -> None:
            run.checkpoint(f"before trade {trade.index}")
            run.label = f"trade {trade.index}: {trade.side} {trade.symbol}"

        executor = PortfolioExecutor(
            ape, p, vault, sender, parse_strategy(strategy), cfg, router, log=run.log, memory=memory
        )
        report = executor.step(dry_run=False, before_trade=before_trade)
        for t in report.trades:
            if t.tx_hash:
                state = "mined" if t.status == "done" else "reverted"
                run.settle(_hash(t.tx_hash), state, gas_used=t.gas_used, trade=t.index)
        errors = [t for t in report.trades if t.status == "error"]
        summary = report.reason + "".join(
            f"; #{t.index} {t.side} {t.symbol} {t.status}: {t.reason}" for t in report.trades if t.status != "done"
        )
        run.finish(
            FAILED if errors else DONE,
            summary,
            result=_json(report.as_dict()),
            error=errors[0].reason if errors else None,
        )


def fee_update(
    network: str,
    model: str,
    pool: str | None,
    account: str,
    rpc: str | None = None,
    hook: str | None = None,
    pool_id: str | None = None,
) -> None:
    """One scheduled verified fee update, with the registered model in folder `model`, of `pool` (a
    DynamicFeePool) or of the v4 pool `pool_id` behind `hook`."""
    inputs = dict(network=network, model=model, pool=pool, account=account, rpc=rpc)
    if hook:
        inputs |= dict(hook=hook, pool_id=pool_id)
    with recorded_run("fee-update", inputs) as run:
        from agents.zk.model_circuit import zk_for_model

        zk = zk_for_model(Path(model), log=run.log)
        with chain(network, rpc) as (ape, project):
            from agents.chain.fee_target import fee_target
            from agents.fee.agent import FeeAgent

            sender = signer(ape, account)
            target = fee_target(project, pool, hook, pool_id)
            agent = FeeAgent(ape, project, sender, zk, target, log=run.log)
            run.target, run.describe = agent.controller.address, _decoder(agent.controller)
            run.label = f"propose the fee of {target.label}"
            settle_earlier(run, ape)
            run.account(sender.address, sender.nonce, ape.chain.blocks.head.number)
            run.wait_if_slow()
            step = agent.step()  # its propose transaction is the intent, recorded before it leaves
            decision = {k: v for k, v in step.as_dict().items() if k not in ("sent", "tx_hash", "gas_used", "reason")}
            run.decide(_json(decision))
            if step.sent and step.tx_hash:
                run.settle(_hash(step.tx_hash), "mined", gas_used=step.gas_used)
            run.finish(DONE, step.reason, result=_json(step.as_dict()))


@contextmanager
def chain(network: str, rpc: str | None):
    """Ape on the job's network, the send guard on its provider. A --rpc that does not answer fails the run
    before Ape sees it (Ape would start a node of its own on a local address that does not answer)."""
    if rpc:
        probe(rpc)
    from ape.logging import logger

    from agents.chain.connection import connect
    from agents.schedule.send_guard import install

    logger.set_level("WARNING")
    with connect(network, rpc) as (ape, project):
        install(ape.chain.provider.web3)
        yield ape, project


def signer(ape, spec: str):
    """The job's account, signing unattended: test:N, or a keystore alias whose passphrase is in the daemon's
    environment (Ape would otherwise prompt, and nobody answers a daemon); see `passphrase_variables`."""
    import os

    from agents.chain.connection import load_account

    if spec.startswith("test:"):
        return load_account(ape, spec)
    variables = passphrase_variables(spec)
    passphrase = next((os.environ[v] for v in variables if os.environ.get(v)), None)
    if not passphrase:
        raise ValueError(f"--account {spec}: set {variables[0]} in the daemon's environment to sign unattended")
    account = load_account(ape, spec)
    account.set_autosign(True, passphrase=passphrase)
    return account


def passphrase_variables(alias: str) -> tuple[str, ...]:
    """Where a keystore alias's passphrase may be: APE_ACCOUNTS_<ALIAS>_PASSPHRASE with the alias uppercased and
    every character but A-Z and 0-9 as `_` (a name shells can set: my-agent -> APE_ACCOUNTS_MY_AGENT_PASSPHRASE),
    then Ape's own APE_ACCOUNTS_<alias>_PASSPHRASE with the alias as it is."""
    usable = f"APE_ACCOUNTS_{re.sub(r'[^A-Z0-9]', '_', alias.upper())}_PASSPHRASE"
    exact = f"APE_ACCOUNTS_{alias}_PASSPHRASE"
    return (usable,) if exact == usable else (usable, exact)


def probe(rpc: str) -> None:
    import requests

    from agents.chain.local_node import rpc as call

    try:
        call(rpc, "eth_chainId", timeout=5.0)
    except (requests.RequestException, RuntimeError, ValueError) as e:
        raise ConnectionError(
            f"the job's RPC node does not answer ({type(e).__name__}); nothing was sent, the next run tries again"
        ) from None


def settle_earlier(run: Run, ape) -> None:
    """An earlier run of this job left unsettled (a crash, or a transaction whose outcome was unknown) is
    reconciled first; while it cannot be, this run sends nothing."""
    for earlier in run.ledger.unsettled(run.job_id):
        if earlier["run_id"] == run.id:
            continue
        row = reconcile_run(run.ledger, earlier, ape.chain.provider.web3, log=run.log)
        if not settled(row):
            raise RuntimeError(f"run {row['run_id']} of this job is unsettled ({row['summary']}); nothing sent")


def _quiet(_line: str) -> None:
    pass


def _hash(value) -> str:
    text = value if isinstance(value, str) else "0x" + bytes(value).hex()
    return "0x" + text.lower().removeprefix("0x")


def _decoder(contract):
    def describe(data: bytes) -> dict:
        selector, args = contract.decode_input(data)
        return {"method": selector, "args": _json(args)}

    return describe


def _json(value):
    """JSON-able copy: bytes as hex (long ones cut), numpy scalars as numbers, NaN as null, the rest as text."""
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        text = "0x" + bytes(value).hex()
        return text if len(value) <= 32 else f"{text[:66]}... ({len(value)} bytes)"
    if isinstance(value, float) and not math.isfinite(value):
        return None  # NaN (no float policy to compare with) is not JSON
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return _json(value.item())
    return str(value)


def _no_trade(plan) -> str:
    """Why a run that needed no trade sent nothing (the plan's own reason is the planner's dry run)."""
    return "at the target: no trade needed" if plan.target is not None else plan.reason or "no trade"


def _decision(plan) -> dict:
    return _json(
        {
            "strategy": plan.strategy,
            "numeraire": plan.numeraire,
            "value_before": plan.value_before,
            "weights_before": plan.weights_before,
            "target": plan.target,
            "weights_planned": plan.weights_planned,
            "skipped_small": plan.skipped_small,
            "reason": plan.reason,
        }
    )


def _trade(t) -> dict:
    keys = ("index", "side", "symbol", "token_in", "token_out", "amount_in", "predicted_out", "min_out", "status")
    return _json({k: getattr(t, k) for k in (*keys, "reason", "depends_on")})


def _plan_line(plan) -> str:
    if plan.target is None:
        return plan.reason
    planned = sum(1 for t in plan.trades if t.status == "planned")
    refused = [f"#{t.index} {t.status}: {t.reason}" for t in plan.trades if t.status != "planned"]
    return f"{planned} trade(s) planned" + (f"; {'; '.join(refused)}" if refused else "")
