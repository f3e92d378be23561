"""Per fee update: the pool's features -> the exact public inputs the controller derives -> witness -> proof."""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from agents.zk.circuit import ZkModel, ensure_proving_key
from agents.zk.ezkl_calls import call
from envs.features import quantised_observation
from envs.fee_rule import FeeRule

FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617


class ProofError(RuntimeError):
    """The update cannot be proved (nothing is sent)."""


@dataclass(frozen=True)
class FeeProof:
    observation: list[int]  # quantised at 2**in_scale, as the controller derives it
    actions: list[int]  # proven actions at 2**out_scale, one per output of the rule map
    rule: FeeRule  # what the actions set on the model's grid (before the pool's clamp)
    proof: bytes
    instances: list[int]  # field elements: observations then actions
    proof_json: str  # EZKL's proof file, for local verification
    seconds: float  # witness + proof


def to_field(x: int) -> int:
    return x % FIELD


def from_field(x: int) -> int:
    return x - FIELD if x > FIELD // 2 else x


def _felt(little_endian_hex: str) -> int:
    return int.from_bytes(bytes.fromhex(little_endian_hex.removeprefix("0x")), "little")


def _check_lookups(zk: ZkModel, witness: dict) -> None:
    """EZKL hangs proving a witness whose lookups leave the table: refuse such inputs up front."""
    lo, hi = json.loads(zk.path("settings.json").read_text())["run_args"]["lookup_range"]
    if lo == hi:  # no lookup tables in this circuit
        return
    if witness["max_lookup_inputs"] > hi or witness["min_lookup_inputs"] < lo:
        raise ProofError(
            f"observation outside the circuit's calibrated range (lookups {witness['min_lookup_inputs']}.."
            f"{witness['max_lookup_inputs']}, table {lo}..{hi})"
        )


def _witness(zk: ZkModel, observation: list[int], folder: Path) -> dict:
    (folder / "input.json").write_text(json.dumps({"input_data": [[q / 2**zk.in_scale for q in observation]]}))
    try:
        call("gen_witness", str(folder / "input.json"), str(zk.path("circuit.ezkl")), str(folder / "witness.json"))
    except Exception as exc:  # noqa: BLE001 - EZKL raises plain RuntimeErrors
        raise ProofError(f"witness generation failed: {exc}") from exc
    witness = json.loads((folder / "witness.json").read_text())
    _check_lookups(zk, witness)
    return witness


def proven_actions(zk: ZkModel, features: list[int]) -> list[int]:
    """The actions a proof on `features` will open to (the circuit's outputs, without proving)."""
    with tempfile.TemporaryDirectory(prefix="lamm-witness-") as tmp:
        witness = _witness(zk, quantised_observation(features, zk.in_scale), Path(tmp))
    return [from_field(_felt(x)) for x in witness["outputs"][0]]


def prove_fee(zk: ZkModel, features: list[int]) -> FeeProof:
    """Proves the policy's actions on `features` (the pool's WAD integers) and maps them to the rule grid."""
    pk = ensure_proving_key(zk)
    observation = quantised_observation(features, zk.in_scale)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lamm-proof-") as tmp:
        tmp = Path(tmp)
        _witness(zk, observation, tmp)
        try:
            call(
                "prove",
                str(tmp / "witness.json"),
                str(zk.path("circuit.ezkl")),
                str(pk),
                str(tmp / "proof.json"),
                str(zk.path("kzg.srs")),
            )
        except Exception as exc:  # noqa: BLE001
            raise ProofError(f"proving failed: {exc}") from exc
        proof_json = (tmp / "proof.json").read_text()
    seconds = time.perf_counter() - started
    doc = json.loads(proof_json)
    instances = [_felt(x) for x in doc["instances"][0]]
    n = len(observation)
    inputs, actions = [from_field(x) for x in instances[:n]], [from_field(x) for x in instances[n:]]
    if inputs != observation:
        raise ProofError(f"the circuit quantised the observation differently: {inputs} != {observation}")
    return FeeProof(
        observation=observation,
        actions=actions,
        rule=zk.grid.rule(actions),
        proof=bytes.fromhex(doc["hex_proof"].removeprefix("0x")),
        instances=instances,
        proof_json=proof_json,
        seconds=seconds,
    )


def verify_locally(zk: ZkModel, proof: FeeProof, instances: list[int] | None = None) -> bool:
    """EZKL's own verdict on the proof, optionally with other public inputs (field elements)."""
    doc = json.loads(proof.proof_json)
    if instances is not None:
        doc["instances"] = [[(x % FIELD).to_bytes(32, "little").hex() for x in instances]]
    with tempfile.TemporaryDirectory(prefix="lamm-verify-") as tmp:
        path = Path(tmp) / "proof.json"
        path.write_text(json.dumps(doc))
        try:
            return bool(
                call(
                    "verify", str(path), str(zk.path("settings.json")), str(zk.path("vk.key")), str(zk.path("kzg.srs"))
                )
            )
        except Exception:  # noqa: BLE001 - EZKL raises when the proof does not verify
            return False
