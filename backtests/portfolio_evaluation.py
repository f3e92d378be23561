"""`lamm evaluate portfolio`: portfolio strategies over one price series with honest uncertainty (bootstrap
intervals, the paired difference from the best constant mix, the deflated Sharpe; backtests.portfolio_stats).
Buy-and-hold and the constant mixes are always among the strategies, so there is a best mix to pair with."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from rich.console import RenderableType

from backtests.portfolio_command import PortfolioRequest, run_portfolio_backtest
from backtests.portfolio_stats import compare_portfolios, daily_log_returns, interval_text
from backtests.report import write_atomic
from backtests.tables import strategy_table

BASELINES = ("hold", "mix", "mix:every=24", "mix:every=168", "mix:band=0.05")


def evaluate_portfolios(
    req: PortfolioRequest, trials: int | None = None, block_days: float = 5.0, draws: int = 2000, seed: int = 0
) -> dict:
    """Backtests the requested strategies and the baselines at the request's costs, then compares them over
    the days; writes the JSON when the request names one. `trials`: configurations tried (default: those run)."""
    specs = list(dict.fromkeys([*req.specs, *BASELINES]))
    series, metrics, runs, _, _ = run_portfolio_backtest(replace(req, specs=specs, json_path=None, report=None))
    returns = {spec: daily_log_returns(run.values, series.times, req.capital) for spec, run in runs.items()}
    if len(next(iter(returns.values()))) < 3:
        raise ValueError(f"--from/--to: {len(returns[specs[0]])} days; evaluating needs at least 3")
    result = compare_portfolios(returns, trials, block_days, draws, seed)
    for spec, figures in result["strategies"].items():
        figures["metrics"] = metrics[spec]
    result["costs"] = {"fee_bps": req.execution.fee * 1e4, "depth": req.execution.depth, "gas": req.execution.gas}
    if req.json_path:
        write_atomic(Path(req.json_path), json.dumps(result, indent=2, default=float) + "\n")
    return result


COLUMNS = (
    ("sharpe", "Sharpe [95%]", "{}"),
    ("return", "return [95%]", "{}"),
    ("gap", "vs best mix [95%]", "{}"),
    ("dsr", "DSR", "{}"),
    ("turnover", "turn/yr", "{}"),
)


def evaluation_table(result: dict, title: str, width: int = 80) -> RenderableType:
    rows = {}
    for spec, f in result["strategies"].items():
        gap = f.get("vs_best_mix")
        rows[spec] = {
            "sharpe": interval_text(f["sharpe"], "{:+.2f}", "{:+.1f}"),
            "return": interval_text(f["total_return"], "{:+.1%}", "{:+.0%}"),
            "gap": interval_text(gap["sharpe"], "{:+.2f}") if gap else "(best mix)",
            "dsr": f"{f['deflated_sharpe']:.2f}",
            "turnover": f"{f['metrics']['turnover_per_year']:.1f}x",
        }
    return strategy_table(rows, COLUMNS, title, width)
