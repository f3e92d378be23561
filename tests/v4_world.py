"""Uniswap v4 in titanoboa (in process): v4-core's PoolManager and test routers from the npm build, two test
tokens, DynamicFeeHook at an address with its permission bits, and a full-range dynamic-fee pool on it."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass

import boa
from eth_abi import encode
from eth_utils import keccak

from agents.chain.npm_artifacts import UNISWAP_V4_CORE
from agents.chain.toolchain import ROOT
from envs.amm import PoolParams
from envs.fee_rule import FeeRule

Q96 = 2**96
MIN_SQRT_PRICE, MAX_SQRT_PRICE = 4295128739, 1461446703485210103287273052203988822378723970342
DYNAMIC_FEE_FLAG = 0x800000
TICK_SPACING = 60
FULL_RANGE = (-887220, 887220)  # the widest ticks at spacing 60
POOLS_SLOT, LIQUIDITY_OFFSET = 6, 3
HOOK_ADDRESS = "0x" + "5a" * 18 + "20c0"  # low 14 bits 0x20C0: beforeInitialize, beforeSwap, afterSwap


@functools.cache
def _artifact(name: str) -> tuple[str, bytes]:
    j = json.loads((UNISWAP_V4_CORE / f"{name}.sol" / f"{name}.json").read_text())
    return json.dumps(j["abi"]), bytes.fromhex(j["bytecode"]["object"].removeprefix("0x"))


def deploy_npm(name: str, types: list[str], args: list):
    abi, code = _artifact(name)
    address, _ = boa.env.deploy_code(bytecode=code + encode(types, args))
    return boa.loads_abi(abi, name=name).at(address)


@functools.cache
def vyper(path: str):
    return boa.load_partial(str(ROOT / path))


def taus(params: PoolParams) -> list[int]:
    return [params.tau_fast, params.tau_slow, params.tau_flow, params.tau_twap]


@dataclass
class V4World:
    owner: str
    controller: str
    trader: str
    pm: object
    swapper: object
    liquidity_router: object
    tokens: tuple
    hook: object
    key: tuple
    pool_id: bytes

    def slot(self, offset: int = 0) -> int:
        base = int.from_bytes(keccak(self.pool_id + POOLS_SLOT.to_bytes(32, "big")), "big")
        return int.from_bytes(self.pm.extsload((base + offset).to_bytes(32, "big")), "big")

    def sqrt_price(self) -> int:
        return self.slot() & (2**160 - 1)

    def liquidity(self) -> int:
        return self.slot(LIQUIDITY_OFFSET) & (2**128 - 1)

    def reserves(self) -> tuple[int, int]:
        """The full-range position's virtual reserves (L / sqrtP, L * sqrtP, raw units, rounded down)."""
        s, liq = self.sqrt_price(), self.liquidity()
        return liq * Q96 // s, liq * s // Q96

    def swap(self, zero_for_one: bool, amount_in: int, sender: str | None = None) -> tuple[int, int]:
        """Exact-input swap through v4-core's swap router; returns the swapper's (amount0, amount1) delta."""
        limit = MIN_SQRT_PRICE + 1 if zero_for_one else MAX_SQRT_PRICE - 1
        with boa.env.prank(sender or self.trader):
            delta = self.swapper.swap(self.key, (zero_for_one, -amount_in, limit), (False, False), b"")
        return delta >> 128, _int128(delta)  # BalanceDelta: amount0 in the high 128 bits, amount1 in the low


def _int128(word: int) -> int:
    low = word & (2**128 - 1)
    return low - 2**128 if low >> 127 else low


def deploy_hook(pm, controller: str, owner: str, rule: FeeRule, params: PoolParams, at: str = HOOK_ADDRESS):
    return vyper("contracts/DynamicFeeHook.vy").deploy(
        pm.address,
        controller,
        owner,
        rule.pack(),
        params.fee_min,
        params.fee_max,
        params.fee_max_step,
        taus(params),
        override_address=at,
    )


def v4_world(
    rule: FeeRule, params: PoolParams, sqrt_price: int, liquidity: int, controller: str | None = None
) -> V4World:
    """Deploys everything and initialises the hooked pool at `sqrt_price` with `liquidity` over the full range
    (the hook's owner initialises it; `controller` sets rules, a fresh address if None); the trader holds and
    has approved plenty of both tokens."""
    env = boa.env
    owner, trader = env.generate_address("owner"), env.generate_address("trader")
    controller = controller or env.generate_address("controller")
    with env.prank(owner):
        pm = deploy_npm("PoolManager", ["address"], [owner])
        swapper = deploy_npm("PoolSwapTest", ["address"], [pm.address])
        liquidity_router = deploy_npm("PoolModifyLiquidityTest", ["address"], [pm.address])
        token = vyper("contracts/testing/TestToken.vy")
        a, b = token.deploy("Token zero", "TK0", 18), token.deploy("Token one", "TK1", 6)
        tokens = tuple(sorted((a, b), key=lambda t: int(t.address, 16)))
        hook = deploy_hook(pm, controller, owner, rule, params)
        key = (tokens[0].address, tokens[1].address, DYNAMIC_FEE_FLAG, TICK_SPACING, hook.address)
        pm.initialize(key, sqrt_price)
        for t in tokens:
            for who in (owner, trader):
                t.mint(who, 2**200)
        for t in tokens:
            t.approve(liquidity_router.address, 2**256 - 1)
        liquidity_router.modifyLiquidity(key, (*FULL_RANGE, liquidity, b"\0" * 32), b"")
    with env.prank(trader):
        for t in tokens:
            t.approve(swapper.address, 2**256 - 1)
    pool_id = keccak(encode(["(address,address,uint24,int24,address)"], [key]))
    return V4World(owner, controller, trader, pm, swapper, liquidity_router, tokens, hook, key, pool_id)
