"""`lamm backtest passive`: a full-range position in the real pool, valued from the pool's own data."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from backtests.passive import PassiveResult, passive_from_minute_bars, passive_from_swaps  # noqa: E402
from backtests.report import figure_png, write_atomic  # noqa: E402
from backtests.sources import data_kind, load_swap_table  # noqa: E402
from envs.market import MarketSpec  # noqa: E402

SUMMARY = (
    "fees0",
    "fees1",
    "fee_value",
    "initial_value",
    "final_value",
    "hold_value",
    "impermanent_loss",
    "net_pnl",
    "pnl_vs_hold",
    "initial_price",
    "final_price",
)


def passive_result(data: str, start: date | None, end: date | None, spec: MarketSpec, capital: float) -> PassiveResult:
    """Replays the position over swaps (canonical or demeter ticks) or demeter minute bars."""
    args = (spec.venue_fee, capital, spec.decimals0, spec.decimals1, spec.quote)
    if data_kind(data) == "minutes":
        from envs.data import load_minute_bars

        return passive_from_minute_bars(load_minute_bars(data, start, end), *args)
    table = load_swap_table(data, start, end)
    if table.num_rows == 0:
        raise ValueError(f"--data {data}: no swaps between {start} and {end}")
    return passive_from_swaps(table, *args)


def summary(result: PassiveResult) -> dict[str, float]:
    return {name: float(getattr(result, name)) for name in SUMMARY}


def run_passive(
    data: str,
    start: date | None,
    end: date | None,
    spec: MarketSpec,
    capital: float,
    json_path: Path | None,
    report: Path | None,
    out: Console,
) -> PassiveResult:
    result = passive_result(data, start, end, spec, capital)
    values = summary(result)
    table = Table(title=f"passive full-range LP, {capital:,.0f} quote units, fee {spec.venue_fee:.2%}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in values.items():
        table.add_row(name, f"{value:,.6g}")
    out.print(table)
    if json_path:
        write_atomic(Path(json_path), json.dumps({"passive": values, "meta": {"data": data}}, indent=2) + "\n")
    if report:
        fig, ax = plt.subplots(figsize=(10, 3.5))
        s = result.series
        ax.plot(s["timestamp"], s["net_value"], label="position + fees")
        ax.plot(s["timestamp"], s["hold_value"], label="hold")
        ax.set_title("passive full-range position"), ax.legend()
        html = (
            "<!doctype html><html><head><meta charset='utf-8'><title>lamm passive LP</title></head><body>"
            f"<h1>Passive full-range LP</h1><pre>{json.dumps(values, indent=2)}</pre>"
            f"<img src='data:image/png;base64,{figure_png(fig)}'>"
            "<p><a href='passive.csv'>passive.csv</a></p></body></html>"
        )
        write_atomic(Path(report) / "passive.csv", s.to_csv(index=False))
        write_atomic(Path(report) / "report.html", html)
        out.print(f"report: {Path(report) / 'report.html'}")
    return result
