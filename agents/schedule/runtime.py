"""The run in flight: its ledger row, what it may still do, and the test-only fault injection.

The daemon installs a `Control` (ledger, stop and abandon flags, listeners); `LedgerExecutor` tells each job
thread its job id and scheduled time; a job function wraps its work in `recorded_run`, which writes the row
and guarantees it ends done or failed however the job ends (a crash leaves it in flight for reconciliation).

Fault injection (tests only): LAMM_SCHEDULE_CRASH=after-intent|after-send makes the process SIGKILL itself
right after the intent is committed, or right after the node accepted the first transaction;
LAMM_SCHEDULE_SLOW=SECONDS makes every run wait that long after its intent, before sending.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime

from apscheduler.executors.base import run_job
from apscheduler.executors.pool import ThreadPoolExecutor

from agents.schedule.ledger import DONE, FAILED, INTENT, RUNNING, SENT, Ledger

CRASH_ENV, SLOW_ENV = "LAMM_SCHEDULE_CRASH", "LAMM_SCHEDULE_SLOW"

_local = threading.local()
_control: Control | None = None


class Abandoned(Exception):
    """The daemon is shutting down: the run stopped at a safe point, before sending anything more."""


class Control:
    """What the daemon shares with its job threads."""

    def __init__(self, ledger: Ledger, log: Callable[[str], None] = print):
        self.ledger, self.log = ledger, log
        self.abandon = threading.Event()  # set: runs stop at their next safe point
        self.active: dict[str, Run] = {}
        self.on_finish: list[Callable[[dict], None]] = []  # called with the finished ledger row


def install(control: Control | None) -> None:
    global _control
    _control = control


def active_control() -> Control:
    if _control is None:
        raise RuntimeError("scheduled jobs run inside the schedule daemon (`lamm schedule run`)")
    return _control


def current_run() -> Run | None:
    """The run of this thread, if any (the send guard records transactions into it)."""
    return getattr(_local, "run", None)


class LedgerExecutor(ThreadPoolExecutor):
    """APScheduler's thread pool (one worker: Ape's network context is process-wide, so runs go one at a
    time), telling each job thread its job id and the time it was scheduled for."""

    def __init__(self):
        super().__init__(max_workers=1)

    def _do_submit_job(self, job, run_times):
        def callback(f):
            exc = f.exception()
            if exc:
                self._run_job_error(job.id, exc, exc.__traceback__)
            else:
                self._run_job_success(job.id, f.result())

        f = self._pool.submit(_run_job, job, job._jobstore_alias, run_times, self._logger.name)
        f.add_done_callback(callback)


def _run_job(job, jobstore_alias, run_times, logger_name):
    _local.job_id, _local.scheduled = job.id, run_times[-1]
    try:
        return run_job(job, jobstore_alias, run_times, logger_name)
    finally:
        _local.job_id = _local.scheduled = None


class Run:
    """One run's ledger row, written as the run goes."""

    def __init__(self, control: Control, job_id: str, kind: str, scheduled: datetime | None, inputs: dict):
        self.control, self.ledger = control, control.ledger
        self.job_id, self.kind = job_id, kind
        self.id = self.ledger.start(job_id, kind, scheduled, inputs)
        self.status = RUNNING
        self.target: str | None = None  # the contract its transactions go to
        self.label = ""  # what the next transaction is, for the ledger
        self.describe: Callable[[bytes], dict] | None = None  # decodes a transaction's calldata
        self.max_sends: int | None = None
        self.sends = 0
        self.finished = False

    def log(self, line: str) -> None:
        self.control.log(f"[{self.job_id} {self.id}] {line}")

    def account(self, sender: str, nonce: int, block: int) -> None:
        """The sender and its nonce before anything was sent (updated again with the intent)."""
        self.ledger.update(self.id, sender=sender, nonce=nonce, intent_block=block)

    def decide(self, decision: dict) -> None:
        self.ledger.update(self.id, decision=decision)

    def intend(self, intent: dict, sender: str, nonce: int, block: int) -> None:
        """Commits what the run will send, the sender and its nonce; nothing has been sent yet."""
        self.ledger.update(self.id, intent=intent, sender=sender, nonce=nonce, intent_block=block, status=INTENT)
        self.status = INTENT
        crash_point("after-intent")

    def checkpoint(self, where: str) -> None:
        if self.control.abandon.is_set():
            raise Abandoned(f"the daemon is shutting down; stopped {where}")

    def wait_if_slow(self) -> None:
        """Test hook: LAMM_SCHEDULE_SLOW seconds between the intent and the first send."""
        seconds = float(os.environ.get(SLOW_ENV) or 0)
        if seconds > 0:
            self.log(f"slow run (test hook): waiting {seconds:g} s before sending")
            self.control.abandon.wait(seconds)
        self.checkpoint("before sending")

    # the send guard's callbacks

    def before_send(self, tx: dict) -> None:
        """Records a transaction (hash, sender, nonce, to) before it is broadcast."""
        self.checkpoint(f"before sending {self.label or 'a transaction'}")
        if self.max_sends is not None and self.sends >= self.max_sends:
            raise RuntimeError(f"refused to send more than the job's limit of {self.max_sends} transactions")
        if self.target and tx.get("to") and tx["to"].lower() != self.target.lower():
            raise RuntimeError(f"refused to send to {tx['to']}: this run only sends to {self.target}")
        if self.describe and tx.get("data"):
            try:
                tx["call"] = self.describe(tx["data"])
            except Exception:  # noqa: BLE001 - the hash and nonce are what matters
                pass
        tx.pop("data", None)
        entry = {**tx, "label": self.label, "state": "signed"}
        self.sends += 1
        self.ledger.add_tx(self.id, entry)
        if self.status == RUNNING:  # no intent yet (fee updates): this transaction is the intent
            self.intend({"transactions": [entry]}, tx.get("sender"), tx.get("nonce"), tx.get("block"))

    def after_send(self, tx_hash: str, error: str | None = None) -> None:
        if error:
            self.ledger.set_tx(self.id, tx_hash, state="rejected", error=error)
            return
        self.ledger.set_tx(self.id, tx_hash, state="broadcast")
        if self.status != SENT:
            self.ledger.update(self.id, status=SENT)
            self.status = SENT
        crash_point("after-send")

    def settle(self, tx_hash: str, state: str, **values) -> None:
        self.ledger.set_tx(self.id, tx_hash, state=state, **values)

    def finish(self, status: str, summary: str, **values) -> None:
        self.ledger.finish(self.id, status, summary, **values)
        self.status, self.finished = status, True


