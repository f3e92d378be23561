"""A final round's policy as a model folder (models/NAME), and the gate `lamm model register` holds it to.

The round's new policy (the global policy it started from plus its aggregate) is written as the same artifact
`lamm train fee` writes (SB3 zip, ONNX graph, rule map, card with its evaluation), with a `federated` section
naming the chain, contract, round and the two roots. Only a round that TrainingRounds calls final (finalized,
its challenge window over, undisputed) is exported, and `lamm model register` checks it again on the chain it
registers on, so a policy whose aggregate is disputed or still open to dispute never reaches FeeController."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import numpy as np
import torch

from agents.fl.fixed_point import decode
from agents.fl.merkle import update_root
from agents.fl.policy import PolicyShape
from agents.fl.store import read_round
from agents.training.config import TrainConfig
from envs.market import Market


class NotFinal(ValueError):
    """A federated round that is not final on chain, or does not match the chain."""


def check_final(rounds_contract, meta: dict, aggregate_root: bytes, policy_hash: bytes) -> None:
    """NotFinal unless the chain's round is final with this aggregate root, from this policy."""
    rid = meta["chain_round"]
    info = rounds_contract.round_info(rid)
    if bytes(info.aggregate_root) != aggregate_root or bytes(info.model_hash) != policy_hash:
        raise NotFinal(f"federated round {rid}: the chain's aggregate or policy hash is not this model's")
    if not rounds_contract.is_final(rid):
        raise NotFinal(
            f"federated round {rid} at {rounds_contract.address} is not final (still open to dispute, disputed, "
            "or never finalized): wait for its challenge window to pass"
        )


def sb3_model(shape: PolicyShape, params: np.ndarray, cfg: TrainConfig, market: Market, path: Path) -> Path:
    """An SB3 PPO model whose actor is the vector `params` (floats), saved at `path`."""
    from stable_baselines3.common.vec_env import DummyVecEnv

    from agents.training.fee import _new_model
    from envs.fee_env import DynamicFeeEnv

    env = DynamicFeeEnv(market, cfg.sim, rule_map=cfg.rules)
    model = _new_model(cfg.replace(algo="ppo", n_envs=1), DummyVecEnv([lambda: env]), None)
    state = model.policy.state_dict()
    for key, (w, b) in zip(shape.state_keys()[::2], shape.layers(params), strict=True):
        state[key] = torch.as_tensor(w, dtype=torch.float32)
        state[key.replace(".weight", ".bias")] = torch.as_tensor(b, dtype=torch.float32)
    model.policy.load_state_dict(state)
    model.save(path)
    return path


ROUND_FILE = "federated.npz"  # the round's exact integers beside the model, for the registration gate


def export_round(
    store: Path,
    round_id: int,
    rounds_contract,
    chain_id: int,
    cfg: TrainConfig,
    market: Market,
    out: Path,
    data: str,
    period: tuple[date, date] | None,
) -> dict:
    """Checks the round is final on chain, then writes the model folder (its card evaluates the policy on
    `market`, the days `period` of `data`); returns the card."""
    from agents.training.artifact import build_artifact, data_files, portable_path

    meta, arrays = read_round(store, round_id)
    params = arrays["global_params"] + arrays["aggregate"]
    aggregate_root, policy_hash = update_root(arrays["aggregate"]), update_root(arrays["global_params"])
    check_final(rounds_contract, meta, aggregate_root, policy_hash)
    shape = PolicyShape(tuple(cfg.net_arch), cfg.rules.size)
    federated = {
        "chain_id": chain_id,
        "contract": meta["contract"],
        "round": meta["chain_round"],
        "aggregate_root": aggregate_root.hex(),
        "policy_hash": policy_hash.hex(),
        "rule": meta["rule"],
    }
    with tempfile.TemporaryDirectory() as tmp:
        zip_path = sb3_model(shape, decode(params), cfg, market, Path(tmp) / "model.zip")
        card, _ = build_artifact(
            zip_path,
            out,
            cfg.replace(algo="ppo"),
            market,
            {
                "name": out.name,
                "federated": federated,
                "data": {"source": portable_path(data), "files": data_files(data, *(period or (None, None)))},
                "periods": {"train": "the clients' own shards", "evaluation": "..".join(map(str, period or [data]))},
            },
        )
    np.savez(out / ROUND_FILE, global_params=arrays["global_params"], aggregate=arrays["aggregate"])
    return card


def check_model_final(model_dir: Path, card: dict, rounds_contract, chain_id: int) -> None:
    """The registration gate: the chain is the card's, the round is final with these exact integers, and the
    model's actor is exactly their policy."""
    fed = card["federated"]
    if chain_id != fed["chain_id"]:
        raise NotFinal(f"--model {model_dir}: trained in a round on chain {fed['chain_id']}, not this one ({chain_id})")
    path = Path(model_dir) / ROUND_FILE
    if not path.is_file():
        raise NotFinal(f"--model {model_dir}: {ROUND_FILE} is missing; export the round again with `lamm fl export`")
    with np.load(path) as saved:
        global_params, aggregate = saved["global_params"], saved["aggregate"]
    check_final(rounds_contract, {"chain_round": fed["round"]}, update_root(aggregate), update_root(global_params))
    from agents.training.fee import load_model

    state = load_model(Path(model_dir) / "model.zip", "ppo").policy.state_dict()
    cfg_shape = PolicyShape(tuple(card["policy"]["net_arch"]), len(card["policy"]["outputs"]))
    layers = cfg_shape.layers(decode(global_params + aggregate))
    for key, (w, b) in zip(cfg_shape.state_keys()[::2], layers, strict=True):
        bias = key.replace(".weight", ".bias")
        if not (
            torch.equal(state[key], torch.as_tensor(w, dtype=torch.float32))
            and torch.equal(state[bias], torch.as_tensor(b, dtype=torch.float32))
        ):
            raise NotFinal(f"--model {model_dir}: its policy is not the one round {fed['round']} aggregated")
