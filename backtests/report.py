"""Backtest outputs: the console table, the JSON file, and a self-contained HTML report with a CSV.

Every file is written to a temporary name and moved into place, so an interrupted run leaves either the
old file or the new one, never half of one.
"""

from __future__ import annotations

import base64
import io
import json
import os
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from backtests.metrics import daily, step_series  # noqa: E402
from envs.market import Market  # noqa: E402

CONSOLE_COLUMNS = (
    "hedged_pnl_bps_per_day",
    "fees_bps_per_day",
    "lvr_bps_per_day",
    "mean_fee_bps",
    "kept_share",
    "sharpe",
)
CONSOLE_LABELS = {  # short, so that the table fits 80 columns; CONSOLE_UNITS says what they are in
    "hedged_pnl_bps_per_day": "PnL/d",
    "fees_bps_per_day": "fees/d",
    "lvr_bps_per_day": "LVR/d",
    "mean_fee_bps": "fee",
    "kept_share": "kept",
}
CONSOLE_UNITS = "PnL, fees, LVR: bps of TVL per day; fee: bps"
TABLE_COLUMNS = (
    ("hedged_pnl_bps_per_day", "hedged PnL bps/day", "{:+.4f}"),
    ("fees_bps_per_day", "fees bps/day", "{:.3f}"),
    ("lvr_bps_per_day", "LVR bps/day", "{:.3f}"),
    ("mean_fee_bps", "mean fee bps", "{:.1f}"),
    ("uninformed_volume_kept", "uninformed kept", "{:,.0f}"),
    ("kept_share", "kept share", "{:.1%}"),
    ("arb_volume", "arb volume", "{:,.0f}"),
    ("sharpe", "Sharpe", "{:+.2f}"),
    ("max_drawdown_bps", "max DD bps", "{:.2f}"),
    ("pnl_arb_bps_per_day", "PnL arbitrage", "{:+.4f}"),
    ("pnl_informed_bps_per_day", "PnL informed", "{:+.4f}"),
    ("pnl_uninformed_bps_per_day", "PnL uninformed", "{:+.4f}"),
    ("mean_fee_buy_bps", "buy fee bps", "{:.1f}"),
    ("mean_fee_sell_bps", "sell fee bps", "{:.1f}"),
    ("effective_fee_bps", "fee paid bps", "{:.1f}"),
)


