"""The verified fee agent: read the pool's features, run the policy, prove, and propose the fee rule.

One step: the moment the controller will check (the later of the pool's last swap and the start of the current
update interval) and the pool's features then -> the ONNX rule (for the log) and the proof of the actions ->
the rule the controller would set (its clamp, read from the contract) and the checks it makes (no change,
too soon, the pool moved on) -> `FeeController.propose` -> receipt. When proving fails or the controller would
refuse, nothing is sent and the reason is logged. Reads are retried with backoff; a proposal whose answer is
lost is not sent again: the agent looks for its FeeUpdated on chain and reports it, or reports it unsent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from eth_utils import keccak

from agents.chain.fee_target import FeeTarget
from agents.chain.retries import transient, with_retries
from agents.zk.circuit import ZkModel
from agents.zk.prover import ProofError, prove_fee
from envs.features import FEATURE_NAMES, WAD, observation
from envs.fee_rule import FeeRule

LANDING_WAIT_S = 120.0  # how long a proposal whose answer was lost may stay pending before the step gives up


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
    """Proves and proposes fee-rule updates for one pool governed by a FeeController: a DynamicFeePool (its
    address) or a v4 pool behind a DynamicFeeHook (agents.chain.fee_target.FeeTarget)."""

    def __init__(self, ape, project, account, zk: ZkModel, pool: str | FeeTarget, log: Callable[[str], None] = print):
        from strategies.learned import LearnedFee

        self.ape, self.account, self.zk, self.log = ape, account, zk, log
        self.pool = pool if isinstance(pool, FeeTarget) else FeeTarget(project.DynamicFeePool.at(pool))
        self.controller = project.FeeController.at(self.pool.controller())
        self.policy = LearnedFee(zk.folder.parent) if (zk.folder.parent / "policy.onnx").is_file() else None
        model = self.controller.models(zk.model_id)
        if model.verifier == "0x" + "0" * 40:
            raise ValueError(
                f"model {zk.model_id} is not registered at {self.controller.address}: run `lamm model register` first"
            )
        if self.controller.pool_model(self.pool.address, *self.pool.args).hex() != zk.model_id.removeprefix("0x"):
            raise ValueError(f"{self.pool.label} is not governed by model {zk.model_id}")

    def step(self) -> FeeStep:
        started = time.perf_counter()
        address, args = self.pool.address, self.pool.args
        at = with_retries(lambda: self.controller.expected_at(address, *args), log=self.log)
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
        new = FeeRule.unpack(
            with_retries(lambda: self.controller.clamped(address, proof.rule.pack(), *args), log=self.log)
        )
        old = FeeRule.unpack(with_retries(lambda: self.pool.rule(), log=self.log))
        step.actions, step.proof_seconds = proof.actions, proof.seconds
        step.proven_rule, step.proven_fee_bps, step.old_fee_bps = asdict(new), new.base / 100, old.base / 100
        reason = self._refusal(new, old, epoch, at)
        if reason:
            step.reason = f"not sent: {reason}"
            return self._done(step, started)
        since = with_retries(lambda: int(self._node("eth_blockNumber", []), 16), log=self.log)
        nonce = with_retries(lambda: self._nonce("pending"), log=self.log)
        try:
            receipt = self.controller.propose(
                address, self.zk.model_id, at, epoch, proof.actions, proof.proof, *args, sender=self.account
            )
            step.tx_hash, step.gas_used = receipt.txn_hash, receipt.gas_used
        except Exception as exc:  # noqa: BLE001 - Ape and requests raise many types for a lost node
            if not transient(exc):
                raise
            # The node may have taken the update before its answer was lost: look, never send it twice.
            self.log(f"RPC error while proposing ({type(exc).__name__}); checking whether the update landed")
            landed = with_retries(lambda: self._landed(since, nonce, new), log=self.log)
            if isinstance(landed, str):
                step.reason = f"not sent: the node failed while proposing and {landed}; next step"
                return self._done(step, started)
            step.tx_hash, step.gas_used = landed
        step.sent = True
        step.reason = f"fee {old.base / 100:g} -> {new.base / 100:g} bps; rule {_shown(new)}"
        return self._done(step, started)

    def _landed(self, since: int, nonce: int, new: FeeRule) -> tuple[str, int] | str:
        """After a lost answer: (tx hash, gas) of the FeeUpdated for this pool to `new` once the proposal (the
        account's transaction `nonce`) is mined, or why there is none. Waits while it is pending, up to
        LANDING_WAIT_S. Asked of the node itself, past web3's caches, which a lost answer can leave stale."""
        deadline = time.monotonic() + LANDING_WAIT_S
        while self._nonce("latest") <= nonce:
            if self._nonce("pending") <= nonce:
                return "the node never took the proposal"
            if time.monotonic() > deadline:
                return f"the proposal is still pending after {LANDING_WAIT_S:.0f} s"
            time.sleep(0.5)
        topic = "0x" + keccak(text=self.controller.FeeUpdated.abi.selector).hex().removeprefix("0x")
        pool_topic = "0x" + self.pool.address.lower().removeprefix("0x").rjust(64, "0")
        query = {"fromBlock": hex(since), "toBlock": "latest", "address": self.controller.address}
        for raw in self._node("eth_getLogs", [{**query, "topics": [topic, pool_topic]}]):
            receipt = self.ape.chain.get_receipt(raw["transactionHash"])
            for log in receipt.decode_logs(self.controller.FeeUpdated):
                same_pool = log.pool == self.pool.address and bytes(log.pool_id) == (self.pool.pool_id or bytes(32))
                if same_pool and log.new_rule == new.pack():
                    return receipt.txn_hash, receipt.gas_used
        return "the account's transaction was mined without this update (reverted, or another sent with its nonce)"

    def _nonce(self, block: str) -> int:
        return int(self._node("eth_getTransactionCount", [self.account.address, block]), 16)

    def _node(self, method: str, params: list):
        """One JSON-RPC call straight to the node (no middleware, no cache)."""
        answer = self.ape.chain.provider.web3.provider.make_request(method, params)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def _refusal(self, new: FeeRule, old: FeeRule, epoch: int, at: int) -> str:
        """Why the proposal would be refused on-chain, checked before spending gas; '' when it would pass."""
        if new == old:
            return f"the proven rule ({_shown(new)}) is the pool's rule already"
        last = self.controller.last_update(self.pool.address, *self.pool.args)
        interval = self.controller.min_interval()
        now = self.ape.chain.blocks.head.timestamp
        if last and now < last + interval:
            return f"the rule was updated {now - last} s ago; the controller takes one update per {interval} s"
        now_epoch = self.pool.epoch()
        if now_epoch != epoch:
            return f"the pool moved on while proving (epoch {epoch} -> {now_epoch})"
        if self.controller.expected_at(self.pool.address, *self.pool.args) != at:
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
