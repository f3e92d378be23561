"""Federated rounds between parties that do not trust each other: the coordinator and each client run their own
`lamm fl` commands against one TrainingRounds contract and one shared update store (agents/fl/store.py).

A round: the coordinator opens it on the current global policy (published to the store, its Merkle root on
chain); each client trains from that policy on its own data, uploads its update and commits to its root;
after the commit deadline each reveals; after the reveal deadline the coordinator reads the revealed roots from
the chain, takes from the store the updates that match them (a missing or mismatching one is listed for
slashing and left out), aggregates them with the round's rule, scores each on its own evaluation days,
publishes the round's record and the rewards with their proofs, and finalizes. Anyone audits the round with
`lamm fl audit`; a client claims once the challenge window has passed."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agents.fl import rewards
from agents.fl.chain_rounds import commitment, new_salt
from agents.fl.client import ClientData, local_update
from agents.fl.evaluation import pnl_per_day
from agents.fl.fixed_point import MalformedUpdate, check_update, decode, encode
from agents.fl.merkle import rewards_tree, update_root
from agents.fl.policy import PolicyShape
from agents.fl.rounds import RoundRecord
from agents.fl.rules import RULES, aggregate
from agents.fl.store import UpdateStore, write_round
from agents.training.config import TrainConfig

SECRETS = Path.home() / ".lamm" / "fl"  # each client's salts until it reveals


def policy_name(rid: int) -> str:
    return f"policy-{rid:04d}.npz"


def update_name(rid: int, address: str) -> str:
    return f"updates/{rid:04d}/{address}.npz"


@dataclass
class Evaluator:
    """What scoring needs: the policy's shape and rule map, and the coordinator's evaluation market."""

    shape: PolicyShape
    cfg: TrainConfig
    market: object
    interval_s: int


def current_policy(store: UpdateStore, rounds_contract, shape: PolicyShape, start: np.ndarray) -> np.ndarray:
    """The policy the next round trains from: the last finalized round's, or `start` (fixed point)."""
    rid = int(rounds_contract.current_round())
    while rid > 0:
        info = rounds_contract.round_info(rid)
        if store.exists(f"round-{rid:04d}.npz") and int(info.status) != 1:  # 1: open
            arrays = store.get_arrays(f"round-{rid:04d}.npz")
            if bytes(info.aggregate_root) == update_root(arrays["aggregate"]):
                return arrays["global_params"] + arrays["aggregate"]
        rid -= 1
    return start


def open_round(
    store: UpdateStore, rounds_contract, token, coordinator, params: np.ndarray, rule: str, rule_param: int
) -> int:
    """Posts the bond the round locks if the coordinator's free bond is short, publishes the policy, then opens
    the round on chain; returns the round id."""
    short = int(rounds_contract.coordinator_bond()) - int(rounds_contract.bond_of(coordinator))
    if short > 0:
        token.approve(rounds_contract, short, sender=coordinator)
        rounds_contract.post_bond(short, sender=coordinator)
    rid = int(rounds_contract.current_round()) + 1
    store.put_arrays(policy_name(rid), global_params=params)
    rounds_contract.open_round(update_root(params), RULES.index(rule), rule_param, len(params), sender=coordinator)
    opened = int(rounds_contract.current_round())
    if opened != rid:
        raise RuntimeError(f"opened round {opened}, expected {rid}: another coordinator call raced this one")
    return rid


def _secret_path(chain_id: int, contract: str, rid: int, address: str) -> Path:
    return SECRETS / f"{chain_id}-{contract}-{rid}-{address}.json"


def train_and_commit(
    store: UpdateStore,
    rounds_contract,
    account,
    chain_id: int,
    shape: PolicyShape,
    data: ClientData,
    epochs: int,
    learning_rate: float,
    batch_size: int,
    seed: int,
) -> tuple[int, bytes]:
    """Trains from the open round's policy, uploads the update, commits to it; keeps the salt (0600)."""
    rid = int(rounds_contract.current_round())
    published = store.get_arrays(policy_name(rid))["global_params"]
    if bytes(rounds_contract.round_info(rid).model_hash) != update_root(published):
        raise ValueError(f"round {rid}: the store's policy is not the one the round opened on; not training on it")
    update = encode(local_update(shape, decode(published), data, epochs, learning_rate, batch_size, seed))
    root, salt = update_root(update), new_salt()
    store.put_arrays(update_name(rid, account.address), update=update)
    path = _secret_path(chain_id, rounds_contract.address, rid, account.address)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"root": root.hex(), "salt": salt.hex()}, f)
    rounds_contract.commit(rid, commitment(root, salt, account.address), sender=account)
    return rid, root


