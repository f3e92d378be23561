"""The proving artifacts of a trained model folder (models/NAME): built once, then loaded."""

from __future__ import annotations

import json
from pathlib import Path

from agents.zk.circuit import ZK_FOLDER, ZkBuildError, ZkModel, build_circuit, srs_digest
from envs.amm import NFEATURES
from envs.rule_map import RuleMap


def zk_folder(model_dir: Path) -> Path:
    return Path(model_dir) / ZK_FOLDER


def zk_for_model(model_dir: Path, srs: Path | None = None, log=print) -> ZkModel:
    """The model's circuit, building whatever is missing (the action graph from model.zip, then the rest). A
    given `srs` must be the one an existing circuit was built with: its keys and verifier trust that SRS."""
    model_dir = Path(model_dir)
    folder = zk_folder(model_dir)
    if (folder / ZkModel.MANIFEST).is_file():
        zk = ZkModel.load(folder)
        if srs is not None:
            check_same_srs(zk, Path(srs))
        return zk
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


def check_same_srs(zk: ZkModel, srs: Path) -> None:
    """Refuses an SRS other than the one `zk` was built with (its verifier trusts that one, not this)."""
    if not srs.is_file():
        raise ZkBuildError(f"--srs {srs}: no such file (pass a KZG SRS from a public ceremony)")
    built = zk.path("kzg.srs")
    if srs_digest(srs) != srs_digest(built):
        raise ZkBuildError(
            f"--srs {srs} is not the SRS {zk.folder} was built with ({zk.srs}); its keys and verifier trust that "
            f"one. Remove {zk.folder} to rebuild the circuit with {srs.name}, then register the new model id."
        )
