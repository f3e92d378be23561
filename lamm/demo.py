"""`lamm demo`: the pipeline on the embedded synthetic market, stage by stage."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from backtests.command import BacktestRequest, metrics_table, run_backtest
from envs.market import MarketSpec
from envs.simulation import FeeSimConfig
from strategies.spec import DEFAULT_FEE_SPECS


def run_demo(out_dir: Path, days: int, seed: int, out: Console, err: Console) -> None:
    out.rule("[bold]lamm demo[/bold]: synthetic market -> baseline backtest -> report")
    req = BacktestRequest(
        "synthetic",
        None,
        None,
        list(DEFAULT_FEE_SPECS),
        MarketSpec(),
        FeeSimConfig(),
        "60s",
        out_dir,
        out_dir / "metrics.json",
        days,
        seed,
    )
    result = run_backtest(req, err)
    out.print(metrics_table(result.metrics, f"synthetic market, {days} days, seed {seed}"))
    best = max(result.metrics, key=lambda s: result.metrics[s]["hedged_pnl_bps_per_day"])
    out.print(f"best baseline: [bold]{best}[/bold]")
    out.print(f"report: {result.report.resolve()}")
