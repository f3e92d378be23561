"""What a FeeController governs: a DynamicFeePool, or a Uniswap v4 pool behind a DynamicFeeHook (the hook's
address and the pool's v4 id). The controller's functions take the pool id as an optional last argument
(`args`); the views below read the same state from either."""

from __future__ import annotations

from dataclasses import dataclass

from agents.chain.hook_deployment import check_hook_address


@dataclass
class FeeTarget:
    contract: object  # a DynamicFeePool or DynamicFeeHook (Ape contract instance)
    pool_id: bytes | None = None  # the v4 pool's id behind a hook; None for a DynamicFeePool

    @property
    def address(self) -> str:
        return self.contract.address

    @property
    def args(self) -> tuple:
        """The controller's optional last argument: the pool id (nothing for a DynamicFeePool)."""
        return () if self.pool_id is None else (self.pool_id,)

    @property
    def label(self) -> str:
        return self.address if self.pool_id is None else f"{self.address} pool {self.pool_id_hex}"

    @property
    def pool_id_hex(self) -> str:
        return "0x" + (self.pool_id or b"").hex()

    def controller(self) -> str:
        return self.contract.controller()

    def features_at(self, at: int):
        return self.contract.features_at(*self.args, at)

    def rule(self) -> int:
        return self.contract.rule(*self.args)

    def epoch(self) -> int:
        return self.contract.epoch(*self.args)

    def fee(self) -> int:
        return self.contract.fee(*self.args)


def fee_target(project, pool: str | None = None, hook: str | None = None, pool_id: str | None = None) -> FeeTarget:
    """The target of `--pool ADDRESS`, or of `--hook ADDRESS --pool-id ID`; one clear error for anything else."""
    if (pool is None) == (hook is None):
        raise ValueError("give --pool (a DynamicFeePool) or --hook with --pool-id (a v4 pool behind DynamicFeeHook)")
    if pool is not None:
        if pool_id is not None:
            raise ValueError("--pool-id goes with --hook, not with --pool")
        return FeeTarget(project.DynamicFeePool.at(pool))
    check_hook_address(hook, "give the hook from `lamm deploy hook`'s record")
    try:
        raw = bytes.fromhex((pool_id or "").removeprefix("0x"))
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ValueError(f"--pool-id {pool_id!r}: give the v4 pool id (32 bytes, hex) from `lamm deploy hook`'s record")
    target = FeeTarget(project.DynamicFeeHook.at(hook), raw)
    try:
        target.contract.last_ts(raw)
    except Exception as exc:  # noqa: BLE001 - Ape raises a logic error (UnknownPool) or a decoding error
        raise ValueError(f"--pool-id {target.pool_id_hex}: the hook {hook} has no such pool") from exc
    return target
