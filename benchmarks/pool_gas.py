"""Gas per swap of DynamicFeePool (feature updates included) against UniswapV2Pair, on one anvil.

Both pools hold the same tokens and reserves and take the same trade sizes, alternating direction; medians
(the first swap of each pays for zero-to-nonzero storage). DynamicFeePool.swap pulls its input itself; the V2
side is the input transfer plus pair.swap with the 21k intrinsic cost counted once, and also V2's router
(which pulls the input like ours). Also add/remove liquidity.

    .venv/bin/python benchmarks/pool_gas.py
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from chain import FAR, deploy_pool, deploy_tokens, deploy_v2_pair, fund, local_chain  # noqa: E402

from agents.chain.npm_artifacts import UNISWAP_V2_PERIPHERY, npm_contract  # noqa: E402
from envs.amm import PoolParams  # noqa: E402

R0, R1 = 10**21, 2 * 10**12
INTRINSIC = 21_000
TRADES = [(True, 10**18), (False, 2 * 10**9), (True, 3 * 10**17), (False, 5 * 10**8)] * 5


def v2_out(amount_in: int, r_in: int, r_out: int) -> int:
    a = amount_in * 997
    return a * r_out // (r_in * 1000 + a)


def main() -> None:
    with local_chain() as (ape, project):
        owner = ape.accounts.test_accounts[0]
        t0, t1 = deploy_tokens(ape, project, owner)
        ours = deploy_pool(project, owner, t0, t1, owner, PoolParams(), 3000)
        fund(owner, (t0, t1), ours)
        add = ours.add_liquidity(R0, R1, 0, FAR, sender=owner)
        factory, pair = deploy_v2_pair(owner, t0, t1, (R0, R1))
        router = npm_contract(UNISWAP_V2_PERIPHERY / "UniswapV2Router02.json").deploy(factory, t0, sender=owner)
        t0.approve(router, 2**255, sender=owner)
        t1.approve(router, 2**255, sender=owner)
        zero_is_t0 = pair.token0() == t0.address
        ours_gas, v2_gas, v2_swap_only, v2_router = [], [], [], []
        for zero_for_one, amount in TRADES:
            ours_gas.append(ours.swap(zero_for_one, amount, 0, owner, FAR, sender=owner).gas_used)
            r = pair.getReserves()
            token_in = t0 if zero_for_one else t1
            in_is_pair0 = zero_for_one == zero_is_t0
            r_in, r_out = (r[0], r[1]) if in_is_pair0 else (r[1], r[0])
            out = v2_out(amount, r_in, r_out)
            transfer = token_in.transfer(pair, amount, sender=owner).gas_used
            swap = pair.swap(0 if in_is_pair0 else out, out if in_is_pair0 else 0, owner, b"", sender=owner).gas_used
            v2_gas.append(transfer - INTRINSIC + swap)  # one transaction's intrinsic cost, as in ours
            v2_swap_only.append(swap)
            path = [t0, t1] if zero_for_one else [t1, t0]
            v2_router.append(router.swapExactTokensForTokens(amount, 0, path, owner, FAR, sender=owner).gas_used)
        shares = ours.balanceOf(owner)
        remove = ours.remove_liquidity(shares // 2, 0, 0, FAR, sender=owner)
        ours_med, v2_med = statistics.median(ours_gas), statistics.median(v2_gas)
        print(f"swaps: {len(TRADES)} alternating, reserves {R0:.0e} / {R1:.0e} raw units, same tokens (TestToken)")
        print(f"DynamicFeePool.swap (pulls input, updates features): median {ours_med:,.0f} gas")
        print(
            f"UniswapV2Pair: input transfer + pair.swap, one intrinsic 21k: median {v2_med:,.0f} gas "
            f"(pair.swap transaction alone {statistics.median(v2_swap_only):,.0f})"
        )
        print(
            f"UniswapV2Router02.swapExactTokensForTokens (pulls input, one pair): "
            f"median {statistics.median(v2_router):,.0f} gas"
        )
        print(
            f"ratio DynamicFeePool / V2 pair (transfer + swap): {ours_med / v2_med:.2f}x (target <= 1.25x); "
            f"/ V2 router: {ours_med / statistics.median(v2_router):.2f}x"
        )
        print(f"DynamicFeePool add_liquidity (first): {add.gas_used:,} gas; remove_liquidity: {remove.gas_used:,} gas")


if __name__ == "__main__":
    main()
