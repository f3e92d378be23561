"""Scheduled runs, hardened: API keys in RPC URLs never reach the ledger, logs or output; the schedule database
is private to its owner and opens from several processes at once; one daemon per database even when two
start at the same moment, and a daemon that lost its lock stops; the fault-injection hooks act only in tests;
keystore passphrase variables shells can set.

No chain here (tests/test_schedule.py runs the daemon against a fork): SQLite files in tmp_path, the daemon as
`lamm schedule run` without jobs, and the lock taken by processes racing for it.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, inspect, select, update

from agents.schedule import lock, runtime
from agents.schedule.database import open_engine
from agents.schedule.jobs import passphrase_variables
from agents.schedule.ledger import INTENT, Ledger
from agents.schedule.report import public_run, runs_table

SECRET = "SECRETKEY123"
URL = f"https://eth-mainnet.example.com/v2/{SECRET}"
# what requests says when the node refuses the connection: host, port and path quoted separately
REFUSED = (
    "HTTPConnectionPool(host='eth-mainnet.example.com', port=443): Max retries exceeded with url: "
    f"/v2/{SECRET} (Caused by NewConnectionError('Failed to establish a new connection: [Errno 111] Connection "
    "refused'))"
)


def lamm(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lamm.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def start_daemon(db: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "lamm.cli", "schedule", "run", "--db", db, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# 1. API keys


def test_a_failed_run_records_and_logs_its_reason_without_the_rpc_url_or_any_part_of_it(tmp_path):
    """The error text requests gives for a refused node quotes the URL's path (the API key): the run's row
    (inputs, summary, error, result, transactions) and its log lines keep the reason and lose the key."""
    lines: list[str] = []
    control = runtime.Control(Ledger(open_engine(f"sqlite:///{tmp_path / 's.db'}")), log=lines.append)
    runtime.install(control)
    try:
        with runtime.recorded_run("rebalance", {"network": "ethereum:mainnet", "rpc": URL}) as run:
            run.log(f"connecting to {URL}")
            run.update(result={"trades": [{"reason": REFUSED}]})
            run.ledger.add_tx(run.id, {"hash": "0x01", "state": "signed"})
            run.after_send("0x01", error=f"node at {URL} said no")
            raise ConnectionError(REFUSED)
    finally:
        runtime.install(None)
    (row,) = control.ledger.runs()
    assert row["status"] == "failed" and "Max retries exceeded with url: <rpc>" in row["error"], row["error"]
    assert row["summary"].startswith("failed: ConnectionError: HTTPConnectionPool(host=<rpc>)"), row["summary"]
    assert row["inputs"]["rpc"] == "https://<rpc>"  # only the job store keeps the whole URL
    assert SECRET not in json.dumps(row, default=str) and "example.com" not in json.dumps(row, default=str)
    assert lines and not any(SECRET in line or "example.com" in line for line in lines), lines


def test_runs_written_before_redaction_are_shown_without_their_rpc_url():
    """A ledger row from before the ledger stored RPC URLs redacted: --json and the table hide the URL and
    its parts everywhere (inputs, summary, error, result, transactions)."""
    row = {
        "run_id": "r1",
        "job_id": "j",
        "kind": "rebalance",
        "status": "failed",
        "scheduled_at": None,
        "started_at": datetime(2025, 1, 1, tzinfo=UTC),
        "duration_s": 1.0,
        "nonce": 3,
        "inputs": {"rpc": URL, "vault": "0x" + "ab" * 20},
        "summary": f"failed: {REFUSED}",
        "error": REFUSED,
        "result": {"trades": [{"reason": f"ConnectionError: {URL} refused"}]},
        "tx_hashes": [{"hash": "0x01", "state": "rejected", "error": REFUSED}],
    }
    shown = json.dumps(public_run(row))
    assert SECRET not in shown and "example.com" not in shown and '"rpc": "set"' in shown, shown
    from rich.console import Console

    console = Console(width=80, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(runs_table([row], width=80))
    assert SECRET not in console.export_text() and "example.com" not in console.export_text()


def test_reconciliation_reaches_the_chain_with_the_job_stores_url_and_says_why_not_without_it(tmp_path):
    """The ledger keeps the RPC URL redacted; reconciling a run uses its job's whole URL from the job store,
    and a run whose job was removed stays as it is with a clear reason (never the key)."""
    from agents.schedule.reconcile import chain_web3, reconcile_all

    with chain_web3({"rpc": "https://<rpc>"}, URL) as web3:
        assert web3.provider.endpoint_uri == URL
    ledger = Ledger(open_engine(f"sqlite:///{tmp_path / 's.db'}"))
    run_id = ledger.start("gone", "rebalance", None, {"rpc": "https://<rpc>", "network": "ethereum:mainnet"})
    ledger.update(run_id, status=INTENT)
    lines: list[str] = []
    assert reconcile_all(ledger, lines.append, {"other": URL}) == []
    (line,) = lines
    assert "stays 'intent'" in line and "only its job keeps the whole RPC URL" in line and SECRET not in line
    assert ledger.get(run_id)["status"] == INTENT


# 2. the database file


def test_the_schedule_database_is_created_private_and_an_open_one_is_made_private(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LAMM_SCHEDULE_DB", raising=False)
    engine = open_engine()  # the default: ~/.lamm/schedule.db
    Ledger(engine).start("j", "rebalance", None, {})  # a write: SQLite opens its -wal and -shm files
    home = tmp_path / "home" / ".lamm"
    assert mode(home) == 0o700 and mode(home / "schedule.db") == 0o600
    assert mode(home / "schedule.db-wal") == mode(home / "schedule.db-shm") == 0o600
    engine.dispose()

    loose = tmp_path / "loose.db"
    open_engine(f"sqlite:///{loose}").dispose()
    loose.chmod(0o644)  # e.g. made by an earlier version
    open_engine(str(loose)).dispose()  # a bare path is SQLite too
    assert mode(loose) == 0o600


# 3. one daemon per database


def _contend(db: str, barrier, results, widen: float) -> None:
    """One contender for the lock (a process of its own: the lock tells daemons apart by pid). `widen` seconds
    before each write to the lock table widen the window between reading the lock and taking it."""
    engine = open_engine(db)

    @event.listens_for(engine, "before_cursor_execute")
    def slow_writes(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(("DELETE", "INSERT")) and lock.LOCK.name in statement:
            time.sleep(widen)

    barrier.wait()
    try:
        lock.acquire(engine, "the test database")
        results.put("acquired")
        time.sleep(2 * widen + 1.0)  # alive and holding while the other one tries
    except lock.DaemonRunning as e:
        results.put(f"refused: {e}")


@pytest.mark.parametrize("held_by_dead_daemon", [False, True])
def test_two_daemons_taking_the_lock_at_the_same_moment_one_gets_it(tmp_path, held_by_dead_daemon):
    """Both read the lock before either writes (the writes are slowed down to make sure); before, both then
    deleted whatever row there was and inserted their own, and both ran the jobs. Also when the row they both
    read is a dead daemon's (each would delete it and take over)."""
    context = multiprocessing.get_context("fork")
    for attempt in range(3):
        db = f"sqlite:///{tmp_path / f'race-{attempt}.db'}"
        engine = open_engine(db)
        lock.acquire(engine, "setup")  # the tables, and a row that is this process's...
        with engine.begin() as c:
            c.execute(update(lock.LOCK).values(pid=_dead_pid()) if held_by_dead_daemon else lock.LOCK.delete())
        engine.dispose()
        barrier, results = context.Barrier(2), context.Queue()
        racers = [context.Process(target=_contend, args=(db, barrier, results, 0.3)) for _ in range(2)]
        for p in racers:
            p.start()
        outcomes = sorted(results.get(timeout=60) for _ in racers)
        for p in racers:
            p.join(timeout=60)
        assert outcomes[0] == "acquired" and outcomes[1].startswith("refused: another schedule daemon"), outcomes


