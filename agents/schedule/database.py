"""The schedule database: its URL (--db, LAMM_SCHEDULE_DB, else SQLite at ~/.lamm/schedule.db) and engine.

It holds each job's options, RPC URLs (API keys) included, in the job store: a SQLite file is made readable by
its owner only (0600, in ~/.lamm at 0700 by default) before SQLite opens it.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "LAMM_SCHEDULE_DB"
BUSY_TIMEOUT_S = 30


def default_path() -> Path:
    return Path.home() / ".lamm" / "schedule.db"


def database_url(url: str | None = None) -> str:
    """The URL to use: `url`, else $LAMM_SCHEDULE_DB, else the default SQLite file; a bare path means SQLite."""
    url = url or os.environ.get(ENV) or ""
    if not url:
        path = default_path()
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    return url


def private_sqlite_file(url: str) -> None:
    """For a SQLite file URL: creates the file with mode 0600 if missing, and takes group and others' access
    away from an existing one (and its -wal, -shm and -journal files: SQLite creates those with the database
    file's mode). Anything it may not do (another user's file) is left for SQLite to report or use."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - open_engine says what is wrong with the URL
        return
    name = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or not name or name == ":memory:" or parsed.query.get("uri"):
        return
    path = Path(name)
    if not path.parent.is_dir():
        return  # SQLite says it cannot open it
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass
    except OSError:
        return
    for file in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm", "-journal"))):
        try:
            mode = file.stat().st_mode
            if mode & 0o077:
                file.chmod(mode & 0o700)
        except OSError:
            continue


def shown(url: str) -> str:
    """The URL with any password hidden, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - unparsable: say so without echoing it
        return "<unparsable URL>"


def open_engine(url: str | None = None):
    """An engine on the schedule database, checked by connecting once; ValueError saying what to fix if not."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

    url = database_url(url)
    where = f"schedule database {shown(url)}"
    fix = f"check --db (or ${ENV}): any SQLAlchemy URL, e.g. sqlite:////path/schedule.db or postgresql://..."
    try:
        sqlite = url.startswith("sqlite")
        if sqlite:
            private_sqlite_file(url)
        connect_args = {"timeout": BUSY_TIMEOUT_S} if sqlite else {}
        engine = create_engine(url, connect_args=connect_args, pool_pre_ping=not sqlite)
        if sqlite:
            event.listen(engine, "connect", _sqlite_pragmas)
        with engine.connect():
            pass
    except (ArgumentError, NoSuchModuleError) as e:
        raise ValueError(f"{where}: not a usable SQLAlchemy URL ({_first_line(e)}); {fix}") from None
    except ModuleNotFoundError as e:
        raise ValueError(f"{where}: its database driver is not installed ({e.name}); install it or {fix}") from None
    except SQLAlchemyError as e:
        raise ValueError(f"{where} is unreachable ({_first_line(e)}); {fix}") from None
    return engine


def create_tables(engine, metadata) -> None:
    """Creates the tables of `metadata` that are missing. Two processes starting at once on a new database may
    both find a table missing; the one whose CREATE fails finds the table on a second look."""
    from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

    try:
        metadata.create_all(engine)
    except (OperationalError, ProgrammingError, IntegrityError):
        metadata.create_all(engine)


def _sqlite_pragmas(connection, _record) -> None:
    """WAL lets the CLI read and add jobs while the daemon writes; a busy database is waited for.

    Switching a new file to WAL escalates a shared lock to an exclusive one; when two processes open it at the
    same moment SQLite refuses one at once (deadlock avoidance, no busy handler), so that one tries again: once
    the other has switched, the pragma only reads the mode."""
    import sqlite3
    import time

    cursor = connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
    cursor.close()


def _first_line(e: Exception) -> str:
    text = str(getattr(e, "orig", None) or e).strip().splitlines()
    return text[0] if text else type(e).__name__
