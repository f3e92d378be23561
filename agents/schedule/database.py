"""The schedule database: its URL (--db, LAMM_SCHEDULE_DB, else SQLite at ~/.lamm/schedule.db) and engine."""

from __future__ import annotations

import os
from pathlib import Path

ENV = "LAMM_SCHEDULE_DB"


def default_path() -> Path:
    return Path.home() / ".lamm" / "schedule.db"


def database_url(url: str | None = None) -> str:
    """The URL to use: `url`, else $LAMM_SCHEDULE_DB, else the default SQLite file; a bare path means SQLite."""
    url = url or os.environ.get(ENV) or ""
    if not url:
        path = default_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    return url


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
        engine = create_engine(url, connect_args={"timeout": 30} if sqlite else {}, pool_pre_ping=not sqlite)
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


def _sqlite_pragmas(connection, _record) -> None:
    """WAL lets the CLI read and add jobs while the daemon writes; a busy database is waited for."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _first_line(e: Exception) -> str:
    text = str(getattr(e, "orig", None) or e).strip().splitlines()
    return text[0] if text else type(e).__name__
