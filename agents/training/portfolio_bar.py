"""The portfolio policy's quality bar on one period: its Sharpe against the best of buy-and-hold and the constant
mixes (same costs for all), its turnover against that baseline's, and bootstrap intervals of the paired daily
differences (Sharpe and mean log return), whatever they show."""

from __future__ import annotations

import numpy as np

from backtests.bootstrap import bootstrap, paired_gain
from backtests.portfolio_stats import annual_sharpe, compare_portfolios, daily_log_returns

TURNOVER_ALLOWANCE = 3.0  # the learned policy may trade at most this many times the baseline's turnover
BLOCK_DAYS = 5.0  # mean block of the stationary bootstrap over days
TIE = 1e-6  # Sharpe ratios this close are a tie (a policy that never trades is its baseline, up to rounding)


def quality_bar(
    times: np.ndarray, metrics: dict, values: dict, learned: str, capital: float, trials: int | None = None
) -> dict:
    """`metrics` and `values` (value after each row) per strategy spec; baselines are hold and every mix.
    `comparison`: every strategy's intervals, its gap from the best constant mix and its deflated Sharpe for
    `trials` configurations (backtests.portfolio_stats)."""
    baselines = [k for k in metrics if k == "hold" or k.startswith("mix")]
    best = max(baselines, key=lambda k: metrics[k]["sharpe"])
    returns = {k: daily_log_returns(v, times, capital) for k, v in values.items()}
    ours, ref = returns[learned], returns[best]
    sharpe_gap = bootstrap(lambda i: annual_sharpe(ours[i]) - annual_sharpe(ref[i]), len(ours), BLOCK_DAYS)
    return_gap, _ = paired_gain(ours, ref, BLOCK_DAYS)
    m, b = metrics[learned], metrics[best]
    return {
        "best_baseline": best,
        "sharpe": m["sharpe"],
        "baseline_sharpe": b["sharpe"],
        "turnover_per_year": m["turnover_per_year"],
        "baseline_turnover_per_year": b["turnover_per_year"],
        "sharpe_at_least_baseline": m["sharpe"] >= b["sharpe"] - TIE,
        "turnover_within_allowance": m["turnover_per_year"] <= TURNOVER_ALLOWANCE * b["turnover_per_year"],
        "daily_sharpe_difference": sharpe_gap.as_dict(),
        "daily_log_return_difference_bps": {k: v * 1e4 for k, v in return_gap.as_dict().items()},
        "days": len(ours),
        "comparison": compare_portfolios(returns, trials, BLOCK_DAYS),
    }


def met(bar: dict) -> bool:
    return bool(bar["sharpe_at_least_baseline"] and bar["turnover_within_allowance"])


def bar_line(bar: dict) -> str:
    s, r = bar["daily_sharpe_difference"], bar["daily_log_return_difference_bps"]
    return (
        f"learned Sharpe {bar['sharpe']:+.2f} vs {bar['best_baseline']} {bar['baseline_sharpe']:+.2f}; turnover "
        f"{bar['turnover_per_year']:.1f}x vs {bar['baseline_turnover_per_year']:.1f}x a year; paired daily "
        f"difference over {bar['days']} days: Sharpe {s['estimate']:+.2f} [{s['low']:+.2f}, {s['high']:+.2f}], "
        f"log return {r['estimate']:+.1f} bps/day [{r['low']:+.1f}, {r['high']:+.1f}]; bar "
        + ("met" if met(bar) else "not met")
    )
