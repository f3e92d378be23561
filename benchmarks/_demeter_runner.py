"""Demeter side of the passive-LP peer benchmark (run with benchmarks/.venv-demeter's python).

Runs zelos-demeter on demeter-format minute bars with one full-range UniV3 position opened at the
first minute and held to the end, then prints one JSON object on stdout (times, liquidity, fees,
values). Demeter's own logging and progress bar go to stderr so stdout stays machine-readable.
Usage: python _demeter_runner.py DATA_DIR CHAIN POOL START END CAPITAL
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal

# Demeter caches loaded data under ~/.demeter; point HOME at a throwaway folder so every run is a
# cold load (comparable with our load + compute) and nothing is written to the user's home.
_HOME = tempfile.mkdtemp(prefix="demeter-home-")
os.environ["HOME"] = _HOME

from demeter import Actuator, Asset, MarketInfo, Strategy, TokenInfo  # noqa: E402
from demeter.uniswap import UniLpMarket, UniV3Pool  # noqa: E402

FULL_RANGE_TICK = 887270  # largest multiple of tick spacing 10 inside Uniswap's +-887272


class HoldFullRange(Strategy):
    """Add all balances as one full-range position before the first bar, then do nothing."""

    def initialize(self) -> None:
        market: UniLpMarket = self.broker.markets.default
        self.position, _, _, self.liquidity = market.add_liquidity_by_tick(-FULL_RANGE_TICK, FULL_RANGE_TICK)


def main() -> None:
    data_dir, chain, pool_addr, start, end, capital = sys.argv[1:7]
    capital_d = Decimal(capital)
    usdc = TokenInfo(name="usdc", decimal=6)
    weth = TokenInfo(name="weth", decimal=18)
    pool = UniV3Pool(usdc, weth, 0.05, usdc)  # token0 = USDC is the quote token
    key = MarketInfo("uni")

    with contextlib.redirect_stdout(sys.stderr):
        t0 = time.perf_counter()
        market = UniLpMarket(key, pool, data_path=data_dir)
        market.load_data(chain, pool_addr, date.fromisoformat(start), date.fromisoformat(end))
        t_load = time.perf_counter() - t0

        # Split the capital 50/50 at the entry price (what a full-range position needs), so that
        # no swap (and no swap fee) is needed to open the position.
        p0 = market.data["price"].iloc[0]  # WETH price in USDC at the first minute (openTick)
        half = capital_d / 2
        actuator = Actuator()
        actuator.broker.add_market(market)
        actuator.set_assets([Asset(usdc, half), Asset(weth, half / p0)])
        actuator.strategy = HoldFullRange()
        actuator.set_price(market.get_price_from_data())
        t1 = time.perf_counter()
        actuator.run(print_result=False)
        t_run = time.perf_counter() - t1

    strat: HoldFullRange = actuator.strategy  # type: ignore[assignment]
    pos = market.positions[strat.position]
    final = actuator.final_status
    price_end = market.market_status.data.price
    amt0, amt1 = market.get_position_amount(strat.position)
    fee0, fee1 = pos.pending_amount0, pos.pending_amount1
    out = {
        "demeter_version": importlib.metadata.version("zelos-demeter"),
        "load_s": t_load,
        "run_s": t_run,
        "total_s": t_load + t_run,
        "rows": int(len(market.data.index)),
        "entry_price": str(p0),
        "final_price": str(price_end),
        "liquidity": int(pos.liquidity),
        "fee0": str(fee0),
        "fee1": str(fee1),
        "fee_value_quote": str(fee0 + fee1 * price_end),
        "position_amount0": str(amt0),
        "position_amount1": str(amt1),
        "position_value_quote": str(amt0 + amt1 * price_end),
        "net_value_quote": str(final.net_value),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    try:
        main()
    finally:
        import shutil

        shutil.rmtree(_HOME, ignore_errors=True)