@contextmanager
def recorded_run(kind: str, inputs: dict, redact: Callable[[str], str] = lambda s: s):
    """A ledger row for the job thread's run; however the body ends, the row ends done or failed."""
    control = active_control()
    run = Run(control, getattr(_local, "job_id", None) or "manual", kind, getattr(_local, "scheduled", None), inputs)
    _local.run = run
    control.active[run.id] = run
    try:
        yield run
        if not run.finished:
            run.finish(DONE, "done")
    except Abandoned as e:
        run.log(str(e))
        run.finish(FAILED, f"abandoned: {e}", error=str(e))
    except Exception as e:  # noqa: BLE001 - every failure ends up in the ledger, with its reason
        reason = redact(f"{type(e).__name__}: {e}".strip().splitlines()[0])
        run.log(f"failed: {reason}")
        run.finish(FAILED, f"failed: {reason}", error=redact(f"{type(e).__name__}: {e}"))
    finally:
        _local.run = None
        control.active.pop(run.id, None)
        row = control.ledger.get(run.id)
        for listener in control.on_finish:
            listener(row)


def crash_point(name: str) -> None:
    """Test-only fault injection: SIGKILL this process here when LAMM_SCHEDULE_CRASH names this point."""
    if os.environ.get(CRASH_ENV) == name:
        print(f"fault injection: SIGKILL {name}", file=sys.stderr, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
