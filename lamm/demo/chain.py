"""The demo's chain stage: a DynamicFeePool on a local anvil, a slice of the synthetic market replayed through
it, and the swaps fetched back with `lamm data fetch`, checked against what was sent and against envs/."""

from __future__ import annotations

import tempfile
from pathlib import Path

from rich.console import Console

FAR = 2**63


def market_pool(ape, project, owner, market, controller: str | None = None):
    """Test tokens and a DynamicFeePool at 30 bps as deep as the market's venue at its first swap, the owner's
    tokens approved for swapping; returns (deployment record, pool contract)."""
    from agents.chain.deployments import deploy_pool, deploy_test_tokens
    from envs.amm import PoolParams

    tokens = deploy_test_tokens(project, owner, 2**200)
    price, depth = float(market.price[0]), float(market.liquidity[0])
    reserves = (int(depth / price**0.5), int(depth * price**0.5))
    record = deploy_pool(
        ape, project, owner, "local", tokens[0].address, tokens[1].address, 3000, PoolParams(), controller, reserves
    )
    pool = project.DynamicFeePool.at(record.pool)
    for t in tokens:
        t.approve(pool, 2**255, sender=owner)
    return record, pool


def run_chain_stage(out: Console, swaps: int = 40, seed: int = 0) -> None:
    from ape.logging import logger

    from agents.chain.connection import connect
    from agents.chain.local_node import start_anvil
    from envs.amm import Pool, PoolParams
    from envs.data import load_swaps
    from envs.data.fetch import fetch_swaps
    from envs.features import FEATURE_NAMES
    from envs.market import build_market
    from envs.synthetic import SyntheticMarketConfig, generate_swaps

    logger.set_level("WARNING")
    market = build_market(generate_swaps(SyntheticMarketConfig(days=1, seed=seed)))
    picks = [i for i in range(len(market.price)) if market.uninformed[i]][:swaps]
    node = start_anvil()
    try:
        with connect(rpc=node.url) as (ape, project):
            owner = ape.accounts.test_accounts[0]
            record, pool = market_pool(ape, project, owner, market)
            sim = Pool(*record.liquidity, 3000, PoolParams(), now=pool.last_ts())
            first = ape.chain.blocks.head.number + 1
            sent = []
            for i in picks:
                zero_for_one = bool(market.amount0[i] > 0)
                amount = int(market.amount0[i] if zero_for_one else market.amount1[i])
                receipt = pool.swap(zero_for_one, amount, 0, owner, FAR, sender=owner)
                got = sim.swap(zero_for_one, amount, receipt.timestamp)[0]
                out_amount = receipt.decode_logs(pool.Swap)[0].amount_out
                assert out_amount == got, "contract and envs/ disagree"
                sent.append((amount, -out_amount) if zero_for_one else (-out_amount, amount))
            same = sim.reserves == (pool.reserve0(), pool.reserve1())
            out.print(
                f"deployed DynamicFeePool {record.pool} on anvil ({node.url}); replayed {len(sent)} synthetic "
                f"swaps: every amount out equals envs/ to the unit; reserves equal: {same}"
            )
            with tempfile.TemporaryDirectory() as tmp:
                report = fetch_swaps(node.url, record.pool.lower(), first, ape.chain.blocks.head.number, Path(tmp))
                rows = load_swaps(tmp).to_pylist()
            back = [(int(r["amount0"]), int(r["amount1"])) for r in rows]
            out.print(f"lamm data fetch read back {report.swaps} swaps: identical to what was sent: {back == sent}")
            features, epoch = pool.features()
            shown = ", ".join(f"{n} {f / 1e18:.4g}" for n, f in zip(FEATURE_NAMES, features, strict=True))
            out.print(f"features() after the replay (epoch {epoch}): {shown}")
    finally:
        node.stop()
