"""One daemon per schedule database: a lock row with the owner's host, pid and heartbeat.

APScheduler 3 does not share a job store between running schedulers (both would run every job), so a second
`lamm schedule run` on the same database refuses to start while the first is alive: same host and its pid
exists, or another host with a heartbeat younger than STALE_S. A daemon killed with SIGKILL leaves its row;
the next one on the same host sees the pid gone and takes over at once.
"""

from __future__ import annotations

import os
import socket

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from agents.schedule.ledger import aware, utcnow

STALE_S = 30.0
METADATA = MetaData()
LOCK = Table(
    "lamm_schedule_daemon",
    METADATA,
    Column("name", String(16), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("heartbeat_at", DateTime(timezone=True), nullable=False),
)


def acquire(engine, where: str) -> None:
    METADATA.create_all(engine)
    host, pid = socket.gethostname(), os.getpid()
    try:
        with engine.begin() as c:
            row = c.execute(select(LOCK)).mappings().first()
            if row and _alive(row):
                age = (utcnow() - aware(row["heartbeat_at"])).total_seconds()
                raise ValueError(
                    f"another schedule daemon (pid {row['pid']} on {row['host']}, heartbeat {age:.0f} s ago) is "
                    f"using {where}; stop it first (a daemon on another host is taken as dead after {STALE_S:.0f} s "
                    "without a heartbeat)"
                )
            c.execute(delete(LOCK))
            now = utcnow()
            c.execute(insert(LOCK).values(name="daemon", host=host, pid=pid, started_at=now, heartbeat_at=now))
    except IntegrityError:
        raise ValueError(f"another schedule daemon started on {where} at the same moment; stop it first") from None


def heartbeat(engine) -> None:
    with engine.begin() as c:
        c.execute(update(LOCK).where(LOCK.c.pid == os.getpid()).values(heartbeat_at=utcnow()))


def release(engine) -> None:
    with engine.begin() as c:
        c.execute(delete(LOCK).where(LOCK.c.pid == os.getpid(), LOCK.c.host == socket.gethostname()))


def _alive(row) -> bool:
    if row["host"] == socket.gethostname():
        if row["pid"] == os.getpid():
            return False
        try:
            os.kill(row["pid"], 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return (utcnow() - aware(row["heartbeat_at"])).total_seconds() < STALE_S
