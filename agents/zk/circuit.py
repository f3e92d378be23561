"""A fee policy's proving artifacts (models/NAME/zk/): ONNX action graph -> EZKL settings -> compiled circuit
-> SRS -> keys -> Solidity verifier, and the model id that names them on-chain.

Inputs (the eight observations) and the outputs (one action in [-1, 1] per output of the rule map) are
public, the weights are fixed into the circuit. Observations are fixed point at 2**-10, weights (and so the
actions) at 2**-13. The proving key is rebuilt from the SRS when missing (setup is deterministic given the
SRS) and never committed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from agents.zk.ezkl_calls import call, ezkl
from agents.zk.rule_grid import RuleGrid
from agents.zk.verifier_contract import compile_verifier
from envs.amm import NFEATURES
from envs.features import OBS_CLIP
from envs.rule_map import RuleMap

ZK_FOLDER = "zk"
DEFAULT_SCALE = 10  # observations at 2**-10
DEFAULT_PARAM_SCALE = 13  # weights at 2**-13: the proven action within ~1e-3 of the float policy anywhere in the box
DEFAULT_GRID_BITS = 8  # 512 grid steps over [-1, 1]: 0.9% apart for a fee over 1..100 bps
DEVELOPMENT_SRS = "development: generated on this machine by `gen_srs`; whoever ran it could forge proofs"


class ZkBuildError(RuntimeError):
    pass


@dataclass(frozen=True)
class ZkModel:
    """A built circuit: where its files are and the facts the controller registers."""

    folder: Path
    model_id: str  # 0x-hex keccak256 of the ONNX graph, the settings and the verification key
    in_scale: int
    out_scale: int
    grid_bits: int
    rule_map: dict  # envs.rule_map.RuleMap.as_dict()
    logrows: int
    srs: str  # where the SRS came from

    MANIFEST = "model.json"

    @property
    def grid(self) -> RuleGrid:
        return RuleGrid(self.out_scale, self.grid_bits, RuleMap.from_dict(self.rule_map))

    def path(self, name: str) -> Path:
        return self.folder / name

    @classmethod
    def load(cls, folder: Path) -> ZkModel:
        manifest = Path(folder) / cls.MANIFEST
        if not manifest.is_file():
            raise ZkBuildError(f"{manifest} not found: build it with `lamm model register`")
        values = json.loads(manifest.read_text())
        return cls(folder=Path(folder), **{k: v for k, v in values.items() if k != "folder"})

    def save(self) -> None:
        values = {k: v for k, v in asdict(self).items() if k != "folder"}
        (self.folder / self.MANIFEST).write_text(json.dumps(values, indent=2) + "\n")


def _run_args(scale: int, param_scale: int, logrows: int, lookup_range: tuple[int, int] | None = None):
    args = ezkl().PyRunArgs()
    args.input_visibility = "public"
    args.output_visibility = "public"
    args.param_visibility = "fixed"
    args.input_scale, args.param_scale = scale, param_scale
    args.decomp_base, args.decomp_legs, args.num_inner_cols = 1024, 3, 2
    args.logrows = logrows
    if lookup_range is not None:
        args.lookup_range = lookup_range
    return args


def _lookup_range(graph: Path, folder: Path, scale: int, param_scale: int) -> tuple[int, int]:
    """The range nonlinearities with lookup tables (tanh) need for observations anywhere in the clipped box,
    from EZKL's calibration at the input scale, rescaled to the weights' scale; (0, 0) for ReLU policies."""
    settings, sample = folder / "settings.json", folder / "calibration.json"
    call("gen_settings", str(graph), str(settings), py_run_args=_run_args(scale, scale, 12))
    rng = np.random.default_rng(0)
    obs = np.concatenate([rng.uniform(-OBS_CLIP, OBS_CLIP, (64, NFEATURES)), rng.normal(0.0, 1.0, (64, NFEATURES))])
    sample.write_text(json.dumps({"input_data": [obs.astype(np.float32).reshape(-1).tolist()]}))
    call("calibrate_settings", str(sample), str(graph), str(settings), "resources", scales=[scale])
    sample.unlink()
    lo, hi = json.loads(settings.read_text())["run_args"]["lookup_range"]
    return lo << (param_scale - scale), hi << (param_scale - scale)


def _settings(graph: Path, folder: Path, scale: int, param_scale: int) -> None:
    """Settings at the given scales with the fewest rows (2**logrows) that hold the circuit and its tables."""
    lookup = _lookup_range(graph, folder, scale, param_scale)
    settings = folder / "settings.json"
    for logrows in range(10, 21):
        if not call(
            "gen_settings", str(graph), str(settings), py_run_args=_run_args(scale, param_scale, logrows, lookup)
        ):
            raise ZkBuildError(f"EZKL could not make settings for {graph}")
        values = json.loads(settings.read_text())
        lo, hi = values["run_args"]["lookup_range"]
        if max(values["num_rows"], hi - lo + 1) + 64 <= 2**logrows:  # 64: blinding rows
            return
    raise ZkBuildError(f"{graph}: the circuit needs more than 2**20 rows; use a smaller policy")


def _check_corners(folder: Path) -> None:
    """The circuit's constraints hold for observations at the centre and the corners of the box."""
    for value in (0.0, OBS_CLIP, -OBS_CLIP):
        (folder / "input.json").write_text(json.dumps({"input_data": [[value] * NFEATURES]}))
        try:
            call("gen_witness", str(folder / "input.json"), str(folder / "circuit.ezkl"), str(folder / "witness.json"))
            ok = call("mock", str(folder / "witness.json"), str(folder / "circuit.ezkl"))
        except Exception as exc:  # noqa: BLE001 - EZKL raises plain RuntimeErrors
            raise ZkBuildError(f"the circuit fails on observations at {value:+g}: {exc}") from exc
        if not ok:
            raise ZkBuildError(f"the circuit's constraints fail on observations at {value:+g}")
    for name in ("input.json", "witness.json"):
        (folder / name).unlink()


