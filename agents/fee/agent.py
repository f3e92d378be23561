"""The verified fee agent: read the pool's features, run the policy, prove, and propose the fee.

One step: features at the latest block -> the ONNX fee (for the log) and the proof of the action -> checks
(same fee, bounds, max step, pool moved on) -> `FeeController.propose` -> receipt. When proving fails or the
pool moved on, nothing is sent and the reason is logged. RPC errors are retried with backoff.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from agents.chain.retries import with_retries
from agents.zk.circuit import ZkModel
from agents.zk.prover import ProofError, prove_fee
from envs.features import FEATURE_NAMES, WAD, observation


@dataclass
class FeeStep:
    epoch: int
    at: int  # timestamp of the proven features
    features: dict[str, float]
    onnx_fee_bps: float  # the float policy on the same features
    proven_fee_bps: float | None = None
    action: int | None = None
    proof_seconds: float | None = None
    sent: bool = False
    tx_hash: str | None = None
    gas_used: int | None = None
    old_fee_bps: float | None = None
    reason: str = ""  # why nothing was sent, or the outcome
    seconds: float = 0.0  # from reading the features to the mined update

    def as_dict(self) -> dict:
        return asdict(self)


class FeeAgent:
    """Proves and proposes fee updates for one pool governed by a FeeController."""

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
        at = with_retries(lambda: self.ape.chain.blocks.head.timestamp, log=self.log)
        features, epoch = with_retries(lambda: self.pool.features_at(at), log=self.log)
        features = [int(v) for v in features]
        onnx_fee = float(self.policy.fee_bps(observation(features))[0]) if self.policy else float("nan")
        step = FeeStep(
            epoch=epoch,
            at=at,
            onnx_fee_bps=onnx_fee,
            features={n: v / WAD for n, v in zip(FEATURE_NAMES, features, strict=True)},
        )
        try:
            proof = prove_fee(self.zk, features)
        except ProofError as exc:
            step.reason = f"not sent: {exc}"
            return self._done(step, started)
        step.action, step.proven_fee_bps, step.proof_seconds = proof.action, proof.fee / 100, proof.seconds
        old = with_retries(lambda: self.pool.fee(), log=self.log)
        step.old_fee_bps = old / 100
        reason = self._refusal(proof.fee, old, epoch, at)
        if reason:
            step.reason = f"not sent: {reason}"
            return self._done(step, started)
        # a retry after a lost receipt cannot change the fee twice: the controller takes one update per epoch
        receipt = with_retries(
            lambda: self.controller.propose(
                self.pool.address,
                self.zk.model_id,
                at,
                epoch,
                proof.action,
                proof.fee,
                proof.proof,
                sender=self.account,
            ),
            log=self.log,
        )
        step.sent, step.tx_hash, step.gas_used = True, receipt.txn_hash, receipt.gas_used
        step.reason = f"fee {old / 100:g} -> {proof.fee / 100:g} bps"
        return self._done(step, started)

    def _refusal(self, fee: int, old: int, epoch: int, at: int) -> str:
        """Why the proposal would be refused on-chain, checked before spending gas; '' when it would pass."""
        if fee == old:
            return f"the proven fee {fee / 100:g} bps is the current fee"
        if not self.pool.fee_min() <= fee <= self.pool.fee_max():
            return f"the proven fee {fee / 100:g} bps is outside the pool's bounds"
        if abs(fee - old) > self.pool.fee_max_step():
            return f"the proven fee {fee / 100:g} bps is more than the max step from {old / 100:g} bps"
        if self.controller.updated_epoch(self.pool.address) == epoch + 1:
            return f"the fee was already updated in epoch {epoch}"
        now_epoch = self.pool.epoch()
        if now_epoch != epoch:
            return f"the pool moved on while proving (epoch {epoch} -> {now_epoch})"
        age = self.ape.chain.blocks.head.timestamp - at
        if age > self.controller.max_age():
            return f"the proof took too long: features {age} s old, the controller accepts {self.controller.max_age()}"
        return ""

    def _done(self, step: FeeStep, started: float) -> FeeStep:
        step.seconds = time.perf_counter() - started
        shown = ", ".join(f"{k}={v:.4g}" for k, v in step.features.items())
        proof = f"proof {step.proof_seconds:.2f} s" if step.proof_seconds is not None else "no proof"
        gas = f", gas {step.gas_used}, tx {step.tx_hash}" if step.sent else ""
        onnx = "-" if step.onnx_fee_bps != step.onnx_fee_bps else f"{step.onnx_fee_bps:.3f}"  # NaN: no policy.onnx
        self.log(
            f"epoch {step.epoch} ({shown}) onnx {onnx} bps, proven "
            f"{step.proven_fee_bps if step.proven_fee_bps is not None else '-'} bps, {proof}{gas}: {step.reason}"
        )
        return step

    def run(self, every: float | None = None, steps: int | None = None) -> list[FeeStep]:
        """One step (every=None), or one every `every` seconds until `steps` are done or interrupted."""
        done: list[FeeStep] = []
        while True:
            done.append(self.step())
            if every is None or (steps is not None and len(done) >= steps):
                return done
            time.sleep(every)
