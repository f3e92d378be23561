"""Tunes each production heuristic's parameters on the training days only, as strategies/heuristics.py ships
them: a grid over each heuristic's parameters, then a coordinate refinement around the best, scored by hedged
LP PnL per day on the shared Arbitrum WETH/USDT swaps 2025-05-04..07-05 (routed flow, default settings). The
validation days are replayed only to report the tuned values there, never to choose them.

    .venv/bin/python benchmarks/tune_heuristics.py [--workers 2] [--json benchmarks/out/heuristics.json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agents.training.fee import Period, load_period  # noqa: E402
from envs.market import MarketSpec  # noqa: E402
from envs.simulation import FeeSimConfig, start_replay, step_pnl_bps  # noqa: E402
from strategies.heuristics import HEURISTICS  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "arbitrum-univ3-weth-usdt-005" / "swaps"
TRAIN = Period(date(2025, 5, 4), date(2025, 7, 5))
VALIDATION = Period(date(2025, 7, 6), date(2025, 7, 30))
BASES = (12, 14, 16, 18, 20, 22, 24, 26)
GRIDS = {  # parameter: values; every combination is replayed, then refined
    "nezlobin": {"base": BASES, "c": (0.5, 1, 2, 4, 8), "cap": (10, 25, 50), "window": (0, 2, 12, 60)},
    "ewma": {"base": BASES, "c": (0.5, 1, 2, 4, 8), "cap": (10, 25, 50), "tau": (60, 150, 300, 600, 1200)},
    "sliding": {"base": BASES, "k": (1, 3, 10, 30, 100, 300)},
    "surge": {"base": BASES, "fee": (30, 50, 80), "move": (5, 10, 20, 50), "decay": (10, 60, 300), "q": (0, 3)},
    "volacc": {"base": BASES, "a": (1, 3, 10, 30, 100)},
    "threshold": {"base": BASES, "high": (5, 10, 20, 40), "vol": (0.3, 0.5, 0.8, 1.2)},  # high: above low
}
_market = None


def _load(period: Period) -> None:
    global _market
    _market = load_period(str(DATA), period, MarketSpec(), "60s")


def _kwargs(name: str, params: dict) -> dict:
    if name == "threshold":
        return {"low": params["base"], "high": params["base"] + params["high"], "vol": params["vol"]}
    return dict(params)


def score(job: tuple[str, dict]) -> tuple[str, dict, float]:
    """Hedged PnL (bps of TVL per day) of one setting on the loaded period."""
    name, params = job
    rule = HEURISTICS[name](**_kwargs(name, params)).constant_rule
    replay = start_replay(_market, FeeSimConfig())
    rows = replay.run(_market.step_end, np.tile(rule.as_array(), (_market.n_steps, 1)))
    return name, params, float(step_pnl_bps(rows).sum() / _market.days)


def refine(pool, name: str, best: dict, value: float, grid: dict) -> tuple[dict, float]:
    """Coordinate search: each numeric parameter moved by +-step (half the grid's spacing), halving to 1/8."""
    steps = {k: (max(v) - min(v)) / (2 * max(len(v) - 1, 1)) for k, v in grid.items()}
    for _ in range(3):
        trials = []
        for key, step in steps.items():
            for sign in (-1, 1):
                candidate = dict(best)
                candidate[key] = max(0.0, round(best[key] + sign * step, 3))
                trials.append((name, candidate))
        for _, params, v in pool.map(score, trials):
            if v > value:
                best, value = params, v
        steps = {k: s / 2 for k, s in steps.items()}
    return best, value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "out" / "heuristics.json")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"no shared data at {DATA}")
    started = time.perf_counter()
    tuned = {}
    with ProcessPoolExecutor(args.workers, initializer=_load, initargs=(TRAIN,)) as pool:
        for name, grid in GRIDS.items():
            jobs = [(name, dict(zip(grid, values, strict=True))) for values in itertools.product(*grid.values())]
            results = list(pool.map(score, jobs, chunksize=4))
            _, best, value = max(results, key=lambda r: r[2])
            best, value = refine(pool, name, best, value, grid)
            tuned[name] = {"params": _kwargs(name, best), "train_bps_per_day": value, "settings_tried": len(jobs)}
            print(f"{name}: {tuned[name]['params']} train {value:+.4f} bps/day ({len(jobs)} settings)", flush=True)
    with ProcessPoolExecutor(1, initializer=_load, initargs=(VALIDATION,)) as pool:
        for name, entry in tuned.items():
            params = {k: v for k, v in entry["params"].items()}
            if name == "threshold":
                params = {"base": params["low"], "high": params["high"] - params["low"], "vol": params["vol"]}
            entry["validation_bps_per_day"] = pool.submit(score, (name, params)).result()[2]
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(tuned, indent=2) + "\n")
    print(json.dumps(tuned, indent=2))
    print(f"tuned in {time.perf_counter() - started:.0f} s; written to {args.json}")


if __name__ == "__main__":
    main()
