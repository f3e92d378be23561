"""Gas per swap through a Uniswap v4 pool behind DynamicFeeHook (the fee rule in beforeSwap, the features in
afterSwap) against the same pool behind a hook that only returns a stored fee (v4's dynamic-fee baseline), on one
anvil.

v4-core's PoolManager and swap test router from the npm build; both hooks deployed through the CREATE2 deployer
at salts giving their permission bits; two full-range dynamic-fee pools with the same tokens, price and
liquidity; the same alternating trades through PoolSwapTest (input settled by transfer, output taken); medians.
DynamicFeeHook is measured with a static rule (base fee only), the rule models/fee-arbitrum sets (the
EWMA-anchored skew) and every term of the rule switched on; the target (<= 1.25x the stored-fee hook) is checked
for each. A static-fee pool without a hook is printed for reference. v4's own gas snapshots: 139,272 for a
dynamic-fee swap, 147,857 for a hook updating the fee in beforeSwap (their test router and tokens).

    .venv/bin/python benchmarks/hook_gas.py [--strict]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from chain import deploy_tokens, local_chain  # noqa: E402
from eth_abi import encode  # noqa: E402
from hexbytes import HexBytes  # noqa: E402

from agents.chain.hook_deployment import CREATE2_DEPLOYER, find_salt  # noqa: E402
from agents.chain.npm_artifacts import UNISWAP_V4_CORE, npm_contract  # noqa: E402
from envs.amm import PoolParams  # noqa: E402
from envs.fee_rule import FeeRule  # noqa: E402
from strategies.heuristics import Ewma  # noqa: E402

TARGET = 1.25
STORED_FEE_PERMISSIONS = 0x80  # beforeSwap only
DYNAMIC, SPACING, TOP = 0x800000, 60, 887220
MIN_SQRT, MAX_SQRT = 4295128739, 1461446703485210103287273052203988822378723970342
R0, R1 = 10**21, 2 * 10**12  # the virtual reserves of pool_gas.py's pools
TRADES = [(True, 10**18), (False, 2 * 10**9), (True, 3 * 10**17), (False, 5 * 10**8)] * 5
RULES = {
    "static": FeeRule(3000),
    "ewma (shipped)": Ewma().constant_rule,
    "every term": FeeRule(2000, 2000, 4500, 600, 5000, 10_000, 500, 1_000_000, 6000, 100, 60),
}


def create2(owner, container, args: list, types: list[str], permissions: int) -> str:
    """Deploys `container` with `args` through the CREATE2 deployer at a salt giving `permissions`."""
    init_code = bytes(HexBytes(container.contract_type.deployment_bytecode.bytecode)) + encode(types, args)
    salt, address = find_salt(init_code, permissions=permissions)
    owner.transfer(CREATE2_DEPLOYER, 0, data=salt + init_code)
    return address


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strict", action="store_true", help="exit 1 when a ratio misses its target")
    strict = parser.parse_args().strict
    with local_chain() as (ape, project):
        owner = ape.accounts.test_accounts[0]
        pm = npm_contract(UNISWAP_V4_CORE / "PoolManager.sol" / "PoolManager.json").deploy(owner, sender=owner)
        swapper = npm_contract(UNISWAP_V4_CORE / "PoolSwapTest.sol" / "PoolSwapTest.json").deploy(pm, sender=owner)
        lp = npm_contract(UNISWAP_V4_CORE / "PoolModifyLiquidityTest.sol" / "PoolModifyLiquidityTest.json").deploy(
            pm, sender=owner
        )
        tokens = sorted(deploy_tokens(ape, project, owner), key=lambda t: int(t.address, 16))
        for t in tokens:
            t.mint(owner, 2**200, sender=owner)
            for spender in (swapper, lp):
                t.approve(spender, 2**256 - 1, sender=owner)
        params = PoolParams()
        taus = [params.tau_fast, params.tau_slow, params.tau_flow, params.tau_twap]
        types = ["address", "address", "address", "uint256", "uint256", "uint256", "uint256", "int256[4]"]
        hooks = {"stored fee": create2(owner, project.StoredFeeHook, [3000], ["uint24"], STORED_FEE_PERMISSIONS)}
        for name, rule in RULES.items():
            args = [pm.address, owner.address, owner.address, rule.pack(), params.fee_min, params.fee_max]
            hooks[name] = create2(owner, project.DynamicFeeHook, [*args, params.fee_max_step, taus], types, 0x20C0)
        keys = {name: (tokens[0].address, tokens[1].address, DYNAMIC, SPACING, h) for name, h in hooks.items()}
        keys["no hook, static fee"] = (tokens[0].address, tokens[1].address, 3000, SPACING, "0x" + "0" * 40)
        sqrt_price = math.isqrt(R1 * 2**192 // R0)
        liquidity = math.isqrt(R0 * R1)
        for key in keys.values():
            pm.initialize(key, sqrt_price, sender=owner)
            lp.modifyLiquidity(key, (-TOP, TOP, liquidity, b"\0" * 32), b"", sender=owner)
        gas = {name: [] for name in keys}
        for zero_for_one, amount in TRADES:
            limit = MIN_SQRT + 1 if zero_for_one else MAX_SQRT - 1
            for name, key in keys.items():
                receipt = swapper.swap(key, (zero_for_one, -amount, limit), (False, False), b"", sender=owner)
                gas[name].append(receipt.gas_used)
    medians = {name: statistics.median(g) for name, g in gas.items()}
    base = medians["stored fee"]
    print(f"swaps: {len(TRADES)} alternating through v4-core's PoolSwapTest, full range, reserves {R0:.0e} / {R1:.0e}")
    print(f"v4 pool, no hook, static fee: median {medians['no hook, static fee']:,.0f} gas")
    print(f"v4 dynamic-fee pool, hook returning a stored fee (baseline): median {base:,.0f} gas")
    missed = []
    for name in RULES:
        ratio = medians[name] / base
        ok = ratio <= TARGET
        missed += [] if ok else [name]
        print(
            f"v4 dynamic-fee pool, DynamicFeeHook, rule {name}: median {medians[name]:,.0f} gas = {ratio:.3f}x the "
            f"stored-fee hook (target <= {TARGET}x: {'met' if ok else 'MISSED'}), +{medians[name] - base:,.0f} gas"
        )
    return 1 if strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
