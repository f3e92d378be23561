"""`lamm backtest`: run strategies over one replay and write the table, JSON and report."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rich.console import Console, RenderableType
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from backtests.engine import run_fee_backtest
from backtests.metrics import fee_metrics
from backtests.report import (
    CONSOLE_COLUMNS,
    CONSOLE_LABELS,
    CONSOLE_UNITS,
    TABLE_COLUMNS,
    metrics_json,
    shown_path,
    write_atomic,
    write_report,
)
from backtests.sources import load_swap_table
from backtests.tables import strategy_table
from envs.market import Market, MarketSpec, build_market, utc_day
from envs.simulation import FeeSimConfig
from strategies.spec import parse_fee_strategy


@dataclass
class BacktestRequest:
    data: str
    start: date | None
    end: date | None
    specs: list[str]
    spec: MarketSpec
    sim: FeeSimConfig
    step: str = "60s"
    report: Path | None = None
    json_path: Path | None = None
    synthetic_days: int = 3
    seed: int = 0


@dataclass
class BacktestResult:
    market: Market
    metrics: dict[str, dict[str, float]]
    report: Path | None
    seconds: float


def load_market(req: BacktestRequest) -> Market:
    table = load_swap_table(req.data, req.start, req.end, req.synthetic_days, req.seed)
    if table.num_rows == 0:
        raise ValueError(f"--data {req.data}: no swaps between {req.start} and {req.end}")
    return build_market(table, req.spec, req.step)


def run_backtest(req: BacktestRequest, console: Console | None = None) -> BacktestResult:
    """Loads the data, replays every strategy, prints the table and writes the requested outputs."""
    console = console or Console(stderr=True)
    strategies = [parse_fee_strategy(s) for s in req.specs]  # fail on a bad spec before any work
    market = load_market(req)
    t0 = time.perf_counter()
    with Progress(
        TextColumn("replay"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} steps"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("replay", total=market.n_steps * len(strategies))
        runs = run_fee_backtest(market, strategies, req.sim, lambda n: bar.advance(task, n))
    seconds = time.perf_counter() - t0
    metrics = {spec: fee_metrics(market, run.steps) for spec, run in runs.items()}
    meta = {
        "data": shown_path(req.data) if req.data != "synthetic" else req.data,
        "from": str(utc_day(market.timestamp[:1])[0]),  # the days the data covers, asked for or not
        "to": str(utc_day(market.timestamp[-1:])[0]),
        "pair": req.spec.pair,
        "step": req.step,
        "swaps": len(market.price),
        "days": market.days,
        "replay_seconds": round(seconds, 3),
        "depth": req.sim.depth,
        "gas_quote": req.sim.gas_quote,
        "flow": req.sim.flow,
        "flow_scale": req.sim.flow_scale,
        "venue_fee": req.spec.venue_fee,
    }
    report = None
    if req.json_path:
        write_atomic(Path(req.json_path), metrics_json(metrics, meta))
    if req.report:
        report = write_report(Path(req.report), market, {k: r.steps for k, r in runs.items()}, metrics, meta)
    return BacktestResult(market, metrics, report, seconds)


def metrics_table(metrics: dict[str, dict[str, float]], title: str, width: int = 80) -> RenderableType:
    """The console table: the headline columns (the JSON and the HTML report have them all)."""
    columns = [
        (key, CONSOLE_LABELS.get(key, label), fmt) for key, label, fmt in TABLE_COLUMNS if key in CONSOLE_COLUMNS
    ]
    return strategy_table(metrics, columns, f"{title}\n{CONSOLE_UNITS}", width)