def _dead_pid() -> int:
    """A pid no process has (a daemon killed with SIGKILL left its row)."""
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _open_at_once(db, barrier, results) -> None:
    barrier.wait()
    try:
        open_engine(db).dispose()
        results.put("opened")
    except ValueError as e:
        results.put(str(e))


def test_processes_opening_a_new_schedule_database_at_once_all_open_it(tmp_path):
    """Switching a new file to WAL escalates a shared lock; SQLite refuses one of two escalating processes at
    once, without waiting (it said "unreachable (database is locked)" about one in forty times before)."""
    context = multiprocessing.get_context("fork")
    outcomes = []
    for attempt in range(30):
        db = f"sqlite:///{tmp_path / f'new-{attempt}.db'}"
        barrier, results = context.Barrier(4), context.Queue()
        openers = [context.Process(target=_open_at_once, args=(db, barrier, results)) for _ in range(4)]
        for p in openers:
            p.start()
        outcomes += [results.get(timeout=60) for _ in openers]
        for p in openers:
            p.join(timeout=60)
    assert set(outcomes) == {"opened"}, [o for o in outcomes if o != "opened"][:3]


def test_two_schedule_daemons_started_together_one_runs_and_the_other_refuses(tmp_path):
    for attempt in range(3):
        db = f"sqlite:///{tmp_path / f'together-{attempt}.db'}"
        both = [start_daemon(db, "--for", "60") for _ in range(2)]
        deadline = time.monotonic() + 90
        while all(p.poll() is None for p in both) and time.monotonic() < deadline:
            time.sleep(0.1)
        for p in both:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)  # the one still running: stop it
        outputs = [p.communicate(timeout=60) for p in both]
        codes = sorted(p.returncode for p in both)
        assert codes == [0, 2], (codes, outputs)
        err = outputs[[p.returncode for p in both].index(2)][1].strip()
        assert "another schedule daemon" in err and "\n" not in err, err  # one clear line


