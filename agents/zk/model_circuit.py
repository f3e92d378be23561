"""The proving artifacts of a trained model folder (models/NAME): built once, then loaded."""

from __future__ import annotations

import json
from pathlib import Path

from agents.zk.circuit import ZK_FOLDER, ZkBuildError, ZkModel, build_circuit
from envs.amm import NFEATURES
from envs.simulation import bps_to_pips


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
    sim = card["config"]["sim"]
    fee_lo, fee_hi = bps_to_pips(sim["fee_min_bps"]), bps_to_pips(sim["fee_max_bps"])
    from agents.training.export import ActionGraph, DeterministicFeePolicy, export_action_onnx
    from agents.training.fee import load_model

    policy = DeterministicFeePolicy(load_model(zip_path, card["algo"]), fee_lo, fee_hi)
    folder.mkdir(parents=True, exist_ok=True)
    graph = export_action_onnx(ActionGraph(policy), NFEATURES, folder / "action.onnx")
    log(f"building the circuit of {model_dir} (EZKL settings, calibration, keys, verifier)")
    return build_circuit(graph, folder, fee_lo, fee_hi, srs=srs, log=log)
