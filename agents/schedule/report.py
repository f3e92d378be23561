"""What people see of jobs and runs: RPC URLs never shown, ledger rows as a table or JSON."""

from __future__ import annotations

import os
import re
from datetime import datetime
from urllib.parse import urlsplit

SECRET_INPUTS = ("rpc",)
DEFAULTS = {"router": "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D", "tolerance_bps": 50, "min_trade_bps": 10.0}
DEFAULTS["deadline"] = 300


def redact(text: str, *urls: str | None) -> str:
    """`text` without the given RPC URLs (nor $ETH_RPC_URL), their host:port, or requests' host=/port= pairs."""
    for url in (*urls, os.environ.get("ETH_RPC_URL")):
        if not url:
            continue
        text = text.replace(url, "<rpc>").replace(url.rstrip("/"), "<rpc>")
        netloc = urlsplit(url).netloc
        if netloc:
            text = text.replace(netloc, "<rpc>")
    return re.sub(r"host='[^']*', port=\d+", "host=<rpc>", text)


def public_inputs(inputs: dict) -> dict:
    """Job options fit to print: the RPC URL becomes 'set'."""
    return {k: ("set" if k in SECRET_INPUTS and v else v) for k, v in inputs.items()}


def public_run(row: dict) -> dict:
    """A ledger row for --json: datetimes as ISO strings, secrets hidden."""
    out = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}
    out["inputs"] = public_inputs(row.get("inputs") or {})
    rpc = (row.get("inputs") or {}).get("rpc")
    for key in ("summary", "error"):
        if out.get(key):
            out[key] = redact(out[key], rpc)
    return out


def _time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def runs_table(rows: list[dict], title: str = "runs"):
    """A rich Table of ledger rows: run, job, status, scheduled and actual start, duration, nonce at intent,
    transactions (whole hashes) and the result."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for name in ("run", "job", "status", "scheduled (UTC)", "started", "s", "nonce"):
        table.add_column(name, overflow="fold")
    table.add_column("transactions", no_wrap=True, min_width=66)  # whole hashes, to copy
    table.add_column("result", overflow="fold", min_width=20)
    for r in rows:
        txs = "\n".join(f"{t['hash'] or '?'}\n  {t.get('state', '')}" for t in r["tx_hashes"]) or "-"
        started = r["started_at"].strftime("%H:%M:%S")
        if r["scheduled_at"]:
            started += f" (+{(r['started_at'] - r['scheduled_at']).total_seconds():.1f}s)"
        table.add_row(
            r["run_id"],
            r["job_id"],
            r["status"],
            r["scheduled_at"].strftime("%m-%d %H:%M:%S") if r["scheduled_at"] else "-",
            started,
            f"{r['duration_s']:.1f}" if r["duration_s"] is not None else "-",
            "-" if r["nonce"] is None else str(r["nonce"]),
            txs,
            redact(r["summary"] or r["error"] or "", (r.get("inputs") or {}).get("rpc")),
        )
    return table


def jobs_table(jobs: list[dict]):
    from rich.table import Table

    table = Table(title="scheduled jobs", title_justify="left")
    for name in ("id", "kind", "trigger", "next run (UTC)", "target", "network", "options"):
        table.add_column(name, overflow="fold")
    for j in jobs:
        kw = public_inputs(j["kwargs"])
        target = kw.pop("vault", None) or kw.pop("pool", None) or "-"
        network = kw.pop("network", "-")
        options = ", ".join(f"{k}={v}" for k, v in kw.items() if v not in (None, False) and DEFAULTS.get(k) != v)
        table.add_row(
            j["id"],
            j["kind"],
            j["trigger"],
            _time(j["next_run"]) if j["next_run"] else "paused",
            target,
            network,
            options,
        )
    return table
