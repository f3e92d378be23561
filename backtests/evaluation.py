"""`lamm evaluate fee`: strategies compared day by day with the references a sceptic asks for.

Every strategy replays the same days. Its daily hedged PnL is paired with, on the same day:

- the best static fee chosen with hindsight on the evaluated days, on a 0.5 bp grid (a 2 bp scan of the
  pool's fee range, then every 0.5 bp within 2 bps of its best);
- the best tuned heuristic: of the production heuristics at their tuned defaults (strategies/heuristics.py),
  the one that earned most on the evaluated days, also chosen with hindsight.

The gain is the mean paired difference per day and that over the reference's mean (in %), each with a
stationary day-block bootstrap 95% interval (backtests/bootstrap.py). Days are UTC days; the replay runs
through them continuously. With `folds`, the days are also cut into consecutive folds, each with its own
table row (the references stay those of all evaluated days).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from backtests.bootstrap import paired_gain
from backtests.engine import run_fee_strategy
from backtests.metrics import daily, step_series
from envs.market import Market
from envs.simulation import FeeSimConfig
from strategies.base import FeeStrategy
from strategies.fee import StaticFee
from strategies.heuristics import HEURISTICS

GRID_STEP_BPS = 0.5


@dataclass
class Evaluation:
    days: list[str]
    daily: dict[str, np.ndarray]  # spec -> hedged PnL per day, bps of TVL
    best_static_bps: float
    best_heuristic: str
    rows: dict[str, dict] = field(default_factory=dict)  # spec -> figures (see `compare`)
    folds: list[dict] = field(default_factory=list)


def daily_pnl(market: Market, strategy: FeeStrategy, sim: FeeSimConfig) -> tuple[np.ndarray, np.ndarray]:
    """(UTC days, hedged PnL per day in bps of TVL) of one strategy over the market."""
    steps = run_fee_strategy(market, strategy, sim).steps
    return daily(market, step_series(market, steps)["hedged_pnl_bps"])


def best_static(market: Market, sim: FeeSimConfig) -> tuple[float, np.ndarray]:
    """The static fee (bps, on the 0.5 bp grid) with the highest total over the market, and its daily PnL."""
    cache: dict[float, np.ndarray] = {}

    def pnl(bps: float) -> np.ndarray:
        if bps not in cache:
            cache[bps] = daily_pnl(market, StaticFee(bps), sim)[1]
        return cache[bps]

    lo, hi = sim.fee_min_bps, sim.fee_max_bps
    start = max(GRID_STEP_BPS, np.ceil(lo / GRID_STEP_BPS) * GRID_STEP_BPS)
    coarse = np.arange(start, hi + 1e-9, 2.0)
    best = max(coarse, key=lambda b: pnl(float(b)).sum())
    fine = np.arange(max(start, best - 2.0), min(hi, best + 2.0) + 1e-9, GRID_STEP_BPS)
    best = max(fine, key=lambda b: pnl(float(b)).sum())
    return float(best), pnl(float(best))


def evaluate_fee(
    market: Market,
    strategies: Sequence[FeeStrategy],
    sim: FeeSimConfig,
    folds: int = 1,
    block_days: float = 1.0,
    draws: int = 2000,
    seed: int = 0,
) -> Evaluation:
    if folds < 1:
        raise ValueError("folds must be at least 1")
    days, _ = daily(market, np.zeros(market.n_steps))
    per_day = {s.spec: daily_pnl(market, s, sim)[1] for s in strategies}
    static_bps, static_daily = best_static(market, sim)
    heuristics = {name: daily_pnl(market, cls(), sim)[1] for name, cls in HEURISTICS.items()}
    best_heuristic = max(heuristics, key=lambda k: heuristics[k].sum())
    references = {f"static:{static_bps:g}": static_daily, best_heuristic: heuristics[best_heuristic]}
    result = Evaluation([str(d) for d in days], per_day | references, static_bps, best_heuristic)
    for spec, series in per_day.items():
        result.rows[spec] = compare(series, static_daily, heuristics[best_heuristic], block_days, draws, seed)
    if folds > 1:
        bounds = np.linspace(0, len(days), folds + 1).round().astype(int)
        for k, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
            rows = {
                spec: compare(s[a:b], static_daily[a:b], heuristics[best_heuristic][a:b], block_days, draws, seed)
                for spec, s in per_day.items()
            }
            result.folds.append({"fold": k + 1, "from": str(days[a]), "to": str(days[b - 1]), "rows": rows})
    return result


def compare(ours, static, heuristic, block_days: float, draws: int, seed: int) -> dict:
    """Per-day figures of one series against the two references, with bootstrap intervals."""
    vs_static = paired_gain(ours, static, block_days, draws, seed)
    vs_heuristic = paired_gain(ours, heuristic, block_days, draws, seed)
    return {
        "days": len(ours),
        "hedged_pnl_bps_per_day": float(np.mean(ours)),
        "best_static_bps_per_day": float(np.mean(static)),
        "best_heuristic_bps_per_day": float(np.mean(heuristic)),
        "gain_vs_static_bps_per_day": vs_static[0].as_dict(),
        "gain_vs_static_pct": {k: 100 * v for k, v in vs_static[1].as_dict().items()},
        "gain_vs_heuristic_bps_per_day": vs_heuristic[0].as_dict(),
        "gain_vs_heuristic_pct": {k: 100 * v for k, v in vs_heuristic[1].as_dict().items()},
    }
