"""`lamm fl audit`: recompute a round from its revealed updates and hold it against the store and the chain.

Checks, each reported: every stored update's Merkle root and stake are the root its client revealed on chain
and the weight it committed with, in reveal order (a client the coordinator left out, e.g. for an update
missing from the store, is listed for slashing on chain instead); the aggregate recomputed with the round's
rule, parameter, stakes and seed equals the stored one bit for bit; its root equals the aggregate root finalized
on chain; the round's rule and policy hash are those on chain.
FLTrust's reference (the coordinator's root-shard update) is taken as published: the audit checks the
arithmetic, not the coordinator's private data."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from agents.fl.merkle import update_root
from agents.fl.rules import RULES, aggregate
from agents.fl.store import read_round


def recompute(meta: dict, arrays: dict) -> np.ndarray:
    return aggregate(
        meta["rule"],
        arrays["updates"],
        meta["stakes"],
        meta["tolerate"],
        param=meta.get("rule_param"),
        seed=meta["rule_seed"],
        prestep=meta["prestep"],
        reference=arrays.get("reference"),
    ).vector


def audit_round(store: Path, round_id: int, rounds_contract=None) -> dict:
    """The checks of one round; `rounds_contract` (an Ape contract of TrainingRounds) adds the chain's."""
    meta, arrays = read_round(store, round_id)
    again = recompute(meta, arrays)
    checks = {"aggregate recomputed bit for bit": bool(np.array_equal(again, arrays["aggregate"]))}
    if rounds_contract is not None:
        chain_id = meta["chain_round"]
        info = rounds_contract.round_info(chain_id)
        revealed = [rounds_contract.revealer(chain_id, k) for k in range(info.revealed)]
        order = [r[0] for r in revealed]
        by_address = {r[0]: (int(r[1]), bytes(r[2])) for r in revealed}
        stored = list(zip(meta["addresses"], arrays["updates"], meta["stakes"], strict=True))
        checks["every update is the one revealed"] = all(
            a in by_address and by_address[a] == (w, update_root(u)) for a, u, w in stored
        )
        checks["updates in reveal order"] = [a for a in order if a in set(meta["addresses"])] == meta["addresses"]
        checks["aggregate root is the finalized one"] = bytes(info.aggregate_root) == update_root(again)
        checks["policy hash is the round's"] = bytes(info.model_hash) == update_root(arrays["global_params"])
        checks["rule is the round's"] = int(info.rule) == RULES.index(meta["rule"])
    return {"round": round_id, "ok": all(checks.values()), "checks": checks}
