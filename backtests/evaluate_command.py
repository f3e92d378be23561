"""`lamm evaluate fee`: load the days, evaluate every strategy against the references, write table, JSON, HTML."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html import escape
from pathlib import Path

import numpy as np
from rich.console import RenderableType

from backtests.command import BacktestRequest, load_market
from backtests.evaluation import Evaluation, evaluate_fee
from backtests.report import figure_png, shown_path, write_atomic
from backtests.tables import strategy_table
from envs.market import MarketSpec
from envs.simulation import FeeSimConfig
from strategies.spec import parse_fee_strategy


@dataclass
class EvaluateRequest:
    data: str
    start: date | None
    end: date | None
    specs: list[str]
    spec: MarketSpec
    sim: FeeSimConfig
    step: str = "60s"
    folds: int = 1
    block_days: float = 1.0
    draws: int = 2000
    seed: int = 0
    json_path: Path | None = None
    report: Path | None = None
    synthetic_days: int = 3


def run_evaluation(req: EvaluateRequest) -> tuple[Evaluation, Path | None]:
    strategies = [parse_fee_strategy(s) for s in req.specs]  # fail on a bad spec before any work
    backtest = BacktestRequest(
        req.data, req.start, req.end, req.specs, req.spec, req.sim, req.step, synthetic_days=req.synthetic_days
    )
    market = load_market(backtest)
    result = evaluate_fee(market, strategies, req.sim, req.folds, req.block_days, req.draws, req.seed)
    meta = {
        "data": shown_path(req.data) if req.data != "synthetic" else req.data,
        "from": result.days[0],
        "to": result.days[-1],
        "days": len(result.days),
        "flow": req.sim.flow,
        "flow_scale": req.sim.flow_scale,
        "best_static_bps": result.best_static_bps,
        "best_heuristic": result.best_heuristic,
        "block_days": req.block_days,
        "bootstrap_draws": req.draws,
    }
    if req.json_path:
        doc = {
            "strategies": result.rows,
            "folds": result.folds,
            "daily": {"days": result.days, **{k: v.tolist() for k, v in result.daily.items()}},
            "meta": meta,
        }
        write_atomic(Path(req.json_path), json.dumps(doc, indent=2) + "\n")
    report = write_evaluation_report(Path(req.report), result, meta) if req.report else None
    return result, report


def _pct(interval: dict) -> str:
    return f"{interval['estimate']:+.1f}% [{interval['low']:+.1f}, {interval['high']:+.1f}]"


COLUMNS = (
    ("hedged_pnl_bps_per_day", "PnL/d", "{:+.4f}"),
    ("vs_static", "vs best static", "{}"),
    ("vs_heuristic", "vs best heuristic", "{}"),
)


def _flat(rows: dict[str, dict]) -> dict[str, dict]:
    return {
        spec: {
            "hedged_pnl_bps_per_day": r["hedged_pnl_bps_per_day"],
            "vs_static": _pct(r["gain_vs_static_pct"]),
            "vs_heuristic": _pct(r["gain_vs_heuristic_pct"]),
        }
        for spec, r in rows.items()
    }


def evaluation_tables(result: Evaluation, width: int = 80) -> list[RenderableType]:
    """The console: one table for all days (gains in % with their 95% intervals), then one per fold."""
    refs = f"best static {result.best_static_bps:g} bps, best heuristic {result.best_heuristic}"
    title = f"{len(result.days)} days ({result.days[0]}..{result.days[-1]}); {refs}; 95% day-block intervals"
    out = [strategy_table(_flat(result.rows), COLUMNS, title, width)]
    for fold in result.folds:
        out.append(
            strategy_table(_flat(fold["rows"]), COLUMNS, f"fold {fold['fold']}: {fold['from']}..{fold['to']}", width)
        )
    return out


def write_evaluation_report(out_dir: Path, result: Evaluation, meta: dict) -> Path:
    """report.html: the table, the cumulative paired gain of each strategy, and the intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    static = result.daily[f"static:{result.best_static_bps:g}"]
    fig, ax = plt.subplots(figsize=(10, 3.5))
    for spec in result.rows:
        ax.plot(np.cumsum(result.daily[spec] - static), label=spec, lw=1)
    ax.axhline(0, color="black", lw=0.5)
    ax.set_xlabel("evaluated day"), ax.set_ylabel("bps of TVL"), ax.legend(fontsize=7)
    ax.set_title(f"cumulative gain over the best static fee ({result.best_static_bps:g} bps), day by day")
    cumulative = figure_png(fig)
    fig, ax = plt.subplots(figsize=(10, 3.5))
    specs = list(result.rows)
    x = np.arange(len(specs))
    for offset, key, label in (
        (-0.2, "gain_vs_static_pct", "vs best static"),
        (0.2, "gain_vs_heuristic_pct", "vs best heuristic"),
    ):
        est = np.array([result.rows[s][key]["estimate"] for s in specs])
        lo = np.array([result.rows[s][key]["low"] for s in specs])
        hi = np.array([result.rows[s][key]["high"] for s in specs])
        ax.errorbar(x + offset, est, yerr=[est - lo, hi - est], fmt="o", capsize=4, label=label)
    ax.axhline(0, color="black", lw=0.5)
    ax.set_xticks(x, specs, rotation=20, fontsize=8), ax.set_ylabel("% of the reference's PnL"), ax.legend()
    ax.set_title("paired gain per day with its 95% day-block bootstrap interval")
    intervals = figure_png(fig)
    rows = "".join(
        f"<tr><td>{escape(spec)}</td><td>{r['hedged_pnl_bps_per_day']:+.4f}</td>"
        f"<td>{escape(_pct(r['gain_vs_static_pct']))}</td><td>{escape(_pct(r['gain_vs_heuristic_pct']))}</td></tr>"
        for spec, r in result.rows.items()
    )
    info = "".join(f"<li><b>{escape(str(k))}</b>: {escape(str(v))}</li>" for k, v in meta.items())
    html = f"""<!doctype html><html><head><meta charset="utf-8"><title>lamm evaluate fee</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1100px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}td:first-child{{text-align:left}}</style>
</head><body><h1>lamm evaluate fee</h1>
<p>Hedged LP PnL per evaluated day (bps of TVL), and the paired gain over the best static fee and the best tuned
heuristic (both chosen with hindsight on these days), with 95% day-block bootstrap intervals. Generated
{datetime.now(UTC).isoformat(timespec="seconds")}.</p><ul>{info}</ul>
<table><tr><th>strategy</th><th>PnL bps/day</th><th>vs best static</th><th>vs best heuristic</th></tr>{rows}</table>
<h2>Cumulative gain</h2><img src='data:image/png;base64,{cumulative}'>
<h2>Intervals</h2><img src='data:image/png;base64,{intervals}'></body></html>"""
    write_atomic(out_dir / "report.html", html)
    return out_dir / "report.html"
