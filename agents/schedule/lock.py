"""One daemon per schedule database: a lock row with the owner's host, pid and heartbeat.

APScheduler 3 does not share a job store between running schedulers (both would run every job), so a second
`lamm schedule run` on the same database refuses to start while the first is alive: same host and its pid
exists, or another host with a heartbeat younger than STALE_S. A daemon killed with SIGKILL leaves its row;
the next one on the same host sees the pid gone and takes over at once.

Taking the lock is one serialised transaction: on SQLite `BEGIN IMMEDIATE` (the write lock first, so two
daemons starting at once read, check and write one after the other); everywhere, the old row is deleted only
if it is still the one that was read, and the new one is inserted under the table's primary key (a second
insert fails). A daemon checks at each heartbeat that the row is still its own (`heartbeat` says False when
another daemon took over, e.g. after this one was suspended longer than STALE_S).
"""

from __future__ import annotations

import os
import socket

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from agents.schedule.database import create_tables
from agents.schedule.ledger import aware, utcnow

STALE_S = 30.0
NAME = "daemon"
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


class DaemonRunning(ValueError):
    """Another schedule daemon holds the database."""


class LockLost(ValueError):
    """The lock row is no longer this daemon's: another daemon took the database over."""


def acquire(engine, where: str) -> None:
    """Takes the lock for this process, or raises DaemonRunning saying who holds it."""
    create_tables(engine, METADATA)
    host, pid = socket.gethostname(), os.getpid()
    try:
        with engine.connect() as c:
            if engine.dialect.name == "sqlite":
                c.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock before reading: daemons go one at a time
            row = c.execute(select(LOCK)).mappings().first()
            if row and _alive(row):
                age = (utcnow() - aware(row["heartbeat_at"])).total_seconds()
                raise DaemonRunning(
                    f"another schedule daemon (pid {row['pid']} on {row['host']}, heartbeat {age:.0f} s ago) is "
                    f"using {where}; stop it first (a daemon on another host is taken as dead after {STALE_S:.0f} s "
                    "without a heartbeat)"
                )
            if row and not _delete_if_unchanged(c, row):
                raise _same_moment(where)
            now = utcnow()
            c.execute(insert(LOCK).values(name=NAME, host=host, pid=pid, started_at=now, heartbeat_at=now))
            c.commit()
    except IntegrityError:  # another daemon inserted its row first
        raise _same_moment(where) from None


def _same_moment(where: str) -> DaemonRunning:
    return DaemonRunning(f"another schedule daemon started on {where} at the same moment; stop it first")


def _delete_if_unchanged(c, row) -> bool:
    """Deletes the dead daemon's row only if it is still the one read (no one took it over meanwhile)."""
    gone = c.execute(
        delete(LOCK).where(
            LOCK.c.name == row["name"],
            LOCK.c.host == row["host"],
            LOCK.c.pid == row["pid"],
            LOCK.c.heartbeat_at == row["heartbeat_at"],
        )
    )
    return gone.rowcount == 1


def heartbeat(engine) -> bool:
    """Renews this daemon's heartbeat; False when the lock row is no longer its own."""
    with engine.begin() as c:
        return c.execute(update(LOCK).where(*_mine()).values(heartbeat_at=utcnow())).rowcount == 1


def holder(engine) -> str:
    """Who holds the lock now, for messages."""
    with engine.connect() as c:
        row = c.execute(select(LOCK)).mappings().first()
    return f"pid {row['pid']} on {row['host']}" if row else "no daemon (its row was deleted)"


def release(engine) -> None:
    with engine.begin() as c:
        c.execute(delete(LOCK).where(*_mine()))


def _mine():
    return LOCK.c.name == NAME, LOCK.c.pid == os.getpid(), LOCK.c.host == socket.gethostname()


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
