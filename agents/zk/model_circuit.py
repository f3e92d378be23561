"""The proving artifacts of a trained model folder (models/NAME): built once, then loaded."""

from __future__ import annotations

import json
from pathlib import Path

from agents.zk.circuit import ZK_FOLDER, ZkBuildError, ZkModel, build_circuit
from envs.amm import NFEATURES
from envs.rule_map import RuleMap


def zk_folder(model_dir: Path) -> Path:
    return Path(model_dir) / ZK_FOLDER


def zk_for_model(model_dir: Path, srs: Path | None = None, log=print) -> ZkModel:
    """The model's circuit, building whatever is missing (the action graph from model.zip, then the rest)."""
    model_dir = Path(model_dir)
    folder = zk_folder(model_dir)
    if (folder / ZkModel.MANIFEST).is_file():
        if srs is not None:
            log(f"{folder} is already built; --srs is used only when building (remove the folder to rebuild)")
        return ZkModel.load(folder)
    card_path, zip_path = model_dir / "card.json", model_dir / "model.zip"
    for path in (card_path, zip_path):
        if not path.is_file():
            raise ZkBuildError(f"--model {model_dir}: {path.name} not found (train one with `lamm train fee`)")
    card = json.loads(card_path.read_text())
    rule_map = RuleMap.from_dict(card["policy"]["rule_map"])
    from agents.training.export import DeterministicPolicy, export_onnx
    from agents.training.fee import load_model

    policy = DeterministicPolicy(load_model(zip_path, card["algo"]))
    folder.mkdir(parents=True, exist_ok=True)
    graph = export_onnx(policy, NFEATURES, folder / "action.onnx", batch=1)
    log(f"building the circuit of {model_dir} (EZKL settings, calibration, keys, verifier)")
    return build_circuit(graph, folder, rule_map, srs=srs, log=log)
