"""How much could a policy that adapts the fee rule's parameters gain over the best fixed rule?

    .venv/bin/python benchmarks/fee_headroom.py [--model models/fee-arbitrum]

On the validation days 2025-07-06..07-30 (60 s steps, the default routed flow), for the parameters the model's
rule map sets (the shipped one: the base fee and the skew gain, on its 7 x 7 search grid): every grid setting
is held over the whole period, and the hindsight oracles choose, afresh for every day / hour / 15 minutes, the
setting that earned most in that window (path-free: each window's PnL is read from the fixed runs, ignoring
that switching changes the state). They bound what any causal policy of those parameters can gain over the
best fixed setting. Also printed: the best static fee (hindsight), the tuned `ewma`, and the model's policy.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agents.training.fee import Period, load_period  # noqa: E402
from agents.training.policy_search import action_grid  # noqa: E402
from backtests.engine import run_fee_strategy  # noqa: E402
from backtests.evaluation import best_static  # noqa: E402
from envs.market import MarketSpec  # noqa: E402
from envs.rule_map import RuleMap  # noqa: E402
from envs.simulation import FeeSimConfig, start_replay, step_pnl_bps  # noqa: E402
from strategies.spec import parse_fee_strategy  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "arbitrum-univ3-weth-usdt-005" / "swaps"
SIM = FeeSimConfig()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=str(ROOT / "models" / "fee-arbitrum"))
    parser.add_argument("--points", type=int, default=7, help="grid points per output")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"shared data not found at {DATA}")
    val = load_period(str(DATA), Period(date(2025, 7, 6), date(2025, 7, 30)), MarketSpec(), "60s")
    rule_map = RuleMap.from_dict(json.loads((Path(args.model) / "policy.json").read_text())["rule_map"])
    grid, _ = action_grid(rule_map, args.points)
    pnl = []
    for action in grid:
        rows = start_replay(val, SIM).run(val.step_end, np.tile(rule_map.rule(action).as_array(), (val.n_steps, 1)))
        pnl.append(step_pnl_bps(rows))
    pnl = np.array(pnl)  # settings x steps
    fixed = pnl.sum(axis=1)
    best = int(np.argmax(fixed))
    base = fixed[best] / val.days
    static_bps, static_daily = best_static(val, SIM)

    def per_day(strategy) -> float:
        return float(step_pnl_bps(run_fee_strategy(val, strategy, SIM).steps).sum() / val.days)

    rows = [
        (f"best static fee ({static_bps:g} bps, hindsight)", float(static_daily.sum() / val.days)),
        ("ewma (tuned on the training days)", per_day(parse_fee_strategy("ewma"))),
        (f"best fixed setting of {', '.join(o.field for o in rule_map.outputs)} (hindsight)", base),
    ]
    days = (val.step_time - 1) // 86_400
    for label, window in (("day", days), ("hour", (val.step_time - 1) // 3600), ("15 min", (val.step_time - 1) // 900)):
        _, inverse = np.unique(window, return_inverse=True)
        by_window = np.array([np.bincount(inverse, weights=p) for p in pnl])
        rows.append((f"hindsight best setting per {label} (upper bound)", by_window.max(axis=0).sum() / val.days))
    if (Path(args.model) / "policy.onnx").is_file():
        rows.append((f"learned:{args.model}", per_day(parse_fee_strategy(f"learned:{args.model}"))))
    width = max(len(r[0]) for r in rows)
    print(f"validation days, bps of TVL per day; reference: the best fixed setting ({base:+.4f})")
    for label, value in rows:
        print(f"{label:{width}}  {value:+.4f}  {(value - base) / abs(base):+.1%}")


if __name__ == "__main__":
    main()
