"""How much can any fee policy gain over the best static fee on the shared Arbitrum swaps?

    .venv/bin/python benchmarks/fee_headroom.py [--model models/fee-arbitrum]

Training days 2025-05-04..07-05, validation days 2025-07-06..07-30 (the quality bar's periods), 60 s steps,
the default economics. Prints, in bps of TVL per day:
- the best static fee on each period (the validation one chosen with hindsight);
- hindsight oracles: the best static fee chosen afresh for every day / hour / 15 minutes of the period itself
  (path-free: each window's PnL is read from the static runs, ignoring that switching changes the state), an
  upper bound no causal policy reaches;
- a causal rule: the fee for each quintile of the pool's fast volatility, chosen on the training days, on the
  validation days, estimated path-free and simulated for real (the gap is what switching fees costs: a cut
  lets arbitrageurs close the displacement the higher fee kept);
- the cost of switching alone: alternating 16 and 20 bps every step against 18 held;
- the model's policy, if given.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agents.training.fee import Period, load_period  # noqa: E402
from backtests.engine import run_fee_strategy  # noqa: E402
from envs.market import Market, MarketSpec  # noqa: E402
from envs.simulation import FeeSimConfig, bps_to_pips, step_pnl_bps  # noqa: E402
from strategies.base import FeeStrategy  # noqa: E402
from strategies.spec import parse_fee_strategy  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "arbitrum-univ3-weth-usdt-005" / "swaps"
FEES = np.array([6, 8, 10, 12, 14, 16, 18, 20, 23, 26, 30, 35, 40, 50])
SIM = FeeSimConfig(initial_fee_bps=18)


class Rule(FeeStrategy):
    """A fee rule `rule(observation, step) -> bps`, keeping the observations it was shown."""

    spec = "rule"

    def __init__(self, rule):
        self.rule, self.seen = rule, []

    def decide(self, observation: np.ndarray) -> int:
        self.seen.append(observation)
        return bps_to_pips(self.rule(observation, len(self.seen) - 1))


def static_pnl(market: Market) -> np.ndarray:
    """Per-step hedged PnL (bps) of every fee in FEES held throughout: fees x steps."""
    return np.array(
        [step_pnl_bps(run_fee_strategy(market, parse_fee_strategy(f"static:{f}"), SIM).steps) for f in FEES]
    )


def simulate(market: Market, strategy: FeeStrategy) -> float:
    """bps/day of a strategy stepped through the replay (the backtest engine)."""
    return float(step_pnl_bps(run_fee_strategy(market, strategy, SIM).steps).sum() / market.days)


def oracle(pnl: np.ndarray, window: int, days: float) -> float:
    """The best fee chosen afresh for every window of `window` steps (the last one may be shorter)."""
    starts = np.arange(0, pnl.shape[1], window)
    return np.add.reduceat(pnl, starts, axis=1).max(axis=0).sum() / days


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", help="a model folder to place in the table")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"shared data not found at {DATA}")
    train = load_period(str(DATA), Period(date(2025, 5, 4), date(2025, 7, 5)), MarketSpec(), "60s")
    val = load_period(str(DATA), Period(date(2025, 7, 6), date(2025, 7, 30)), MarketSpec(), "60s")
    rows = []
    pnl, best_static = {}, {}
    for name, m in (("train", train), ("validation", val)):
        p = static_pnl(m)
        pnl[name] = p
        best = int(np.argmax(p.sum(axis=1)))
        best_static[name] = base = p[best].sum() / m.days
        rows.append((f"{name}: best static ({FEES[best]} bps)", base, 0.0))
        for label, w in (("day", 1440), ("hour", 60), ("15 min", 15)):
            rows.append((f"{name}: hindsight best fee per {label} (upper bound)", oracle(p, w, m.days), base))
    v_base = best_static["validation"]
    # a causal rule: fee per quintile of sigma_fast, chosen on the training days (observed on the 18 bps path)
    held_train = Rule(lambda o, k: 18.0)
    simulate(train, held_train)
    train_obs = np.array(held_train.seen)
    edges = np.quantile(train_obs[:, 1], [0.2, 0.4, 0.6, 0.8])
    bins = np.digitize(train_obs[:, 1], edges)
    rule = [int(FEES[np.argmax(pnl["train"][:, bins == b].sum(axis=1))]) for b in range(5)]
    by_volatility = Rule(lambda o, k: float(rule[np.digitize(o[1], edges)]))
    simulated = simulate(val, by_volatility)
    val_obs = np.array(by_volatility.seen)
    chosen = np.searchsorted(FEES, np.array(rule)[np.digitize(val_obs[:, 1], edges)])
    estimated = pnl["validation"][chosen, np.arange(val.n_steps)].sum() / val.days
    rows.append((f"validation: fee by volatility quintile {rule}, path-free estimate", estimated, v_base))
    rows.append((f"validation: fee by volatility quintile {rule}, simulated", simulated, v_base))
    flip = simulate(val, Rule(lambda o, k: 16.0 if k % 2 else 20.0))
    held = simulate(val, Rule(lambda o, k: 18.0))
    rows.append(("validation: 16/20 bps alternating every step", flip, held))
    if args.model:
        from strategies.learned import LearnedFee

        learned = simulate(val, LearnedFee(Path(args.model)))
        rows.append((f"validation: learned:{args.model}", learned, v_base))
    width = max(len(r[0]) for r in rows)
    print(f"{'':{width}}  bps/day  vs reference")
    for label, value, ref in rows:
        diff = f"{value - ref:+.4f} ({(value - ref) / abs(ref):+.1%})" if ref else ""
        print(f"{label:{width}}  {value:+.4f}  {diff}")


if __name__ == "__main__":
    main()
