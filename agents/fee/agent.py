"""The verified fee agent: read the pool's features, run the policy, prove, and propose the fee rule.

One step: the moment the controller will check (the later of the pool's last swap and the start of the current
update interval) and the pool's features then -> the ONNX rule (for the log) and the proof of the actions ->
the rule the controller would set (its clamp, read from the contract) and the checks it makes (no change,
too soon, the pool moved on) -> `FeeController.propose` -> receipt. When proving fails or the controller would
refuse, nothing is sent and the reason is logged. RPC errors are retried with backoff.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from agents.chain.retries import with_retries
from agents.zk.circuit import ZkModel
from agents.zk.prover import ProofError, prove_fee
from envs.features import FEATURE_NAMES, WAD, observation
from envs.fee_rule import FeeRule


def _shown(rule: FeeRule | None) -> str:
    """The rule's nonzero parameters (the base in bps), for logs."""
    if rule is None:
        return "-"
    parts = [f"base {rule.base / 100:g} bps"]
    parts += [f"{k} {v}" for k, v in asdict(rule).items() if k != "base" and v]
    return ", ".join(parts)


@dataclass
class FeeStep:
    epoch: int
    at: int  # timestamp of the proven features
    features: dict[str, float]
    onnx_rule: dict | None  # the float policy's rule on the same features
    proven_rule: dict | None = None  # what the proof sets, after the controller's clamp
    actions: list[int] | None = None
    proof_seconds: float | None = None
    sent: bool = False
    tx_hash: str | None = None
    gas_used: int | None = None
    old_fee_bps: float | None = None
    proven_fee_bps: float | None = None  # the proven rule's base fee
    reason: str = ""  # why nothing was sent, or the outcome
    seconds: float = 0.0  # from reading the features to the mined update

    def as_dict(self) -> dict:
        return asdict(self)


class FeeAgent:
    """Proves and proposes fee-rule updates for one pool governed by a FeeController."""

    def __init__(self, ape, project, account, zk: ZkModel, pool: str, log: Callable[[str], None] = print):
        from strategies.learned import LearnedFee

        self.ape, self.account, self.zk, self.log = ape, account, zk, log
        self.pool = project.DynamicFeePool.at(pool)
        self.controller = project.FeeController.at(self.pool.controller())
        self.policy = LearnedFee(zk.folder.parent) if (zk.folder.parent / "policy.onnx").is_file() else None
        model = self.controller.models(zk.model_id)
        if model.verifier == "0x" + "0" * 40:
            raise ValueError(
                f"model {zk.model_id} is not registered at {self.controller.address}: run `lamm model register` first"
            )
        if self.controller.pool_model(pool).hex() != zk.model_id.removeprefix("0x"):
            raise ValueError(f"--pool {pool} is not governed by model {zk.model_id}")

    def step(self) -> FeeStep:
        started = time.perf_counter()
        address = self.pool.address
        at = with_retries(lambda: self.controller.expected_at(address), log=self.log)
        features, epoch = with_retries(lambda: self.pool.features_at(at), log=self.log)
        features = [int(v) for v in features]
        onnx = self.policy.decide(observation(features)) if self.policy else None
        step = FeeStep(
            epoch=epoch,
            at=at,
            onnx_rule=asdict(onnx) if onnx else None,
            features={n: v / WAD for n, v in zip(FEATURE_NAMES, features, strict=True)},
        )
        try:
            proof = prove_fee(self.zk, features)
        except ProofError as exc:
            step.reason = f"not sent: {exc}"
            return self._done(step, started)
        new = FeeRule.unpack(with_retries(lambda: self.controller.clamped(address, proof.rule.pack()), log=self.log))
        old = FeeRule.unpack(with_retries(lambda: self.pool.rule(), log=self.log))
        step.actions, step.proof_seconds = proof.actions, proof.seconds
        step.proven_rule, step.proven_fee_bps, step.old_fee_bps = asdict(new), new.base / 100, old.base / 100
        reason = self._refusal(new, old, epoch, at)
        if reason:
            step.reason = f"not sent: {reason}"
            return self._done(step, started)
        # a retry after a lost receipt cannot change the rule twice: the controller takes one update per interval
        receipt = with_retries(
            lambda: self.controller.propose(
                address, self.zk.model_id, at, epoch, proof.actions, proof.proof, sender=self.account
            ),
            log=self.log,
        )
        step.sent, step.tx_hash, step.gas_used = True, receipt.txn_hash, receipt.gas_used
        step.reason = f"fee {old.base / 100:g} -> {new.base / 100:g} bps; rule {_shown(new)}"
        return self._done(step, started)

    def _refusal(self, new: FeeRule, old: FeeRule, epoch: int, at: int) -> str:
        """Why the proposal would be refused on-chain, checked before spending gas; '' when it would pass."""
        if new == old:
            return f"the proven rule ({_shown(new)}) is the pool's rule already"
        last, interval = self.controller.last_update(self.pool.address), self.controller.min_interval()
        now = self.ape.chain.blocks.head.timestamp
        if last and now < last + interval:
            return f"the rule was updated {now - last} s ago; the controller takes one update per {interval} s"
        now_epoch = self.pool.epoch()
        if now_epoch != epoch:
            return f"the pool moved on while proving (epoch {epoch} -> {now_epoch})"
        if self.controller.expected_at(self.pool.address) != at:
            return "a new update interval began while proving; the next step proves its features"
        return ""

    def _done(self, step: FeeStep, started: float) -> FeeStep:
        step.seconds = time.perf_counter() - started
        shown = ", ".join(f"{k}={v:.4g}" for k, v in step.features.items())
        proof = f"proof {step.proof_seconds:.2f} s" if step.proof_seconds is not None else "no proof"
        gas = f", gas {step.gas_used}, tx {step.tx_hash}" if step.sent else ""
        onnx = _shown(FeeRule(**step.onnx_rule)) if step.onnx_rule else "-"
        proven = _shown(FeeRule(**step.proven_rule)) if step.proven_rule else "-"
        self.log(f"epoch {step.epoch} ({shown}) onnx [{onnx}], proven [{proven}], {proof}{gas}: {step.reason}")
        return step

    def run(self, every: float | None = None, steps: int | None = None) -> list[FeeStep]:
        """One step (every=None), or one every `every` seconds until `steps` are done or interrupted."""
        done: list[FeeStep] = []
        while True:
            done.append(self.step())
            if every is None or (steps is not None and len(done) >= steps):
                return done
            time.sleep(every)
