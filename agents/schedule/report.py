"""What people see of jobs and runs: RPC URLs never shown (`agents.chain.secrets.redact` on every text that may
quote one), ledger rows as a table or JSON."""

from __future__ import annotations

from datetime import datetime

from agents.chain.secrets import redact
from agents.schedule.runtime import SECRET_INPUTS, redact_all

DEFAULTS = {"router": "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D", "tolerance_bps": 50, "min_trade_bps": 10.0}
DEFAULTS["deadline"] = 300


def public_inputs(inputs: dict) -> dict:
    """Job options fit to print: the RPC URL becomes 'set'."""
    return {k: ("set" if k in SECRET_INPUTS and v else v) for k, v in inputs.items()}


def public_run(row: dict) -> dict:
    """A ledger row for --json: datetimes as ISO strings, secrets hidden (also in rows written before the
    ledger kept RPC URLs redacted)."""
    out = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}
    out = redact_all(out, (row.get("inputs") or {}).get("rpc"))
    out["inputs"] = public_inputs(row.get("inputs") or {})
    return out


def _time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def runs_table(rows: list[dict], title: str = "runs", width: int = 200):
    """Ledger rows for a console `width` columns wide: a rich Table (run, job, status, scheduled and actual
    start, duration, nonce at intent, transactions with whole hashes, result) when it fits, else one block of
    lines per run, so that a hash is never cut (80-column terminals, pipes, logs)."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    cells = []
    for r in rows:
        started = r["started_at"].strftime("%H:%M:%S")
        if r["scheduled_at"]:
            started += f" (+{(r['started_at'] - r['scheduled_at']).total_seconds():.1f}s)"
        cells.append(
            (
                r["run_id"],
                r["job_id"],
                r["status"],
                r["scheduled_at"].strftime("%m-%d %H:%M:%S") if r["scheduled_at"] else "-",
                started,
                f"{r['duration_s']:.1f}" if r["duration_s"] is not None else "-",
                "-" if r["nonce"] is None else str(r["nonce"]),
                [(t["hash"] or "?", t.get("state", "")) for t in r["tx_hashes"]],
                redact(r["summary"] or r["error"] or "", (r.get("inputs") or {}).get("rpc")),
            )
        )
    names = ("run", "job", "status", "scheduled (UTC)", "started", "s", "nonce")
    fixed = [max([len(n), *(len(c[i]) for c in cells)]) for i, n in enumerate(names)]
    if sum(fixed) + 66 + 20 + 3 * (len(names) + 2) + 1 <= width:
        table = Table(title=title, title_justify="left")
        for name in names:
            table.add_column(name, no_wrap=True)
        table.add_column("transactions", no_wrap=True, min_width=66)  # whole hashes, to copy
        table.add_column("result", overflow="fold", min_width=20)
        for c in cells:
            txs = "\n".join(f"{h}\n  {state}" for h, state in c[7]) or "-"
            table.add_row(*c[:7], txs, c[8])
        return table
    lines = [Text(title, style="italic")]
    for c in cells:
        lines.append(Text(f"{c[0]}  {c[1]}  {c[2]}", style="bold"))
        lines.append(Text(f"  scheduled {c[3]} UTC, started {c[4]}, {c[5]} s, nonce {c[6]}"))
        lines.extend(Text(f"  {h} {state}") for h, state in c[7])
        lines.append(Text(f"  {c[8]}"))
    return Group(*lines)


def jobs_table(jobs: list[dict], width: int = 200):
    """Scheduled jobs for a console `width` columns wide: a table when it fits, else one block per job."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    names = ("id", "kind", "trigger", "next run (UTC)", "target", "network", "options")
    cells = []
    for j in jobs:
        kw = public_inputs(j["kwargs"])
        target = kw.pop("vault", None) or kw.pop("pool", None) or "-"
        network = kw.pop("network", "-")
        options = ", ".join(f"{k}={v}" for k, v in kw.items() if v not in (None, False) and DEFAULTS.get(k) != v)
        next_run = _time(j["next_run"]) if j["next_run"] else "paused"
        cells.append((j["id"], j["kind"], j["trigger"], next_run, target, network, options))
    need = sum(max([len(n), *(len(c[i]) for c in cells)]) for i, n in enumerate(names)) + 3 * len(names) + 1
    if need <= width:
        table = Table(title="scheduled jobs", title_justify="left")
        for name in names:
            table.add_column(name, no_wrap=True)
        for c in cells:
            table.add_row(*c)
        return table
    lines = [Text("scheduled jobs", style="italic")]
    for c in cells:
        lines.append(Text(f"{c[0]}  {c[1]}  {c[2]}", style="bold"))
        lines.append(Text(f"  next run {c[3]}, {c[4]} on {c[5]}"))
        if c[6]:
            lines.append(Text(f"  {c[6]}"))
    return Group(*lines)