def shown_path(path: str | Path) -> str:
    """A path as people should read it: relative to the working directory when it lies below it."""
    text = str(path)
    try:
        return str(Path(text).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return text


def write_atomic(path: Path, data: bytes | str) -> None:
    """Writes `data` to `path` through a temporary file in the same folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def metrics_json(results: Mapping[str, Mapping[str, float]], meta: Mapping[str, object]) -> str:
    return json.dumps({"strategies": results, "meta": meta}, indent=2, sort_keys=False) + "\n"


def figure_png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _times(market: Market) -> np.ndarray:
    return market.step_time.astype("datetime64[s]")


def _broken(market: Market, values: np.ndarray) -> np.ndarray:
    """Values with NaN at the first step after a hole in the data, so lines do not bridge the hole."""
    step = np.median(np.diff(market.step_time)) if market.n_steps > 1 else 0
    out = np.asarray(values, dtype=np.float64).copy()
    out[1:][np.diff(market.step_time) > 10 * max(step, 1)] = np.nan
    return out


def _figures(market: Market, runs: Mapping[str, np.ndarray], results: Mapping[str, Mapping[str, float]]):
    t = _times(market)
    series = {spec: step_series(market, steps) for spec, steps in runs.items()}
    first = next(iter(series.values()))
    fig, ax = plt.subplots(figsize=(10, 3))
    ax.plot(t, _broken(market, market.spec.human_price(first["fair_price"])), lw=0.8)
    ax.set_title(f"venue price ({market.spec.price_unit})")
    yield f"Venue price ({market.spec.price_unit})", figure_png(fig)
    fig, ax = plt.subplots(figsize=(10, 3))
    for spec, s in series.items():
        ax.plot(t, _broken(market, s["fee_bps"]), lw=0.8, label=spec)
    ax.set_ylabel("bps"), ax.set_title("fee path"), ax.legend(fontsize=7)
    yield "Fee path", figure_png(fig)
    fig, ax = plt.subplots(figsize=(10, 3.5))
    for spec, s in series.items():
        ax.plot(t, np.cumsum(s["hedged_pnl_bps"]), lw=1, label=spec)
    ax.set_ylabel("bps of TVL"), ax.set_title("cumulative hedged LP PnL (fees - LVR)"), ax.legend(fontsize=7)
    yield "Cumulative hedged PnL", figure_png(fig)
    fig, ax = plt.subplots(figsize=(10, 3.5))
    specs = list(results)
    x = np.arange(len(specs))
    ax.bar(x - 0.2, [results[s]["fees_bps_per_day"] for s in specs], 0.4, label="fees")
    ax.bar(x + 0.2, [results[s]["lvr_bps_per_day"] for s in specs], 0.4, label="LVR")
    ax.set_xticks(x, specs, rotation=20, fontsize=8), ax.set_ylabel("bps/day"), ax.legend()
    ax.set_title("fees vs LVR")
    yield "LVR vs fees", figure_png(fig)
    fig, ax = plt.subplots(figsize=(10, 3.5))
    width = 0.8 / 6
    for j, (src, kind) in enumerate((s, k) for s in ("arb", "informed", "uninformed") for k in ("fees", "markout")):
        values = [results[spec][f"{kind}_{src}_bps_per_day"] for spec in specs]
        ax.bar(x - 0.4 + (j + 0.5) * width, values, width, label=f"{src} {kind}")
    ax.axhline(0, color="black", lw=0.5)
    ax.set_xticks(x, specs, rotation=20, fontsize=8), ax.set_ylabel("bps/day"), ax.legend(fontsize=7, ncol=3)
    ax.set_title("PnL by source: fees earned and markout (negative: paid to better-informed traders)")
    yield "PnL by source", figure_png(fig)


def step_frame(market: Market, runs: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Per-step series of every strategy, long format; prices in the numeraire per whole base token."""
    frames = []
    for spec, steps in runs.items():
        s = step_series(market, steps)
        df = pd.DataFrame({k: v for k, v in s.items() if k not in ("fair_price", "pool_price")})
        df.insert(0, "pool_price", market.spec.human_price(s["pool_price"]))
        df.insert(0, "fair_price", market.spec.human_price(s["fair_price"]))
        df.insert(0, "time", pd.to_datetime(market.step_time, unit="s", utc=True))
        df.insert(0, "strategy", spec)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def write_report(
    out_dir: Path,
    market: Market,
    runs: Mapping[str, np.ndarray],
    results: Mapping[str, Mapping[str, float]],
    meta: Mapping[str, object],
) -> Path:
    """Writes report.html (plots inline) and steps.csv into out_dir; returns the HTML path."""
    out_dir = Path(out_dir)
    rows = "".join(
        "<tr><td>"
        + escape(spec)
        + "</td>"
        + "".join(f"<td>{fmt.format(m[key])}</td>" for key, _, fmt in TABLE_COLUMNS)
        + "</tr>"
        for spec, m in results.items()
    )
    head = "".join(f"<th>{escape(label)}</th>" for _, label, _ in TABLE_COLUMNS)
    days, _ = daily(market, np.zeros(market.n_steps))
    info = "".join(f"<li><b>{escape(str(k))}</b>: {escape(str(v))}</li>" for k, v in meta.items())
    figures = "".join(
        f"<h2>{escape(title)}</h2><img src='data:image/png;base64,{b64}'>"
        for title, b64 in _figures(market, runs, results)
    )
    html = f"""<!doctype html><html><head><meta charset="utf-8"><title>lamm backtest</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1100px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}td:first-child{{text-align:left}}</style>
</head><body><h1>lamm backtest</h1>
<p>{len(days)} days, {market.n_steps} steps, generated {datetime.now(UTC).isoformat(timespec="seconds")}.
Hedged PnL is fee income minus loss-versus-rebalancing, in bps of pool value.</p><ul>{info}</ul>
<table><tr><th>strategy</th>{head}</tr>{rows}</table>{figures}
<p>Per-step series: <a href="steps.csv">steps.csv</a>.</p></body></html>"""
    write_atomic(out_dir / "steps.csv", step_frame(market, runs).to_csv(index=False))
    write_atomic(out_dir / "report.html", html)
    return out_dir / "report.html"
