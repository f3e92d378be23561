"""Replay throughput of `lamm backtest` with one static strategy over all shared Arbitrum swaps.

Measures, in one run: load + validation, building the replay arrays, and the replay itself (the C core)
in-process, under the routed flow (every swap priced, shared and traded) with a static fee and with the
shipped rule's skew, and under the logit flow (uninformed swaps only); then the whole `lamm backtest` command
in a subprocess for its wall time and peak memory; and, as the baseline, the same constant-product swap math
in plain Python per swap on a slice of the swaps.

    .venv/bin/python benchmarks/replay_throughput.py
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "arbitrum-univ3-weth-usdt-005" / "swaps"
sys.path.insert(0, str(ROOT))

from backtests.engine import run_fee_strategy  # noqa: E402
from envs.data.swaps import load_swaps  # noqa: E402
from envs.market import build_market  # noqa: E402
from envs.simulation import FeeSimConfig  # noqa: E402
from strategies.fee import StaticFee  # noqa: E402
from strategies.heuristics import Ewma  # noqa: E402


def plain_python_swaps(market, n: int, fee: int = 3000) -> float:
    """Swaps per second of the pool's integer swap in a plain Python loop (no arbitrage, no features)."""
    r0, r1 = 10**22, 25 * 10**12
    amount0, amount1 = market.amount0[:n], market.amount1[:n]
    t0 = time.perf_counter()
    for a0, a1 in zip(amount0.tolist(), amount1.tolist(), strict=True):
        if a0 > 0:
            after = int(a0 * 0.1) * (10**6 - fee) // 10**6
            out = after * r1 // (r0 + after)
            r0, r1 = r0 + int(a0 * 0.1), r1 - out
        else:
            after = int(a1 * 0.1) * (10**6 - fee) // 10**6
            out = after * r0 // (r1 + after)
            r1, r0 = r1 + int(a1 * 0.1), r0 - out
    return n / (time.perf_counter() - t0)


def main() -> None:
    if not DATA.is_dir():
        sys.exit(f"shared data not found at {DATA}")
    t0 = time.perf_counter()
    table = load_swaps(DATA)
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    market = build_market(table)
    t_build = time.perf_counter() - t0
    n = len(market.price)
    timed = {}
    for label, strategy, flow in (
        ("route, static:30", StaticFee(30), "route"),
        ("route, ewma (per-swap rule)", Ewma(), "route"),
        ("logit, static:30", StaticFee(30), "logit"),
    ):
        runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            run_fee_strategy(market, strategy, FeeSimConfig(flow=flow))
            runs.append(time.perf_counter() - t0)
        timed[label] = min(runs)
    t_replay = timed["route, static:30"]
    baseline = plain_python_swaps(market, 200_000)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            str(ROOT / ".venv" / "bin" / "lamm"),
            "backtest",
            "--data",
            str(DATA),
            "--strategy",
            "static:30",
            "--json",
            f"{tmp}/m.json",
        ]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        t_cli = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    ours = n / t_replay
    print(f"swaps: {n:,} over {market.days:.1f} observed days, {market.n_steps:,} steps of 60 s")
    print(f"load + validate: {t_load:.2f} s   build replay arrays: {t_build:.2f} s")
    for label, seconds in timed.items():
        print(f"replay (C core, {label}, best of 5): {seconds * 1e3:.1f} ms = {n / seconds / 1e6:.1f} M swaps/s")
    print(f"baseline, plain Python integer swap per swap: {baseline / 1e6:.3f} M swaps/s")
    print(f"ratio replay (route, static:30) / plain Python: {ours / baseline:.0f}x")
    print(
        f"`lamm backtest` end to end (process start, load, validate, replay, JSON): {t_cli:.2f} s "
        f"= {n / t_cli / 1e6:.2f} M swaps/s; peak memory {peak_mb:.0f} MB"
    )
    print(f"in-process (load + build + replay): {n / (t_load + t_build + t_replay) / 1e6:.2f} M swaps/s")


if __name__ == "__main__":
    main()