def test_a_daemon_whose_lock_was_taken_over_stops_scheduling_and_says_so(tmp_path):
    db = f"sqlite:///{tmp_path / 'schedule.db'}"
    process = start_daemon(db, "--for", "120")
    engine = open_engine(db)
    try:
        deadline = time.monotonic() + 90
        while process.poll() is None and time.monotonic() < deadline:
            if inspect(engine).has_table(lock.LOCK.name):
                with engine.connect() as c:
                    if c.execute(select(lock.LOCK)).first():
                        break
            time.sleep(0.2)
        with engine.begin() as c:  # another daemon, on another host, takes the database over
            c.execute(update(lock.LOCK).values(host="other-host", pid=4242, heartbeat_at=lock.utcnow()))
        out, err = process.communicate(timeout=60)
        with engine.connect() as c:
            row = c.execute(select(lock.LOCK)).mappings().one()
    finally:
        if process.poll() is None:
            process.kill()
        engine.dispose()
    assert process.returncode == 2, (out, err)
    assert "lost the lock to another daemon (pid 4242 on other-host): stopping" in out, out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "lost the schedule database's lock to another daemon (pid 4242" in lines[0], err
    assert (row["host"], row["pid"]) == ("other-host", 4242)  # its row is left alone


# 4. test hooks, passphrases


@pytest.mark.parametrize("switch, killed", [({}, False), ({"LAMM_TEST_FAULTS": "1"}, True)])
def test_the_crash_hook_acts_only_with_the_test_switch(switch, killed):
    code = (
        "from agents.schedule.runtime import SLOW_ENV, crash_point, injected_fault\n"
        "print('slow', injected_fault(SLOW_ENV), flush=True)\n"
        "crash_point('after-intent')\n"
        "print('alive')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "LAMM_TEST_FAULTS"}
    env.update(LAMM_SCHEDULE_CRASH="after-intent", LAMM_SCHEDULE_SLOW="30", **switch)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    if killed:
        assert res.returncode == -signal.SIGKILL and "slow 30" in res.stdout, (res.stdout, res.stderr)
    else:
        assert res.returncode == 0 and res.stdout.split() == ["slow", "None", "alive"], (res.stdout, res.stderr)


@pytest.mark.parametrize(
    "alias, names",
    [
        ("my-agent", ("APE_ACCOUNTS_MY_AGENT_PASSPHRASE", "APE_ACCOUNTS_my-agent_PASSPHRASE")),
        ("ops.key 2", ("APE_ACCOUNTS_OPS_KEY_2_PASSPHRASE", "APE_ACCOUNTS_ops.key 2_PASSPHRASE")),
        ("agent", ("APE_ACCOUNTS_AGENT_PASSPHRASE", "APE_ACCOUNTS_agent_PASSPHRASE")),
        ("AGENT_1", ("APE_ACCOUNTS_AGENT_1_PASSPHRASE",)),
    ],
)
def test_a_keystore_alias_has_a_passphrase_variable_shells_can_set(alias, names):
    assert passphrase_variables(alias) == names
    assert all(c.isalnum() or c == "_" for c in names[0])


def test_the_daemon_takes_the_passphrase_from_either_variable_and_names_the_usable_one_when_missing(monkeypatch):
    from agents.schedule.jobs import signer

    for name in passphrase_variables("my-agent"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValueError, match="set APE_ACCOUNTS_MY_AGENT_PASSPHRASE in the daemon's environment"):
        signer(None, "my-agent")
    for name in passphrase_variables("my-agent"):
        with monkeypatch.context() as m:
            m.setenv(name, "pw")
            with pytest.raises(ValueError, match="no such keystore alias"):  # past the passphrase: to the keystore
                signer(_NoKeystore(), "my-agent")


class _NoKeystore:
    """Ape with no keystore accounts."""

    class accounts:  # noqa: N801 - Ape's attribute name
        @staticmethod
        def load(alias):
            raise KeyError(alias)