def srs_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def is_development(zk: ZkModel) -> bool:
    """Whether the circuit trusts a development SRS (made on some machine, whose maker could forge proofs)."""
    return zk.srs.startswith("development")


def _srs(folder: Path, logrows: int, srs: Path | None, log) -> str:
    target = folder / "kzg.srs"
    if srs is not None:
        if not Path(srs).is_file():
            raise ZkBuildError(f"--srs {srs}: no such file (pass a KZG SRS from a public ceremony)")
        shutil.copyfile(srs, target)
        return f"user-supplied: {Path(srs).name} (sha256 {srs_digest(target)[:16]})"
    log(
        "WARNING: generating a DEVELOPMENT SRS on this machine. Proofs against it are only as trustworthy as "
        "this machine; pass --srs FILE (a public ceremony's SRS) for production."
    )
    call("gen_srs", str(target), logrows)
    return DEVELOPMENT_SRS


def model_id(folder: Path) -> str:
    """keccak256(ONNX graph || settings without their timestamp || verification key)."""
    from eth_utils import keccak

    settings = json.loads((folder / "settings.json").read_text())
    settings.pop("timestamp", None)
    blob = (
        (folder / "action.onnx").read_bytes()
        + json.dumps(settings, sort_keys=True).encode()
        + (folder / "vk.key").read_bytes()
    )
    return "0x" + keccak(blob).hex()


def _verifier(folder: Path) -> None:
    sol = folder / "Verifier.sol"
    try:
        call(
            "create_evm_verifier",
            str(folder / "vk.key"),
            str(folder / "settings.json"),
            str(sol),
            str(folder / "verifier.abi"),
            str(folder / "kzg.srs"),
        )
    except Exception:  # noqa: BLE001 - EZKL writes the source, then fails fetching a compiler list offline
        if not sol.is_file():
            raise
    compile_verifier(sol, folder / "verifier.json")
    (folder / "verifier.abi").unlink(missing_ok=True)


def build_circuit(
    graph: Path,
    folder: Path,
    rule_map: RuleMap,
    scale: int = DEFAULT_SCALE,
    param_scale: int = DEFAULT_PARAM_SCALE,
    grid_bits: int = DEFAULT_GRID_BITS,
    srs: Path | None = None,
    log=print,
) -> ZkModel:
    """Builds every artifact for the action graph `graph` (observation -> action, batch 1) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    if graph.resolve() != (folder / "action.onnx").resolve():
        shutil.copyfile(graph, folder / "action.onnx")
    graph = folder / "action.onnx"
    _settings(graph, folder, scale, param_scale)
    settings = json.loads((folder / "settings.json").read_text())
    logrows = settings["run_args"]["logrows"]
    if call("compile_circuit", str(graph), str(folder / "circuit.ezkl"), str(folder / "settings.json")) is False:
        raise ZkBuildError(f"EZKL could not compile {graph}")
    _check_corners(folder)
    origin = _srs(folder, logrows, srs, log)
    if not call(
        "setup", str(folder / "circuit.ezkl"), str(folder / "vk.key"), str(folder / "pk.key"), str(folder / "kzg.srs")
    ):
        raise ZkBuildError("EZKL setup failed")
    _verifier(folder)
    zk = ZkModel(
        folder=folder,
        model_id=model_id(folder),
        in_scale=settings["model_input_scales"][0],
        out_scale=settings["model_output_scales"][0],
        grid_bits=grid_bits,
        rule_map=rule_map.as_dict(),
        logrows=logrows,
        srs=origin,
    )
    if zk.grid_bits > zk.out_scale:
        raise ZkBuildError(f"grid_bits {grid_bits} is finer than the circuit's output scale {zk.out_scale}")
    zk.save()
    return zk


def ensure_proving_key(zk: ZkModel) -> Path:
    """The proving key, rebuilt from the SRS when missing; refuses an SRS that gives another verification key."""
    pk = zk.path("pk.key")
    if pk.is_file():
        return pk
    with tempfile.TemporaryDirectory() as tmp:
        vk = Path(tmp) / "vk.key"
        call("setup", str(zk.path("circuit.ezkl")), str(vk), str(pk), str(zk.path("kzg.srs")))
        if vk.read_bytes() != zk.path("vk.key").read_bytes():
            pk.unlink()
            raise ZkBuildError(f"{zk.folder}: the SRS there is not the one the verification key was made with")
    return pk
