"""Gas per swap of DynamicFeePool (fee rule and feature updates included) against UniswapV2Pair, on one anvil,
and where the pool's gas goes.

Both pools hold the same tokens and reserves and take the same trade sizes, alternating direction; medians
(the first swap of each pays for zero-to-nonzero storage). DynamicFeePool.swap pulls its input itself; the V2
side is the input transfer plus pair.swap with the 21k intrinsic cost counted once, and also V2's router
(which pulls the input like ours). Our pool is measured with a static rule (base fee only), with the rule
models/fee-arbitrum sets (the EWMA-anchored skew), and with every term of the rule switched on. The breakdown
comes from anvil's opcode trace of one swap: the pool's storage reads and writes, its event, the token calls
(the tokens' own execution and the call overhead), the rest of its own execution (the rule, the features,
the swap math), and the transaction's intrinsic cost.

    .venv/bin/python benchmarks/pool_gas.py
"""

from __future__ import annotations

import statistics
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from chain import FAR, deploy_pool, deploy_tokens, deploy_v2_pair, fund, local_chain  # noqa: E402

from agents.chain.npm_artifacts import UNISWAP_V2_PERIPHERY, npm_contract  # noqa: E402
from envs.amm import PoolParams  # noqa: E402
from envs.fee_rule import FeeRule  # noqa: E402
from strategies.heuristics import Ewma  # noqa: E402

R0, R1 = 10**21, 2 * 10**12
INTRINSIC = 21_000
TRADES = [(True, 10**18), (False, 2 * 10**9), (True, 3 * 10**17), (False, 5 * 10**8)] * 5
RULES = {
    "static": FeeRule(3000),
    "ewma (shipped)": Ewma().constant_rule,
    "every term": FeeRule(2000, 2000, 4500, 600, 5000, 10_000, 500, 1_000_000, 6000, 100, 60),
}


def v2_out(amount_in: int, r_in: int, r_out: int) -> int:
    a = amount_in * 997
    return a * r_out // (r_in * 1000 + a)


def breakdown(web3, tx_hash: str) -> dict[str, int]:
    """Gas of one transaction by where it went, from the opcode trace (debug_traceTransaction)."""
    trace = web3.provider.make_request("debug_traceTransaction", [tx_hash, {"enableMemory": False}])["result"]
    out: dict[str, int] = defaultdict(int)
    logs = trace["structLogs"]
    for i, step in enumerate(logs):
        op, depth, cost = step["op"], step["depth"], step["gasCost"]
        if depth > 1:
            out["token calls: the tokens' execution"] += cost
        elif op in ("CALL", "STATICCALL"):
            # the step's cost includes the gas forwarded to the callee: count only what the call itself burns
            nxt = logs[i + 1] if i + 1 < len(logs) else None
            forwarded = nxt["gas"] if nxt and nxt["depth"] > depth else 0
            out["token calls: call overhead"] += cost - forwarded
        elif op in ("SLOAD", "SSTORE", "TLOAD", "TSTORE"):
            out["storage (SLOAD/SSTORE)"] += cost
        elif op.startswith("LOG"):
            out["event"] += cost
        else:
            out["the pool's own execution (rule, features, swap math)"] += cost
    out["intrinsic (21k + calldata)"] = trace["gas"] - sum(out.values())
    return dict(out)


def main() -> None:
    with local_chain(steps_tracing=True) as (ape, project):
        owner = ape.accounts.test_accounts[0]
        t0, t1 = deploy_tokens(ape, project, owner)
        ours = {}
        for name, rule in RULES.items():
            pool = deploy_pool(project, owner, t0, t1, owner, PoolParams(), rule)
            fund(owner, (t0, t1), pool)
            ours[name] = (pool, pool.add_liquidity(R0, R1, 0, FAR, sender=owner))
        factory, pair = deploy_v2_pair(owner, t0, t1, (R0, R1))
        router = npm_contract(UNISWAP_V2_PERIPHERY / "UniswapV2Router02.json").deploy(factory, t0, sender=owner)
        t0.approve(router, 2**255, sender=owner)
        t1.approve(router, 2**255, sender=owner)
        zero_is_t0 = pair.token0() == t0.address
        ours_gas = {name: [] for name in RULES}
        v2_gas, v2_swap_only, v2_router, last = [], [], [], {}
        for zero_for_one, amount in TRADES:
            for name, (pool, _) in ours.items():
                receipt = pool.swap(zero_for_one, amount, 0, owner, FAR, sender=owner)
                ours_gas[name].append(receipt.gas_used)
                last[name] = receipt.txn_hash
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
        pool, add = ours["ewma (shipped)"]
        remove = pool.remove_liquidity(pool.balanceOf(owner) // 2, 0, 0, FAR, sender=owner)
        v2_med, router_med = statistics.median(v2_gas), statistics.median(v2_router)
        print(f"swaps: {len(TRADES)} alternating, reserves {R0:.0e} / {R1:.0e} raw units, same tokens (TestToken)")
        print(
            f"UniswapV2Pair: input transfer + pair.swap, one intrinsic 21k: median {v2_med:,.0f} gas "
            f"(pair.swap transaction alone {statistics.median(v2_swap_only):,.0f}); "
            f"UniswapV2Router02.swapExactTokensForTokens: median {router_med:,.0f} gas"
        )
        for name, gas in ours_gas.items():
            med = statistics.median(gas)
            print(
                f"DynamicFeePool.swap, rule {name}: median {med:,.0f} gas = {med / v2_med:.2f}x the V2 pair "
                f"(transfer + swap; target <= 1.25x), {med / router_med:.2f}x V2's router"
            )
        print(f"where the gas of one swap goes (rule {'ewma (shipped)'}, last swap of the run):")
        parts = breakdown(ape.chain.provider.web3, last["ewma (shipped)"])
        for part, gas in sorted(parts.items(), key=lambda kv: -kv[1]):
            print(f"  {part}: {gas:,}")
        print(f"DynamicFeePool add_liquidity (first): {add.gas_used:,} gas; remove_liquidity: {remove.gas_used:,} gas")


if __name__ == "__main__":
    main()
