"""The run in flight: its ledger row, what it may still do, and the test-only fault injection.

The daemon installs a `Control` (ledger, stop and abandon flags, listeners); `LedgerExecutor` tells each job
thread its job id and scheduled time; a job function wraps its work in `recorded_run`, which writes the row
and guarantees it ends done or failed however the job ends (a crash leaves it in flight for reconciliation).

Secrets: the run's RPC URL (an API key in its path, query or user part) is stored in the ledger redacted
(`agents.chain.secrets.redacted_url`; only the job store keeps it whole, to run the job), and every text and
JSON value the run writes to the ledger or logs is redacted of it.

Fault injection, for tests only and inert unless LAMM_TEST_FAULTS=1 is also set (a stray variable in a
user's environment does nothing): LAMM_SCHEDULE_CRASH=after-intent|after-send makes the process SIGKILL itself
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

from agents.chain.secrets import redact, redacted_url
from agents.schedule.ledger import DONE, FAILED, INTENT, RUNNING, SENT, Ledger

CRASH_ENV, SLOW_ENV, FAULTS_ENV = "LAMM_SCHEDULE_CRASH", "LAMM_SCHEDULE_SLOW", "LAMM_TEST_FAULTS"
SECRET_INPUTS = ("rpc",)  # job options that may carry an API key

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
        self.urls = tuple(inputs[k] for k in SECRET_INPUTS if inputs.get(k))  # redacted from all it writes
        stored = {k: (redacted_url(v) if k in SECRET_INPUTS else v) for k, v in inputs.items()}
        self.id = self.ledger.start(job_id, kind, scheduled, stored)
        self.status = RUNNING
        self.target: str | None = None  # the contract its transactions go to
        self.label = ""  # what the next transaction is, for the ledger
        self.describe: Callable[[bytes], dict] | None = None  # decodes a transaction's calldata
        self.max_sends: int | None = None
        self.sends = 0
        self.finished = False

    def redact(self, value):
        """`value` without the run's RPC URL or any part of it."""
        return redact_all(value, *self.urls)

    def log(self, line: str) -> None:
        self.control.log(f"[{self.job_id} {self.id}] {self.redact(line)}")

    def update(self, **values) -> None:
        """Writes to the run's ledger row, redacted."""
        self.ledger.update(self.id, **self.redact(values))

    def account(self, sender: str, nonce: int, block: int) -> None:
        """The sender and its nonce before anything was sent (updated again with the intent)."""
        self.update(sender=sender, nonce=nonce, intent_block=block)

    def decide(self, decision: dict) -> None:
        self.update(decision=decision)

    def intend(self, intent: dict, sender: str, nonce: int, block: int) -> None:
        """Commits what the run will send, the sender and its nonce; nothing has been sent yet."""
        self.update(intent=intent, sender=sender, nonce=nonce, intent_block=block, status=INTENT)
        self.status = INTENT
        crash_point("after-intent")

    def checkpoint(self, where: str) -> None:
        if self.control.abandon.is_set():
            raise Abandoned(f"the daemon is shutting down; stopped {where}")

    def wait_if_slow(self) -> None:
        """Test hook: LAMM_SCHEDULE_SLOW seconds between the intent and the first send."""
        seconds = float(injected_fault(SLOW_ENV) or 0)
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
        entry = self.redact({**tx, "label": self.label, "state": "signed"})
        self.sends += 1
        self.ledger.add_tx(self.id, entry)
        if self.status == RUNNING:  # no intent yet (fee updates): this transaction is the intent
            self.intend({"transactions": [entry]}, tx.get("sender"), tx.get("nonce"), tx.get("block"))

    def after_send(self, tx_hash: str, error: str | None = None) -> None:
        if error:
            self.ledger.set_tx(self.id, tx_hash, state="rejected", error=self.redact(error))
            return
        self.ledger.set_tx(self.id, tx_hash, state="broadcast")
        if self.status != SENT:
            self.update(status=SENT)
            self.status = SENT
        crash_point("after-send")

    def settle(self, tx_hash: str, state: str, **values) -> None:
        self.ledger.set_tx(self.id, tx_hash, state=state, **self.redact(values))

    def finish(self, status: str, summary: str, **values) -> None:
        self.ledger.finish(self.id, status, self.redact(summary), **self.redact(values))
        self.status, self.finished = status, True


@contextmanager
def recorded_run(kind: str, inputs: dict):
    """A ledger row for the job thread's run; however the body ends, the row ends done or failed (with the
    reason, redacted of the run's RPC URL)."""
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
        reason = f"{type(e).__name__}: {e}".strip().splitlines()[0]
        run.log(f"failed: {reason}")
        run.finish(FAILED, f"failed: {reason}", error=f"{type(e).__name__}: {e}")
    finally:
        _local.run = None
        control.active.pop(run.id, None)
        row = control.ledger.get(run.id)
        for listener in control.on_finish:
            listener(row)


def redact_all(value, *urls: str | None):
    """`value` (text, or JSON-able lists and dicts of it) with every text redacted of `urls`."""
    if isinstance(value, str):
        return redact(value, *urls)
    if isinstance(value, dict):
        return {k: redact_all(v, *urls) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_all(v, *urls) for v in value]
    return value


def injected_fault(variable: str) -> str | None:
    """The value of a fault-injection variable, or None unless LAMM_TEST_FAULTS=1 switches the hooks on."""
    return os.environ.get(variable) if os.environ.get(FAULTS_ENV) == "1" else None


def crash_point(name: str) -> None:
    """Test-only fault injection: SIGKILL this process here when LAMM_SCHEDULE_CRASH names this point."""
    if injected_fault(CRASH_ENV) == name:
        print(f"fault injection: SIGKILL {name}", file=sys.stderr, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
