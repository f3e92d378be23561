"""`lamm backtest portfolio`: strategies over one price series; table, JSON and HTML report."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import RenderableType

from backtests.portfolio_engine import PortfolioRun, portfolio_metrics, run_portfolio
from backtests.report import figure_png, metrics_json, shown_path, write_atomic
from backtests.tables import strategy_table
from envs.portfolio_execution import ExecutionConfig
from envs.price_series import PriceSeries, load_price_series, synthetic_prices
from strategies.portfolio_spec import parse_portfolio_strategy

COLUMNS = (  # key, label, format
    ("total_return", "return", "{:+.2%}"),
    ("annual_volatility", "volatility/yr", "{:.1%}"),
    ("sharpe", "Sharpe", "{:+.2f}"),
    ("max_drawdown", "max drawdown", "{:.1%}"),
    ("turnover_per_year", "turnover/yr", "{:.1f}x"),
    ("costs_bps", "costs bps", "{:.1f}"),
    ("trades", "trades", "{:,.0f}"),
    ("final_value", "final value", "{:,.2f}"),
)


@dataclass
class PortfolioRequest:
    data: str  # a price file, or "synthetic"
    start: date | None
    end: date | None
    specs: list[str]
    execution: ExecutionConfig = field(default_factory=ExecutionConfig)
    interval: str = "1h"
    assets: list[str] | None = None
    capital: float = 1_000_000.0
    report: Path | None = None
    json_path: Path | None = None
    synthetic_days: int = 60
    seed: int = 0


def load_series(req: PortfolioRequest) -> PriceSeries:
    if req.data == "synthetic":
        return synthetic_prices(days=req.synthetic_days, interval=req.interval, seed=req.seed)
    return load_price_series(req.data, req.start, req.end, req.interval, req.assets)


def run_portfolio_backtest(req: PortfolioRequest):
    """Returns (series, {spec: metrics}, {spec: run}, replay seconds, report path or None)."""
    strategies = {spec: parse_portfolio_strategy(spec) for spec in req.specs}  # fail before any work
    series = load_series(req)
    if len(series.times) < 2:
        raise ValueError(f"--data {req.data}: fewer than two prices at interval {req.interval}")
    t0 = time.perf_counter()
    runs = {spec: run_portfolio(series, s, req.execution, req.capital) for spec, s in strategies.items()}
    seconds = time.perf_counter() - t0
    metrics = {spec: portfolio_metrics(series, run, req.capital) for spec, run in runs.items()}
    meta = {
        "data": shown_path(req.data) if req.data != "synthetic" else req.data,
        "from": str(np.datetime64(int(series.times[0]), "s").astype("datetime64[D]")),  # the days replayed
        "to": str(np.datetime64(int(series.times[-1]), "s").astype("datetime64[D]")),
        "interval": req.interval,
        "assets": ",".join(series.assets),
        "steps": len(series.times),
        "fee": req.execution.fee,
        "depth": req.execution.depth,
        "gas": req.execution.gas,
        "capital": req.capital,
        "replay_seconds": round(seconds, 3),
    }
    if req.json_path:
        write_atomic(Path(req.json_path), metrics_json(metrics, meta))
    report = write_portfolio_report(Path(req.report), series, runs, metrics, meta) if req.report else None
    return series, metrics, runs, seconds, report


CONSOLE_COLUMNS = (  # the headline columns; the JSON and the HTML report have them all
    ("total_return", "return", "{:+.2%}"),
    ("sharpe", "Sharpe", "{:+.2f}"),
    ("max_drawdown", "max DD", "{:.1%}"),
    ("turnover_per_year", "turnover/yr", "{:.1f}x"),
    ("costs_bps", "costs bps", "{:.1f}"),
    ("trades", "trades", "{:,.0f}"),
)


def portfolio_table(metrics: dict[str, dict[str, float]], title: str, width: int = 80) -> RenderableType:
    return strategy_table(metrics, CONSOLE_COLUMNS, title, width)


def _figures(series: PriceSeries, runs: dict[str, PortfolioRun]):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    when = pd.to_datetime(series.times, unit="s", utc=True)
    out = []
    for title, series_of in (
        ("Portfolio value", lambda r: r.values),
        ("Drawdown", lambda r: 1.0 - r.values / np.maximum.accumulate(r.values)),
        ("Cumulative value traded", lambda r: np.cumsum(r.traded)),
    ):
        fig, ax = plt.subplots(figsize=(10, 3.2))
        for spec, run in runs.items():
            ax.plot(when, series_of(run), label=spec, lw=1)
        ax.legend(fontsize=8)
        out.append((title, figure_png(fig)))
    return out


def write_portfolio_report(out_dir: Path, series: PriceSeries, runs, metrics, meta) -> Path:
    """report.html (plots inline) and steps.csv (value and weights of every strategy at every step)."""
    head = "".join(f"<th>{escape(label)}</th>" for _, label, _ in COLUMNS)
    rows = "".join(
        f"<tr><td>{escape(spec)}</td>" + "".join(f"<td>{fmt.format(m[k])}</td>" for k, _, fmt in COLUMNS) + "</tr>"
        for spec, m in metrics.items()
    )
    info = "".join(f"<li><b>{escape(str(k))}</b>: {escape(str(v))}</li>" for k, v in meta.items())
    figures = "".join(
        f"<h2>{escape(t)}</h2><img src='data:image/png;base64,{b64}'>" for t, b64 in _figures(series, runs)
    )
    html = f"""<!doctype html><html><head><meta charset="utf-8"><title>lamm portfolio backtest</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1100px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}td:first-child{{text-align:left}}</style>
</head><body><h1>lamm portfolio backtest</h1>
<p>{len(series.times)} steps of {series.interval} s, generated {datetime.now(UTC).isoformat(timespec="seconds")}.
Costs are LP fees, price impact and gas, paid in the numeraire.</p><ul>{info}</ul>
<table><tr><th>strategy</th>{head}</tr>{rows}</table>{figures}
<p>Per-step series: <a href="steps.csv">steps.csv</a>.</p></body></html>"""
    frames = []
    for spec, run in runs.items():
        df = pd.DataFrame(run.weights, columns=[f"w_{a}" for a in series.assets])
        df.insert(0, "traded", run.traded)
        df.insert(0, "value", run.values)
        df.insert(0, "time", pd.to_datetime(series.times, unit="s", utc=True))
        df.insert(0, "strategy", spec)
        frames.append(df)
    write_atomic(out_dir / "steps.csv", pd.concat(frames, ignore_index=True).to_csv(index=False))
    write_atomic(out_dir / "report.html", html)
    return out_dir / "report.html"
