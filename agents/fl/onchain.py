"""A simulated epoch played through contracts/TrainingRounds.vy on a local chain, round by round: every client
registers with its stake and the burn, commits to its update's root, reveals; the coordinator finalizes each
round's aggregate root (the epoch's rewards root and slash list at its last round); after the challenge window
the clients claim. Each round goes to the update store, and is audited against the chain before the node
stops. Gas per call is collected for the report."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from pathlib import Path

import numpy as np

from agents.fl.audit import audit_round
from agents.fl.chain_rounds import RoundsParams, commit_update, deploy_training_rounds, new_salt, reveal_update
from agents.fl.merkle import rewards_tree, update_root
from agents.fl.rounds import RoundSettings, RunResult
from agents.fl.rules import RULES
from agents.fl.store import write_round

TOKEN = 10**18
BURN = 1 * TOKEN
BOND = 1_000 * TOKEN
ZERO32 = b"\x00" * 32


@contextlib.contextmanager
def _chain(rpc: str | None):
    from agents.chain.connection import connect
    from agents.chain.local_node import start_anvil

    node = None if rpc else start_anvil()
    try:
        with connect(rpc=rpc or node.url) as (ape, project):
            yield ape, project
    finally:
        if node:
            node.stop()


def play(result: RunResult, settings: RoundSettings, tolerate: int, store: Path, rpc: str | None = None) -> dict:
    """Plays `result`'s rounds on chain; returns gas per call (median, max), the contract, audits, claims."""
    params = RoundsParams(min(result.records[0].stakes), BURN, BOND, 3_600, 3_600, 86_400, 0)
    gas: dict[str, list[int]] = defaultdict(list)
    with _chain(rpc) as (ape, project):
        from ape.logging import logger

        logger.set_level("WARNING")
        owner = ape.accounts.test_accounts[0]
        clients = result.records[0].clients
        accounts = {c: ape.accounts.test_accounts.generate_test_account() for c in clients}
        token = project.TestToken.deploy("Stake", "STK", 18, sender=owner)
        rounds = deploy_training_rounds(project, owner, token, params)
        bond = BOND * len(result.records)  # each round locks one until its challenge window has passed
        token.mint(owner, bond + settings.budget, sender=owner)
        token.approve(rounds, 2**256 - 1, sender=owner)
        rounds.post_bond(bond, sender=owner)
        rounds.fund(settings.budget, sender=owner)  # in production: the governed pool's protocol fee share
        for c, stake in zip(clients, result.records[0].stakes, strict=True):
            who = accounts[c]
            owner.transfer(who, TOKEN)
            token.mint(who, stake + BURN, sender=owner)
            token.approve(rounds, 2**256 - 1, sender=who)
            gas["register"].append(rounds.register(stake, sender=who).gas_used)
        audits, claims = [], {}
        for record in result.records:
            rule_param = int(record.info.get("trim_bps", settings.rule_param or 0))
            model = update_root(record.global_params)
            rounds.open_round(model, RULES.index(settings.rule), rule_param, len(record.aggregate), sender=owner)
            rid = int(rounds.current_round())
            salts, roots = {}, {}
            for c, update in zip(record.clients, record.updates, strict=True):
                salts[c] = new_salt()
                roots[c] = commit_update(rounds, accounts[c], rid, update, salts[c])
                gas["commit"].append(_last_gas(ape))
            ape.chain.mine(deltatime=params.commit_seconds + 1)
            for c in record.clients:
                gas["reveal"].append(reveal_update(rounds, accounts[c], rid, roots[c], salts[c]).gas_used)
            ape.chain.mine(deltatime=params.reveal_seconds + 1)
            paid = {accounts[c].address: a for c, a in zip(record.clients, record.rewards, strict=True) if a}
            root, proofs = rewards_tree(rid, paid) if paid else (ZERO32, {})
            listed = [accounts[c].address for c in record.slashed]
            tx = rounds.finalize(rid, update_root(record.aggregate), root, sum(paid.values()), listed, sender=owner)
            gas["finalize"].append(tx.gas_used)
            write_round(
                store,
                record.round,
                record,
                {
                    "rule": settings.rule,
                    "rule_param": settings.rule_param,
                    "prestep": settings.prestep,
                    "tolerate": tolerate,
                    "clients": record.clients,
                    "addresses": [accounts[c].address for c in record.clients],
                    "contract": rounds.address,
                    "chain_round": rid,
                },
            )
            audits.append(audit_round(store, record.round, rounds))
            if record is result.records[-1]:  # the epoch settles: its window passes, rewards are claimed
                ape.chain.mine(deltatime=params.challenge_seconds + 1)
                for address, amount in paid.items():
                    who = next(a for a in accounts.values() if a.address == address)
                    gas["claim"].append(rounds.claim(rid, amount, proofs[address], sender=who).gas_used)
                    claims[address] = amount
        final = bool(rounds.is_final(int(rounds.current_round())))
        return {
            "contract": rounds.address,
            "gas": {k: {"median": int(np.median(v)), "max": max(v), "calls": len(v)} for k, v in gas.items()},
            "audits_ok": all(a["ok"] for a in audits),
            "last_round_final": final,
            "claimed": sum(claims.values()),
            "burned": int(rounds.burned()),
        }


def _last_gas(ape) -> int:
    return int(ape.chain.blocks.head.gas_used)