def reveal(rounds_contract, account, chain_id: int, rid: int | None = None):
    rid = rid or int(rounds_contract.current_round())
    path = _secret_path(chain_id, rounds_contract.address, rid, account.address)
    if not path.is_file():
        raise FileNotFoundError(f"no commitment of {account.address} in round {rid} on this machine ({path})")
    doc = json.loads(path.read_text())
    tx = rounds_contract.reveal(rid, bytes.fromhex(doc["root"]), bytes.fromhex(doc["salt"]), sender=account)
    path.unlink()
    return tx


def finalize(
    store: UpdateStore,
    rounds_contract,
    coordinator,
    evaluator: Evaluator,
    tolerate: int,
    prestep: str,
    budget: int,
    seed: int = 0,
) -> dict:
    """Aggregates the revealed updates found in the store, scores them, publishes and finalizes."""
    rid = int(rounds_contract.current_round())
    info = rounds_contract.round_info(rid)
    rule, params = RULES[int(info.rule)], store.get_arrays(policy_name(rid))["global_params"]
    revealed = [rounds_contract.revealer(rid, k) for k in range(int(info.revealed))]
    rows, addresses, stakes, listed = [], [], [], []
    for address, weight, root in revealed:
        try:
            update = check_update(store.get_arrays(update_name(rid, address))["update"], len(params), address)
        except (FileNotFoundError, KeyError, ValueError, MalformedUpdate):
            listed.append(address)  # revealed a root it did not back with a well-formed update in the store
            continue
        if update_root(update) != bytes(root):
            listed.append(address)
            continue
        rows.append(update)
        addresses.append(address)
        stakes.append(int(weight))
    if not rows:
        raise ValueError(f"round {rid}: no revealed update is in the store; nothing to aggregate")
    updates = np.array(rows)
    rule_param = int(info.rule_param) or None
    agg = aggregate(rule, updates, stakes, tolerate, param=rule_param, seed=seed + rid, prestep=prestep)
    base = pnl_per_day(evaluator, evaluator.market, params)
    scores = rewards.integer_scores([[pnl_per_day(evaluator, evaluator.market, params + u) - base for u in updates]])
    _, final = rewards.consensus(scores, [1])
    clones = {k for group in agg.info.get("clones", []) for k in group} | set(rewards.outsized(updates))
    slashed = rewards.to_slash(final, sorted(clones))
    paid = rewards.epoch_rewards(budget, stakes, [0 if k in slashed else v for k, v in enumerate(final)])
    amounts = {a: v for a, v in zip(addresses, paid, strict=True) if v}
    reward_root, proofs = rewards_tree(rid, amounts) if amounts else (b"\x00" * 32, {})
    listed += [addresses[k] for k in slashed]
    record = RoundRecord(
        round=rid,
        global_params=params,
        clients=list(range(len(rows))),
        updates=updates,
        stakes=stakes,
        aggregate=agg.vector,
        selected=agg.selected,
        flagged=agg.flagged,
        scores=final,
        evaluator_scores=scores,
        rewards=paid,
        slashed=slashed,
        rule_seed=seed + rid,
        info=agg.info,
    )
    meta = {"rule": rule, "rule_param": rule_param, "prestep": prestep, "tolerate": tolerate}
    meta |= {"addresses": addresses, "contract": rounds_contract.address, "chain_round": rid}
    write_round(store.url, rid, record, meta)
    store.put_json(
        f"rewards-{rid:04d}.json",
        {a: {"amount": str(v), "proof": [p.hex() for p in proofs[a]]} for a, v in amounts.items()},
    )
    rounds_contract.finalize(
        rid, update_root(agg.vector), reward_root, sum(amounts.values()), listed, sender=coordinator
    )
    return {"round": rid, "rule": rule, "counted": addresses, "listed": listed, "rewards": amounts}


def claim(store: UpdateStore, rounds_contract, account, rid: int):
    doc = store.get_json(f"rewards-{rid:04d}.json")
    mine = doc.get(account.address)
    if mine is None:
        raise ValueError(f"round {rid}: no reward for {account.address}")
    proof = [bytes.fromhex(p) for p in mine["proof"]]
    return rounds_contract.claim(rid, int(mine["amount"]), proof, sender=account)
