"""`lamm schedule run`: the foreground daemon.

Start: open the database, take the daemon lock, reconcile every run a crash left unsettled, then run the
jobs with a BackgroundScheduler (one worker thread: runs go one at a time, one instance per job, missed runs
coalesced) while the main thread keeps the status line, the lock's heartbeat, and polls the job store so
that jobs added, paused or removed from another shell take effect within seconds.

Stop (--for, --runs, SIGINT or SIGTERM): no new run starts; the run in flight finishes (up to `grace`
seconds) and is recorded. A second signal, or the grace running out, abandons it at its next safe point
(before its next transaction; it is recorded failed with what it did). A run that still does not end stays
in flight in the ledger, for the next daemon to reconcile.

A daemon that finds at a heartbeat that its lock row is no longer its own (another daemon took the database
over, e.g. after this one was suspended) starts nothing more, abandons the run in flight at its next safe
point and raises LockLost. Every line it logs is redacted of the jobs' RPC URLs.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from agents.chain.secrets import redact
from agents.schedule import lock, runtime
from agents.schedule.database import open_engine, shown
from agents.schedule.jobstore import job_rpcs
from agents.schedule.ledger import DONE, Ledger
from agents.schedule.reconcile import reconcile_all

POLL_S, HEARTBEAT_S = 2.0, 5.0


class Daemon:
    def __init__(
        self,
        db: str | None = None,
        log: Callable[[str], None] = print,
        status: Callable[[str], None] | None = None,
        grace: float = 60.0,
    ):
        self.db, self.status, self.grace = db, status or (lambda _: None), grace
        self._say, self._urls = log, set()  # the jobs' RPC URLs, redacted from every line
        self.stopping = threading.Event()
        self.lost: str | None = None  # why the lock is no longer ours
        self.finished: list[dict] = []
        self.skipped = 0
        self.on_finish: list[Callable[[dict], None]] = []

    def run(self, duration: float | None = None, runs: int | None = None) -> list[dict]:
        """Runs jobs until `duration` seconds passed, `runs` runs finished, or a signal; returns the runs."""
        if duration is not None and duration <= 0 or runs is not None and runs <= 0:
            raise ValueError("--for and --runs take positive numbers")
        engine = open_engine(self.db)
        import logging

        from agents.chain.toolchain import prepare

        logging.getLogger("apscheduler").setLevel(logging.ERROR)  # the daemon says skips and misses in one line

        prepare()
        import ape  # noqa: F401 - imported here, in the main thread, before our signal handlers

        where = f"schedule database {shown(engine.url.render_as_string(hide_password=False))}"
        ledger = Ledger(engine)
        lock.acquire(engine, where)
        control = self._control = runtime.Control(ledger, self.log)
        runtime.install(control)
        previous = self._signals()
        scheduler = None
        try:
            self.log(f"schedule daemon on {where}")
            if runtime.injected_fault(runtime.CRASH_ENV) or runtime.injected_fault(runtime.SLOW_ENV):
                self.log(f"test fault injection is on (${runtime.FAULTS_ENV}=1): not for real use")
            rpcs = job_rpcs(engine)
            self._urls.update(rpcs.values())
            reconcile_all(ledger, self.log, rpcs)
            scheduler = self._scheduler(engine, control)
            control.on_finish.append(lambda row: self._finished(row, runs, scheduler))
            scheduler.start()
            self._loop(engine, scheduler, control, duration)
            self._shutdown(scheduler, control)
            if self.lost:
                raise lock.LockLost(self.lost)
        finally:
            if scheduler is not None and scheduler.running:
                scheduler.shutdown(wait=False)
            runtime.install(None)
            lock.release(engine)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            engine.dispose()
        return self.finished

    def log(self, line: str) -> None:
        """A line for people, without the jobs' RPC URLs (nor parts of them, nor requests' url fragments)."""
        self._say(redact(line, *self._urls))

    def _scheduler(self, engine, control):
        from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED

        from agents.schedule.jobstore import build_scheduler

        scheduler = build_scheduler(engine, executor=runtime.LedgerExecutor())

        def event(e) -> None:
            times = getattr(e, "scheduled_run_times", None) or [getattr(e, "scheduled_run_time", None)]
            when = f"{times[-1]:%H:%M:%S}" if times[-1] else "?"
            if e.code == EVENT_JOB_MAX_INSTANCES:
                self.skipped += 1
                self.log(f"[{e.job_id}] run due at {when} skipped: its previous run is still going (one at a time)")
            elif e.code == EVENT_JOB_MISSED:
                self.log(f"[{e.job_id}] run due at {when} missed by more than its misfire grace time: skipped")
            elif e.code == EVENT_JOB_ERROR:
                self.log(f"[{e.job_id}] run due at {when} raised outside its ledger row: {e.exception!r}")

        scheduler.add_listener(event, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED | EVENT_JOB_ERROR)
        return scheduler

    def _finished(self, row: dict, runs: int | None, scheduler) -> None:
        self.finished.append(row)
        mark = "" if row["status"] == DONE else f" [{row['status']}]"
        self.log(
            f"[{row['job_id']} {row['run_id']}] {row['kind']} {row['status']} in {row['duration_s']:.1f} s"
            f"{mark}: {row['summary']}"
        )
        for listener in self.on_finish:
            listener(row)
        if runs is not None and len(self.finished) >= runs:
            scheduler.pause()  # from the job thread, before it returns: no further run starts
            self.stopping.set()

    def _loop(self, engine, scheduler, control, duration: float | None) -> None:
        started = time.monotonic()
        last_poll = last_beat = started
        while not self.stopping.wait(0.25):
            now = time.monotonic()
            if duration is not None and now - started >= duration:
                break
            if now - last_poll >= POLL_S:
                scheduler.wakeup()  # jobs changed from another process
                last_poll = now
                self.status(self._status_line(scheduler, control, now - started))
            if now - last_beat >= HEARTBEAT_S:
                if not lock.heartbeat(engine):
                    self._lost(engine, scheduler, control)
                    break
                last_beat = now

    def _lost(self, engine, scheduler, control) -> None:
        """Another daemon holds the lock now: nothing more starts here, and the run in flight stops before its
        next transaction (the other daemon may already be reconciling it)."""
        scheduler.pause()
        control.abandon.set()
        holder = lock.holder(engine)
        self.lost = (
            f"this daemon lost the schedule database's lock to another daemon ({holder}); it stopped scheduling "
            "and abandoned any run in flight before its next transaction. Run one daemon per database"
        )
        self.log(f"lost the lock to another daemon ({holder}): stopping")

    def _status_line(self, scheduler, control, elapsed: float) -> str:
        jobs = scheduler.get_jobs()
        self._urls.update(j.kwargs["rpc"] for j in jobs if j.kwargs.get("rpc"))
        upcoming = sorted((j.next_run_time, j.id) for j in jobs if j.next_run_time)
        nxt = f"next {upcoming[0][1]} at {upcoming[0][0].astimezone(UTC):%H:%M:%S} UTC" if upcoming else "none due"
        running = ", ".join(f"{r.job_id} ({r.status})" for r in list(control.active.values())) or "idle"
        failed = sum(1 for r in self.finished if r["status"] != DONE)
        return (
            f"{len(jobs)} job(s), {len(jobs) - len(upcoming)} paused; {running}; {nxt}; {len(self.finished)} run(s) "
            f"this session, {failed} not done, {self.skipped} skipped as overlapping; up {elapsed:.0f} s"
        )

    def _shutdown(self, scheduler, control) -> None:
        scheduler.pause()
        if control.active:
            names = ", ".join(f"{r.job_id} run {r.id}" for r in control.active.values())
            self.log(f"stopping: waiting up to {self.grace:g} s for the run in flight ({names}) to finish")
            deadline = time.monotonic() + self.grace
            while control.active and time.monotonic() < deadline and not control.abandon.is_set():
                time.sleep(0.1)
            if control.active:
                control.abandon.set()
                self.log("abandoning the run in flight at its next safe point (before its next transaction)")
                deadline = time.monotonic() + 30
                while control.active and time.monotonic() < deadline:
                    time.sleep(0.1)
            if control.active:
                self.log("the run did not stop: it stays in flight in the ledger for the next daemon to reconcile")
        scheduler.shutdown(wait=not control.active)
        self.log(f"stopped at {datetime.now(UTC):%H:%M:%S} UTC after {len(self.finished)} run(s)")

    def _signals(self) -> dict:
        if threading.current_thread() is not threading.main_thread():
            return {}

        def handler(signum, _frame) -> None:
            if self.stopping.is_set():
                self._control.abandon.set()
                return
            self.log(f"{signal.Signals(signum).name}: stopping (signal again to abandon the run in flight)")
            self.stopping.set()

        previous = {}
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.getsignal(sig)
            signal.signal(sig, handler)
        return previous
