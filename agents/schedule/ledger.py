"""The run ledger: one row per scheduled run, in the schedule database (SQLAlchemy Core).

A run goes running -> intent (what it will send, the sender and its nonce, recorded before anything is sent)
-> sent (a transaction left) -> done or failed; a run a crash left in flight becomes `reconciled` when a later
daemon has established from the chain what it did. `tx_hashes` lists every transaction of the run, each
recorded with its hash before it is broadcast: state signed -> broadcast -> mined | reverted | rejected |
dropped (| pending while a node still holds it).
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime

from sqlalchemy import JSON, Column, DateTime, Float, Integer, MetaData, String, Table, Text, insert, select, update

from agents.schedule.database import create_tables

RUNNING, INTENT, SENT, DONE, FAILED, RECONCILED = "running", "intent", "sent", "done", "failed", "reconciled"
IN_FLIGHT = (RUNNING, INTENT, SENT)
UNSETTLED_TX = ("signed", "broadcast", "pending")  # outcome not known yet

METADATA = MetaData()
RUNS = Table(
    "lamm_schedule_runs",
    METADATA,
    Column("run_id", String(32), primary_key=True),
    Column("job_id", String(191), index=True, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("status", String(16), index=True, nullable=False),
    Column("scheduled_at", DateTime(timezone=True)),  # the trigger's fire time
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("duration_s", Float),
    Column("inputs", JSON),  # the job's options (the RPC URL is never printed)
    Column("decision", JSON),  # what the strategy or policy decided
    Column("intent", JSON),  # what the run will send, recorded before it sends anything
    Column("tx_hashes", JSON),  # [{hash, nonce, to, state, label, block, gas_used}], each before broadcast
    Column("sender", String(42)),
    Column("nonce", Integer),  # the sender's nonce when the intent was recorded
    Column("intent_block", Integer),  # the head block then: reconciliation looks from here
    Column("result", JSON),  # the executor's report or the fee step
    Column("summary", Text),  # one line for people
    Column("error", Text),
    Column("evidence", JSON),  # what reconciliation read from the chain
    Column("daemon", String(128)),  # host:pid of the daemon that ran it
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; they were written in UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def daemon_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Ledger:
    """Reads and writes run rows; every write is its own committed transaction, so a crash loses nothing
    written before it."""

    def __init__(self, engine):
        self.engine = engine
        create_tables(engine, METADATA)

    def start(self, job_id: str, kind: str, scheduled: datetime | None, inputs: dict) -> str:
        run_id = uuid.uuid4().hex[:12]
        values = dict(run_id=run_id, job_id=job_id, kind=kind, status=RUNNING, scheduled_at=scheduled)
        values.update(started_at=utcnow(), inputs=inputs, tx_hashes=[], daemon=daemon_name())
        with self.engine.begin() as c:
            c.execute(insert(RUNS).values(**values))
        return run_id

    def update(self, run_id: str, **values) -> None:
        with self.engine.begin() as c:
            c.execute(update(RUNS).where(RUNS.c.run_id == run_id).values(**values))

    def add_tx(self, run_id: str, entry: dict) -> None:
        with self.engine.begin() as c:
            txs = c.execute(select(RUNS.c.tx_hashes).where(RUNS.c.run_id == run_id)).scalar_one() or []
            c.execute(update(RUNS).where(RUNS.c.run_id == run_id).values(tx_hashes=[*txs, entry]))

    def set_tx(self, run_id: str, tx_hash: str, **changes) -> None:
        with self.engine.begin() as c:
            txs = c.execute(select(RUNS.c.tx_hashes).where(RUNS.c.run_id == run_id)).scalar_one() or []
            txs = [{**t, **changes} if t["hash"] == tx_hash else t for t in txs]
            c.execute(update(RUNS).where(RUNS.c.run_id == run_id).values(tx_hashes=txs))

    def finish(self, run_id: str, status: str, summary: str, **values) -> None:
        row = self.get(run_id)
        now = utcnow()
        self.update(
            run_id,
            status=status,
            summary=summary,
            finished_at=now,
            duration_s=round((now - row["started_at"]).total_seconds(), 3),
            **values,
        )

    def get(self, run_id: str) -> dict:
        with self.engine.connect() as c:
            row = c.execute(select(RUNS).where(RUNS.c.run_id == run_id)).mappings().one()
        return _row(row)

    def runs(self, job_id: str | None = None, limit: int | None = None) -> list[dict]:
        """Runs, oldest first (the newest `limit` of them)."""
        query = select(RUNS).order_by(RUNS.c.started_at.desc())
        if job_id:
            query = query.where(RUNS.c.job_id == job_id)
        if limit:
            query = query.limit(limit)
        with self.engine.connect() as c:
            rows = [_row(r) for r in c.execute(query).mappings()]
        return rows[::-1]

    def unsettled(self, job_id: str | None = None) -> list[dict]:
        """Runs left in flight, and finished runs with a transaction whose outcome is not known yet."""
        return [
            r
            for r in self.runs(job_id)
            if r["status"] in IN_FLIGHT or any(t.get("state") in UNSETTLED_TX for t in r["tx_hashes"])
        ]


def _row(row) -> dict:
    out = dict(row)
    for key in ("scheduled_at", "started_at", "finished_at"):
        out[key] = aware(out[key])
    out["tx_hashes"] = out["tx_hashes"] or []
    return out
