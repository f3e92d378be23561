"""Portfolio backtest speed against vectorbt, side by side in one run.

    .venv/bin/python benchmarks/portfolio_vs_vectorbt.py [--repeat 5]

Equal-weight over the 10 non-stable assets of the shared 1-minute Binance prices (2024-05-06..2025-01-31,
390,240 minutes), rebalanced hourly (6,504 decisions, every asset every hour), 0.1% fee, 1,000,000 cash:
vectorbt's `Portfolio.from_orders` (target-percent sizing, cash sharing, its own venv, warm: numba compiled)
against our `run_portfolio` (`mix`, the C kernel) on the same rows with the same fee and no price impact,
then ours with AMM price impact switched on (each pool 10,000,000 deep). Both sides time the simulation
only (median of --repeat; loading prices is timed separately); final values must agree within 0.1%.
Targets: no slower than vectorbt; with impact, at most 1.5x that. Also both whole processes end to end.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def timed(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    from vectorbt_peer import CASH, END, FEE, PRICES, START, run_vectorbt

    from backtests.portfolio_engine import run_portfolio
    from envs.portfolio_execution import ExecutionConfig
    from envs.price_series import load_price_series
    from strategies.portfolio import ConstantMix

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not PRICES.is_file():
        sys.exit(f"shared data not found at {PRICES}")
    peer = run_vectorbt()
    t0 = time.perf_counter()
    series = load_price_series(PRICES, START, END, "1h")
    load = time.perf_counter() - t0
    flat, run = timed(lambda: run_portfolio(series, ConstantMix(), ExecutionConfig(fee=FEE), CASH), args.repeat)
    deep = ExecutionConfig(fee=FEE, depth=10_000_000.0)
    impact, run_impact = timed(lambda: run_portfolio(series, ConstantMix(), deep, CASH), args.repeat)
    ours, theirs = float(run.values[-1]), float(peer["final_value"])
    print(
        f"data: {len(series.times):,} hourly rows x {len(series.assets)} assets ({peer['rows']:,} on vectorbt's side)"
    )
    print(
        f"vectorbt {peer['vectorbt']}: {peer['seconds'] * 1000:.1f} ms warm (first call in a fresh venv compiles numba)"
    )
    print(f"lamm, no impact: {flat * 1000:.2f} ms -> {peer['seconds'] / flat:.1f}x vectorbt's speed")
    print(
        f"lamm, AMM impact at 10M depth: {impact * 1000:.2f} ms ({impact / peer['seconds']:.2f}x vectorbt's time, "
        f"target <= 1.5x); final value {run_impact.values[-1]:,.2f}"
    )
    print(f"lamm loading and sampling the minute prices: {load:.2f} s (not in either figure)")
    cli = [str(ROOT / ".venv" / "bin" / "lamm"), "backtest", "portfolio", "--data", str(PRICES)]
    cli += ["--from", START, "--to", END, "--interval", "1h", "--trade-fee-bps", str(FEE * 1e4), "--strategy", "mix"]
    t0 = time.perf_counter()
    subprocess.run(cli, check=True, capture_output=True)
    whole = time.perf_counter() - t0
    print(
        f"end to end: `lamm backtest portfolio` {whole:.2f} s; vectorbt's process (imports, parquet, "
        f"simulation) {peer['process_wall_s']:.2f} s"
    )
    print(
        f"final values: lamm {ours:,.2f}, vectorbt {theirs:,.2f}, relative difference {ours / theirs - 1:+.2e} "
        "(target within 1e-3; lamm's fee comes off the input as in an AMM: buying costs 1/(1-f), not 1+f)"
    )


if __name__ == "__main__":
    main()
