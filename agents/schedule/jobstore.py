"""Jobs in the persistent job store: add, list, pause, resume, remove (a paused scheduler writes them, so
the CLI works whether or not a daemon is running; a running daemon picks changes up within seconds)."""

from __future__ import annotations

import re
import secrets
from contextlib import contextmanager
from datetime import UTC

from agents.schedule.database import open_engine, shown
from agents.schedule.jobs import KINDS
from agents.schedule.triggers import make_trigger

TABLE = "lamm_schedule_jobs"
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def build_scheduler(engine, executor=None):
    """An APScheduler 3 BackgroundScheduler on the SQLAlchemy job store: one run per job at a time, missed
    runs coalesced into one, a run more than misfire_grace_time late skipped."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.base import STATE_RUNNING

    class Scheduler(BackgroundScheduler):
        """Processes jobs only while running: on shutdown APScheduler 3 wakes its thread once more, which
        would hand due jobs to the executors it has just shut down (and a paused manager must run nothing)."""

        def _process_jobs(self):
            return super()._process_jobs() if self.state == STATE_RUNNING else None

    return Scheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=TABLE)},
        executors={"default": executor or ThreadPoolExecutor(max_workers=1)},
        job_defaults=JOB_DEFAULTS,
        timezone=UTC,
    )


@contextmanager
def managed(db: str | None):
    """(scheduler started paused, where) for changing jobs without running any."""
    engine = open_engine(db)
    scheduler = build_scheduler(engine)
    scheduler.engine = engine
    scheduler.start(paused=True)
    try:
        yield scheduler, shown(engine.url.render_as_string(hide_password=False))
    finally:
        scheduler.shutdown(wait=False)
        engine.dispose()


def add_job(
    db: str | None,
    kind: str,
    kwargs: dict,
    every: str | None = None,
    cron: str | None = None,
    job_id: str | None = None,
    misfire_grace: int = 60,
) -> dict:
    """Adds a job; returns its description (id, kind, trigger, next run, kwargs)."""
    from apscheduler.jobstores.base import ConflictingIdError

    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}; use {' or '.join(KINDS)}")
    trigger, described = make_trigger(every, cron)
    if misfire_grace <= 0:
        raise ValueError(f"--misfire-grace {misfire_grace}: give a positive number of seconds")
    job_id = job_id or f"{kind}-{secrets.token_hex(3)}"
    if not _ID.match(job_id):
        raise ValueError(f"--id {job_id!r}: use letters, digits, '.', '_' or '-' (at most 64)")
    with managed(db) as (scheduler, where):
        try:
            job = scheduler.add_job(
                KINDS[kind],
                trigger,
                id=job_id,
                name=f"{kind} {described}",
                kwargs=kwargs,
                misfire_grace_time=misfire_grace,
            )
        except ConflictingIdError:
            raise ValueError(f"--id {job_id}: a job with that id exists in {where}; remove it first") from None
        return describe(job)


def list_jobs(db: str | None) -> list[dict]:
    with managed(db) as (scheduler, _):
        return [describe(j) for j in scheduler.get_jobs()]


def change_job(db: str | None, job_id: str, action: str) -> dict | None:
    """pause, resume or remove a job by id; ValueError naming the database when there is no such job."""
    from apscheduler.jobstores.base import JobLookupError

    from agents.portfolio.memory import StrategyMemory

    with managed(db) as (scheduler, where):
        try:
            if action == "remove":
                job = scheduler.get_job(job_id)
                scheduler.remove_job(job_id)
                StrategyMemory(scheduler.engine, job_id, "").forget()  # a new job of this id starts over
                return describe(job) if job else None
            return describe(getattr(scheduler, f"{action}_job")(job_id))
        except JobLookupError:
            raise ValueError(f"no scheduled job {job_id!r} in {where}; `lamm schedule list` shows the ids") from None


def job_rpcs(engine) -> dict[str, str]:
    """Each job's RPC URL by job id: only the job store keeps it whole (the ledger, redacted), and reconciling
    a run needs it."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    store = SQLAlchemyJobStore(engine=engine, tablename=TABLE)
    store.start(None, "default")  # creates the table when missing
    return {job.id: job.kwargs["rpc"] for job in store.get_all_jobs() if job.kwargs.get("rpc")}


def describe(job) -> dict:
    kind = next((k for k, ref in KINDS.items() if ref == job.func_ref), job.func_ref)
    trigger = job.name.split(" ", 1)[1] if " " in job.name else str(job.trigger)
    return {"id": job.id, "kind": kind, "trigger": trigger, "next_run": job.next_run_time, "kwargs": job.kwargs}
