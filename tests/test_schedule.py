"""Scheduled runs with a real APScheduler, a real SQLite ledger and a real anvil fork of the mainnet snapshot.

The vault holds USDC against a WETH numeraire and the jobs use the `seesaw` strategy (USDC to 60% when it holds
less than half, else to 40%), so every run makes exactly one trade: the chain's Trade events at the vault and
the agent's nonce count the runs that traded. The daemon runs as `lamm schedule run` in a subprocess; crashes
are real SIGKILLs at the two fault-injection points (LAMM_SCHEDULE_CRASH), slowness comes from
LAMM_SCHEDULE_SLOW, and the RPC is cut at a proxy in front of the fork node.

Why this module is long: every scenario runs against one vault on one forked snapshot, started once per module;
split, each part would build and fork it again.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from chain import forked_snapshot
from sqlalchemy import select

from agents.chain.connection import connect
from agents.chain.local_node import free_port, start_anvil
from agents.chain.snapshot import TOKENS, UNISWAP_V2_ROUTER02
from agents.portfolio.memory import MEMORY
from agents.portfolio.reference_prices import refresh_reference_prices
from agents.portfolio.vault import deploy_vault, deposit
from agents.schedule.database import open_engine
from agents.schedule.ledger import Ledger
from agents.schedule.reconcile import TRADE_TOPIC

FUNDS = 30_000 * 10**6  # USDC
STRATEGY = "seesaw:low=0.4,high=0.6"


@pytest.fixture(scope="module")
def forked(snapshot_state):
    with forked_snapshot(snapshot_state) as (ape, project, upstream):
        owner, agent = ape.accounts.test_accounts[:2]
        record = deploy_vault(
            ape,
            project,
            owner,
            agent.address,
            TOKENS["WETH"][0],
            [TOKENS["USDC"][0]],
            [UNISWAP_V2_ROUTER02],
            100,
            1_000_000,  # turnover cap: 100x the vault per day, never in the way here
            86_400,
            3_600,
        )
        refresh_reference_prices(project, record.vault, owner)
        usdc = project.StandInToken.at(TOKENS["USDC"][0])
        usdc.mint(owner, FUNDS, sender=owner)
        deposit(project, record.vault, owner, usdc.address, FUNDS)
        yield {
            "ape": ape,
            "web3": ape.chain.provider.web3,
            "vault": record.vault,
            "agent": agent,
            "fork_url": ape.chain.provider.uri,
            "upstream_url": upstream.url,
        }


@pytest.fixture
def e(forked, tmp_path):
    snapshot = forked["ape"].chain.snapshot()
    start = forked["web3"].eth.block_number
    yield {**forked, "db": f"sqlite:///{tmp_path / 'schedule.db'}", "start": start, "tmp": tmp_path}
    forked["ape"].chain.restore(snapshot)


def lamm(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lamm.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def daemon(e, *args: str, env: dict | None = None) -> subprocess.Popen:
    """`lamm schedule run` in the background, its output to files (read by `finish`)."""
    n = len(list(e["tmp"].glob("daemon-*.out")))
    stdout, stderr = (open(e["tmp"] / f"daemon-{n}.{ext}", "w+") for ext in ("out", "err"))  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "lamm.cli", "schedule", "run", "--db", e["db"], *args],
        stdout=stdout,
        stderr=stderr,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    process.files = (stdout, stderr)
    return process


def finish(process: subprocess.Popen, timeout: float = 120) -> tuple[str, str]:
    """Waits for the daemon; returns its stdout and stderr."""
    process.wait(timeout=timeout)
    texts = []
    for f in process.files:
        f.seek(0)
        texts.append(f.read())
        f.close()
    return texts[0], texts[1]


def add_rebalance(e, every: str = "2s", rpc: str | None = None, job_id: str = "rebal", strategy=STRATEGY) -> None:
    res = lamm(
        "schedule",
        "add",
        "rebalance",
        "--db",
        e["db"],
        "--every",
        every,
        "--network",
        "ethereum:mainnet-fork",
        "--rpc",
        rpc or e["fork_url"],
        "--vault",
        e["vault"],
        "--strategy",
        strategy,
        "--account",
        "test:1",
        "--id",
        job_id,
    )
    assert res.returncode == 0, res.stderr
    assert f"added {job_id}: rebalance every {every}" in res.stdout


def runs(e) -> list[dict]:
    engine = open_engine(e["db"])
    try:
        return Ledger(engine).runs()
    finally:
        engine.dispose()


def wait_for(e, predicate, timeout: float, what: str, process: subprocess.Popen):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if process.poll() is not None:
            out, err = finish(process)
            pytest.fail(f"daemon exited ({process.returncode}) before {what}:\n{out[-3000:]}\n{err[-3000:]}")
        time.sleep(0.1)
    process.kill()
    out, err = finish(process)
    ledger = [(r["status"], r["summary"]) for r in runs(e)]
    pytest.fail(f"timed out waiting for {what}; ledger {ledger}\n{out[-3000:]}\n{err[-3000:]}")


def trades_on_chain(e) -> list[str]:
    """Hashes of the transactions that emitted a Trade event at the vault since the test began."""
    logs = e["web3"].eth.get_logs({"address": e["vault"], "fromBlock": e["start"], "topics": [TRADE_TOPIC]})
    return ["0x" + bytes(log["transactionHash"]).hex().removeprefix("0x") for log in logs]


def hashes(run: dict) -> list[str]:
    return [t["hash"] for t in run["tx_hashes"]]


def no_urls(e, *texts: str, extra: tuple[str, ...] = ()) -> None:
    for text in texts:
        for url in (e["fork_url"], e["upstream_url"], *extra):
            assert url not in text and url.split("//")[1] not in text


FAULTS = {"LAMM_TEST_FAULTS": "1"}  # the fault-injection hooks act only with this
SECRET = "SECRETKEY123"
SECRET_PATH = f"/v2/{SECRET}"


def no_secret(e, *texts: str) -> None:
    """The API key in a job's RPC path is nowhere people or files can see it: not in the texts given (the
    daemon's output), not in any ledger row (inputs, summary, error, transactions), not in `lamm schedule runs`
    as a table or as JSON."""
    for text in texts:
        assert SECRET not in text, text[-3000:]
    rows = runs(e)
    assert rows and SECRET not in json.dumps(rows, default=str), [(r["inputs"], r["error"]) for r in rows]
    for args in ([], ["--json"]):
        shown = lamm("schedule", "runs", "--db", e["db"], *args)
        assert shown.returncode == 0 and SECRET not in shown.stdout + shown.stderr, shown.stdout[-3000:]


def test_an_interval_job_runs_rebalances_with_one_ledger_row_each_and_survives_a_restart(e):
    nonce = e["agent"].nonce
    add_rebalance(e, every="2s")
    started = time.monotonic()
    first = daemon(e, "--runs", "3")
    out, err = finish(first)
    elapsed = time.monotonic() - started
    assert first.returncode == 0, err[-3000:]
    rows = runs(e)
    assert [r["status"] for r in rows] == ["done"] * 3, [r["summary"] for r in rows]
    assert [len(r["tx_hashes"]) for r in rows] == [1, 1, 1]
    assert [t["state"] for r in rows for t in r["tx_hashes"]] == ["mined"] * 3
    assert [r["nonce"] for r in rows] == [nonce, nonce + 1, nonce + 2]  # the sender's nonce at each intent
    assert trades_on_chain(e) == [h for r in rows for h in hashes(r)]  # the chain: exactly one trade per run
    assert e["agent"].nonce == nonce + 3
    for r in rows:
        assert r["job_id"] == "rebal" and r["kind"] == "rebalance"
        assert r["scheduled_at"] <= r["started_at"] < r["finished_at"] and r["duration_s"] > 0
        assert [t["side"] for t in r["intent"]["trades"]] == [r["result"]["trades"][0]["side"]]
        assert r["decision"]["strategy"] == STRATEGY and r["inputs"]["rpc"] == e["fork_url"]
        assert r["summary"] == "1 of 1 trades done"
    sides = [r["intent"]["trades"][0]["side"] for r in rows]
    assert sides == ["sell", "buy", "sell"]  # the seesaw: 100% USDC -> 40% -> 60% -> 40%
    gaps = [(b["scheduled_at"] - a["scheduled_at"]).total_seconds() for a, b in zip(rows, rows[1:], strict=False)]
    assert all(g >= 2 - 1e-6 and abs(g / 2 - round(g / 2)) < 1e-3 for g in gaps), gaps  # on the 2 s grid
    print(f"\nthree scheduled rebalances in {elapsed:.1f} s (daemon start included); gaps {gaps}")
    no_urls(e, out, err)

    # The job store persists: the job is still there, then pause and resume are kept, and a new daemon goes on.
    listed = json.loads(lamm("schedule", "list", "--db", e["db"], "--json").stdout)
    assert [(j["id"], j["kind"], j["trigger"], j["kwargs"]["rpc"]) for j in listed] == [
        ("rebal", "rebalance", "every 2s", "set")
    ]
    assert listed[0]["next_run"] is not None
    assert "paused rebal" in lamm("schedule", "pause", "rebal", "--db", e["db"]).stdout
    assert json.loads(lamm("schedule", "list", "--db", e["db"], "--json").stdout)[0]["next_run"] is None
    assert "resumed rebal" in lamm("schedule", "resume", "rebal", "--db", e["db"]).stdout
    second = daemon(e, "--runs", "1")
    out, err = finish(second)
    assert second.returncode == 0, err[-3000:]
    rows = runs(e)
    assert [r["status"] for r in rows] == ["done"] * 4 and rows[3]["nonce"] == nonce + 3
    assert trades_on_chain(e) == [h for r in rows for h in hashes(r)]
    assert "reconciled" not in out  # nothing was left in flight

    shown = json.loads(lamm("schedule", "runs", "--db", e["db"], "--job", "rebal", "--json").stdout)
    assert [r["run_id"] for r in shown] == [r["run_id"] for r in rows]
    assert all(r["inputs"]["rpc"] == "set" for r in shown)
    table = lamm("schedule", "runs", "--db", e["db"])
    assert table.returncode == 0 and all(h in table.stdout for r in rows for h in hashes(r)), table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 80, table.stdout  # piped: 80 columns, whole hashes
    no_urls(e, out, err, table.stdout, json.dumps(shown))
    assert "removed rebal" in lamm("schedule", "remove", "rebal", "--db", e["db"]).stdout
    assert json.loads(lamm("schedule", "list", "--db", e["db"], "--json").stdout) == []
    assert len(runs(e)) == 4  # the ledger keeps the runs of a removed job


def test_each_scheduled_run_is_the_next_step_of_the_strategy(e):
    """mix:every=2, run by the daemon once a second (a fresh executor each run): the strategy decides at its
    steps 0 and 2 and leaves the portfolio at 1 and 3, as in a backtest (started over each run, it decided at
    every run); its memory goes with the job."""
    add_rebalance(e, every="1s", strategy="mix:every=2")
    out, err = finish(daemon(e, "--runs", "4"))
    rows = runs(e)
    assert [r["status"] for r in rows] == ["done"] * 4, [r["summary"] for r in rows]
    assert [r["decision"]["target"] is not None for r in rows] == [True, False, True, False], rows
    assert rows[0]["summary"].startswith("at the target: no trade needed")  # one asset: the mix is all of it
    assert all("leaves the portfolio as it is" in r["summary"] for r in (rows[1], rows[3]))
    engine = open_engine(e["db"])

    def remembered():
        with engine.connect() as c:
            return c.execute(select(MEMORY).where(MEMORY.c.key == "rebal")).mappings().one_or_none()

    row = remembered()
    assert row["strategy"] == "mix:every=2" and len(row["times"]) == 4 and len(row["tokens"]) == 1
    assert "removed rebal" in lamm("schedule", "remove", "rebal", "--db", e["db"]).stdout
    assert remembered() is None  # forgotten with the job: a new job of this id starts over
    engine.dispose()
    no_urls(e, out, err)


def test_a_crash_after_intent_and_after_send_is_reconciled_and_never_run_twice(e):
    nonce = e["agent"].nonce
    add_rebalance(e, every="1s")

    # 1. SIGKILL right after the intent is committed: nothing was sent.
    crashed = daemon(e, "--for", "60", env={**FAULTS, "LAMM_SCHEDULE_CRASH": "after-intent"})
    _, err = finish(crashed)
    assert crashed.returncode == -signal.SIGKILL and "SIGKILL after-intent" in err, err[-2000:]
    (first,) = runs(e)
    assert first["status"] == "intent" and first["tx_hashes"] == [] and first["nonce"] == nonce
    assert first["intent"]["trades"][0]["side"] == "sell"
    assert trades_on_chain(e) == [] and e["agent"].nonce == nonce

    # 2. The next daemon reconciles it (nothing on chain: not run again), then its own run is killed right after
    # the node accepted the transaction.
    crashed = daemon(e, "--for", "60", env={**FAULTS, "LAMM_SCHEDULE_CRASH": "after-send"})
    out, err = finish(crashed)
    assert crashed.returncode == -signal.SIGKILL and "SIGKILL after-send" in err, err[-2000:]
    first, second = runs(e)
    assert first["status"] == "reconciled" and "nothing of it on chain" in first["summary"], first["summary"]
    assert first["evidence"]["nonce_at_intent"] == first["evidence"]["nonce_now"] == nonce
    assert first["evidence"]["events_since_intent"] == 0 and first["tx_hashes"] == []
    assert second["status"] == "sent" and second["nonce"] == nonce
    (tx,) = second["tx_hashes"]
    assert tx["state"] == "broadcast" and tx["nonce"] == nonce and tx["to"] == e["vault"]
    assert tx["call"]["method"].startswith("swap_v2(") and tx["label"] == "trade 0: sell USDC"
    assert trades_on_chain(e) == [tx["hash"]]  # it was mined; the run never saw its receipt

    # 3. A normal daemon: the interrupted send is reconciled from its receipt and not run again; the next run
    # trades from the state the crashed run left (USDC already at 40%: it buys).
    normal = daemon(e, "--runs", "1")
    out, err = finish(normal)
    assert normal.returncode == 0, err[-3000:]
    first, second, third = runs(e)
    assert second["status"] == "reconciled" and "1 transaction(s) mined (1 succeeded" in second["summary"]
    assert second["tx_hashes"][0]["state"] == "mined" and second["tx_hashes"][0]["block"] > 0
    evidence = second["evidence"]
    assert (evidence["nonce_at_intent"], evidence["nonce_now"]) == (nonce, nonce + 1)
    assert evidence["event"] == "Trade" and evidence["events_from_run"] == 1
    assert third["status"] == "done" and third["nonce"] == nonce + 1
    assert third["intent"]["trades"][0]["side"] == "buy"
    on_chain = trades_on_chain(e)
    assert on_chain == hashes(second) + hashes(third) and len(set(on_chain)) == 2  # one trade per run that sent
    assert e["agent"].nonce == nonce + 2
    assert f"reconciled run {second['run_id']}" in out
    print(f"\nreconciled: {first['summary']} | {second['summary']}")


def test_a_run_slower_than_its_interval_is_never_started_twice_and_sigterm_lets_it_finish(e):
    add_rebalance(e, every="1s")
    process = daemon(e, "--for", "120", env={**FAULTS, "LAMM_SCHEDULE_SLOW": "2.5"})

    def third_in_flight():
        rows = runs(e)
        return len(rows) == 3 and rows[2]["status"] == "intent"

    wait_for(e, third_in_flight, 90, "the third run's intent", process)
    process.send_signal(signal.SIGTERM)  # the run in flight finishes and is recorded, then the daemon stops
    out, err = finish(process)
    assert process.returncode == 0, err[-3000:]
    rows = runs(e)
    assert [r["status"] for r in rows] == ["done"] * 3, [r["summary"] for r in rows]
    for a, b in zip(rows, rows[1:], strict=False):
        assert b["started_at"] >= a["finished_at"]  # never two at once
    assert all(r["duration_s"] > 2.5 for r in rows)
    assert "skipped: its previous run is still going" in out, out[-3000:]
    assert "SIGTERM: stopping" in out and "waiting up to" in out and "after 3 run(s)" in out
    assert trades_on_chain(e) == [h for r in rows for h in hashes(r)]


def test_a_second_signal_abandons_the_run_in_flight_before_it_sends_and_records_it(e):
    nonce = e["agent"].nonce
    add_rebalance(e, every="1s")
    process = daemon(e, "--for", "120", env={**FAULTS, "LAMM_SCHEDULE_SLOW": "30"})
    wait_for(e, lambda: [r for r in runs(e) if r["status"] == "intent"], 90, "the intent", process)
    process.send_signal(signal.SIGINT)  # stop: waits for the run...
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)  # ...abandon it at its next safe point
    out, err = finish(process)
    assert process.returncode == 0, err[-3000:]
    (run,) = runs(e)
    assert run["status"] == "failed" and run["summary"].startswith("abandoned: the daemon is shutting down"), run
    assert run["tx_hashes"] == [] and run["duration_s"] < 20
    assert e["agent"].nonce == nonce and trades_on_chain(e) == []
    assert "SIGINT: stopping" in out and "after 1 run(s)" in out


def test_reconciliation_finds_a_transaction_the_run_did_not_record_by_the_senders_nonce(e):
    """A run left at 'intent' whose trade went out unrecorded (here sent straight through the executor): the
    sender's nonce moved past the intent's, so the blocks since are searched; the trade is the run's (from its
    sender, to its vault, at its nonce), and the vault's Trade event is its own."""
    from agents.chain.toolchain import ROOT
    from agents.portfolio.executor import PortfolioExecutor
    from agents.schedule.ledger import INTENT
    from agents.schedule.reconcile import reconcile_run
    from agents.schedule.seesaw import parse_strategy

    ape, agent = e["ape"], e["agent"]
    ledger = Ledger(open_engine(e["db"]))
    run_id = ledger.start("manual", "rebalance", None, {"vault": e["vault"], "network": "ethereum:mainnet-fork"})
    nonce, head = agent.nonce, ape.chain.blocks.head.number
    ledger.update(run_id, status=INTENT, sender=agent.address, nonce=nonce, intent_block=head)
    project = ape.Project(ROOT)
    report = PortfolioExecutor(ape, project, e["vault"], agent, parse_strategy(STRATEGY), log=lambda _: None).step()
    (trade,) = report.trades
    row = reconcile_run(ledger, ledger.get(run_id), e["web3"], log=lambda _: None)
    assert row["status"] == "reconciled" and "1 transaction(s) mined (1 succeeded" in row["summary"], row["summary"]
    (found,) = row["tx_hashes"]
    assert found["hash"] == trade.tx_hash.lower() and found["label"] == "found by nonce" and found["nonce"] == nonce
    assert row["evidence"]["unrecorded_sender_transactions"][0]["hash"] == found["hash"]
    assert row["evidence"]["events_from_run"] == 1 and row["evidence"]["nonce_now"] == nonce + 1


class Proxy:
    """A JSON-RPC proxy in front of the fork node, at any path (an API key there is ignored), one connection per
    call. `mode`: "up" forwards; "drop" closes connections unanswered; "refuse" stops listening (connections are
    refused, as by a node that went away); "html" answers every call with a non-JSON page (a gateway's error
    page); "garbled-send" forwards eth_sendRawTransaction (the node takes the transaction) but answers it with
    that page. `restore()` listens again on the same port and forwards."""

    PAGE = b"<html><body><h1>502 Bad Gateway</h1></body></html>"

    def __init__(self, upstream: str):
        proxy = self
        self.mode = "up"

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                mode = proxy.mode
                self.close_connection = True
                if mode in ("drop", "refuse"):
                    return
                sending = b'"eth_sendRawTransaction"' in body
                if mode == "html" or mode == "garbled-send" and sending:
                    if sending:
                        requests.post(upstream, data=body, headers={"Content-Type": "application/json"}, timeout=30)
                    self.reply(200, proxy.PAGE, "text/html")
                    return
                reply = requests.post(upstream, data=body, headers={"Content-Type": "application/json"}, timeout=30)
                self.reply(reply.status_code, reply.content, "application/json")

            def reply(self, status: int, content: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(content)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, *args):
                pass

        self.handler = Handler
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._listen()

    def _listen(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def fail(self, mode: str) -> None:
        if mode == "refuse":
            self.close()
        self.mode = mode

    def restore(self) -> None:
        if self.mode == "refuse":
            self._listen()
        self.mode = "up"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize(
    "fault, reason",
    [("drop", "connection aborted"), ("refuse", "max retries exceeded with url: <rpc>"), ("html", "could not decode")],
)
def test_the_rpc_going_away_or_answering_garbage_mid_run_fails_that_run_with_its_reason_and_the_next_run_succeeds(
    e, fault, reason
):
    """The job's RPC URL carries an API key in its path; between the run's intent and its trade the node drops
    the connection, refuses connections, or a gateway answers HTML instead of JSON: that run fails before
    sending, with the reason and never the key (requests quotes the path: "... with url: /v2/KEY")."""
    proxy = Proxy(e["fork_url"])
    try:
        nonce = e["agent"].nonce
        add_rebalance(e, every="2s", rpc=proxy.url + SECRET_PATH)  # an API key in the path, as providers do
        process = daemon(e, "--for", "150", env={**FAULTS, "LAMM_SCHEDULE_SLOW": "2"})
        wait_for(e, lambda: [r for r in runs(e) if r["status"] == "intent"], 90, "the first intent", process)
        proxy.fail(fault)  # during the run's wait between its intent and its trade
        failed = wait_for(e, lambda: [r for r in runs(e) if r["status"] == "failed"], 90, "a failed run", process)[0]
        proxy.restore()
        done = wait_for(e, lambda: [r for r in runs(e) if r["status"] == "done"], 90, "the next run", process)
        process.send_signal(signal.SIGTERM)
        out, err = finish(process)
        assert process.returncode == 0, err[-3000:]
    finally:
        proxy.close()
    rows = runs(e)
    assert rows[0]["run_id"] == failed["run_id"] and rows[0]["intent"]["trades"]
    assert reason in failed["error"].lower() and failed["summary"].startswith("failed: "), failed["error"]
    assert failed["tx_hashes"] == [] and failed["nonce"] == nonce  # nothing was sent, nothing half-done
    assert all(r["status"] in ("done", "failed") for r in rows)  # nothing left in flight
    assert all(r["tx_hashes"] == [] for r in rows if r["status"] == "failed")
    assert done[0]["nonce"] == nonce and [t["state"] for t in done[0]["tx_hashes"]] == ["mined"]
    assert trades_on_chain(e) == [h for r in rows for h in hashes(r)]
    assert e["agent"].nonce == nonce + sum(1 for r in rows if r["status"] == "done")
    no_urls(e, out, err, *(r["error"] or "" for r in rows), extra=(proxy.url,))
    no_secret(e, out, err)
    assert {r["inputs"]["rpc"] for r in rows} == {"http://<rpc>"}  # the job store alone keeps the whole URL
    assert os.stat(e["tmp"] / "schedule.db").st_mode & 0o777 == 0o600  # which only its owner may read
    print(f"\nRPC {fault}: {failed['summary']}; then {done[0]['summary']}")


def test_a_send_the_node_took_but_answered_with_garbage_is_reconciled_by_the_next_run_and_not_sent_again(e):
    """The node takes the run's trade but the answer is garbage: the run fails with the reason, its transaction
    recorded (signed, outcome unknown); the next run first settles it from the chain (mined) and then plans from
    the state it left, so the trade is on chain once."""
    proxy = Proxy(e["fork_url"])
    try:
        nonce = e["agent"].nonce
        add_rebalance(e, every="2s", rpc=proxy.url + SECRET_PATH)
        proxy.fail("garbled-send")
        process = daemon(e, "--for", "150")
        failed = wait_for(e, lambda: [r for r in runs(e) if r["status"] == "failed"], 90, "a failed run", process)[0]
        proxy.restore()
        done = wait_for(e, lambda: [r for r in runs(e) if r["status"] == "done"], 90, "the next run", process)
        process.send_signal(signal.SIGTERM)
        out, err = finish(process)
        assert process.returncode == 0, err[-3000:]
    finally:
        proxy.close()
    first, *_ = rows = runs(e)
    assert first["run_id"] == failed["run_id"] and "decode" in failed["error"].lower(), failed["error"]
    assert [t["state"] for t in failed["tx_hashes"]] == ["signed"]  # recorded before it left; answer unknown
    assert [t["state"] for t in first["tx_hashes"]] == ["mined"] and "reconciled" in first["summary"]
    sent = [h for r in rows for h in hashes(r)]
    assert [t["state"] for r in rows for t in r["tx_hashes"]] == ["mined"] * len(sent)  # each settled, none lost
    assert trades_on_chain(e) == sent and len(set(sent)) == len(sent) == len(rows)  # one trade per run, none twice
    assert e["agent"].nonce == nonce + len(sent)
    before = rows.index(next(r for r in rows if r["run_id"] == done[0]["run_id"]))
    assert done[0]["nonce"] == nonce + before  # planned from the state the garbled runs left
    no_secret(e, out, err)
    print(f"\ngarbled send: {first['summary']}; then {done[0]['summary']}")


@pytest.mark.parametrize(
    "args, message",
    [
        (["add", "rebalance", "--cron", "61 * * * *"], "not a valid cron expression"),
        (["add", "rebalance", "--cron", "* * *"], "Wrong number of fields"),
        (["add", "rebalance", "--every", "1x"], "not a positive duration"),
        (["add", "rebalance", "--every", "1h", "--cron", "0 * * * *"], "exactly one of --every"),
        (["pause", "nope"], "no scheduled job 'nope'"),
        (["resume", "nope"], "no scheduled job 'nope'"),
        (["remove", "nope"], "no scheduled job 'nope'"),
        (["runs", "--job", "nope"], "no such job nor runs"),
    ],
)
def test_bad_input_is_one_clear_line(tmp_path, args, message):
    db = f"sqlite:///{tmp_path / 'schedule.db'}"
    if args[0] == "add":
        args = [*args, "--vault", "0x" + "ab" * 20, "--strategy", "mix"]
    res = lamm("schedule", *args, "--db", db)
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], res.stderr


@pytest.mark.parametrize(
    "db, message",
    [
        ("sqlite:////nonexistent-lamm-dir/sub/schedule.db", "is unreachable (unable to open database file)"),
        ("nosuchdialect://x/y", "not a usable SQLAlchemy URL"),
        ("postgresql://lamm:secret@127.0.0.1:1/schedule", "driver is not installed"),
    ],
)
def test_an_unreachable_database_is_one_clear_line(db, message):
    for args in (["list"], ["runs"], ["run", "--for", "1"]):
        res = lamm("schedule", *args, "--db", db)
        assert res.returncode == 2, (args, res.stdout, res.stderr)
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0] and "check --db" in lines[0], res.stderr
        assert "secret" not in res.stderr


def test_a_second_daemon_on_the_same_database_refuses_to_start(tmp_path):
    from sqlalchemy import inspect, select

    from agents.schedule.lock import LOCK

    db = f"sqlite:///{tmp_path / 'schedule.db'}"
    first = subprocess.Popen([sys.executable, "-m", "lamm.cli", "schedule", "run", "--db", db, "--for", "60"])
    engine = open_engine(db)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and first.poll() is None:
            if inspect(engine).has_table(LOCK.name):
                with engine.connect() as c:
                    if c.execute(select(LOCK)).first():
                        break
            time.sleep(0.2)
        res = lamm("schedule", "run", "--db", db, "--for", "1")
        assert res.returncode == 2 and "another schedule daemon" in res.stderr, res.stderr
    finally:
        first.send_signal(signal.SIGINT)
        first.wait(timeout=60)
        engine.dispose()
    assert first.returncode == 0


@pytest.fixture(scope="module")
def fee_chain(tmp_path_factory):
    """A local anvil with a FeeController, a pool under it (swaps done) and a small proving model registered."""
    from zk_policies import volatility_circuit

    from agents.chain.deployments import deploy_pool, deploy_test_tokens
    from agents.zk.registry import deploy_controller
    from envs.amm import PoolParams

    model = tmp_path_factory.mktemp("model")
    volatility_circuit(model)
    node = start_anvil()
    try:
        with connect(rpc=node.url) as (ape, project):
            owner = ape.accounts.test_accounts[0]
            tokens = deploy_test_tokens(project, owner, 2**200)
            controller = deploy_controller(project, owner)
            record = deploy_pool(
                ape,
                project,
                owner,
                "local",
                tokens[0].address,
                tokens[1].address,
                3000,
                PoolParams(fee_max_step=2_500),
                controller.address,
                (10**21, 2 * 10**12),
            )
            pool = project.DynamicFeePool.at(record.pool)
            for t in tokens:
                t.approve(pool, 2**255, sender=owner)
            for zero_for_one, amount in ((True, 10**18), (False, 3 * 10**9)):
                pool.swap(zero_for_one, amount, 0, owner, 2**63, sender=owner)
            start = ape.chain.blocks.head.number
        res = lamm(
            "model", "register", "--rpc", node.url, "--model", str(model), "--controller", controller.address,
            "--pool", record.pool, "--out", str(model / "registration.json"),
        )  # fmt: skip
        assert res.returncode == 0, res.stderr
        yield {"url": node.url, "model": model, "controller": controller.address, "pool": record.pool, "start": start}
    finally:
        node.stop()


def test_a_fee_update_job_records_its_proposal_before_sending_and_a_crash_after_sending_is_reconciled(
    fee_chain, tmp_path
):
    from web3 import HTTPProvider, Web3

    from agents.schedule.reconcile import FEE_UPDATED_TOPIC

    f = {"db": f"sqlite:///{tmp_path / 'schedule.db'}", "tmp": tmp_path}
    res = lamm(
        "schedule", "add", "fee-update", "--db", f["db"], "--every", "2s", "--rpc", fee_chain["url"],
        "--model", str(fee_chain["model"]), "--pool", fee_chain["pool"], "--account", "test:0", "--id", "fee",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    crashed = daemon(f, "--for", "60", env={**FAULTS, "LAMM_SCHEDULE_CRASH": "after-send"})
    _, err = finish(crashed)
    assert crashed.returncode == -signal.SIGKILL and "SIGKILL after-send" in err, err[-2000:]
    (first,) = runs(f)
    (tx,) = first["tx_hashes"]
    assert first["status"] == "sent" and tx["state"] == "broadcast" and tx["to"] == fee_chain["controller"]
    proposal = first["intent"]["transactions"][0]["call"]  # the decoded propose(...), recorded before it left
    assert proposal["method"].startswith("propose(") and proposal["args"]["pool"] == fee_chain["pool"]

    normal = daemon(f, "--runs", "1")
    out, err = finish(normal)
    assert normal.returncode == 0, err[-3000:]
    first, second = runs(f)
    assert first["status"] == "reconciled" and first["tx_hashes"][0]["state"] == "mined", first["summary"]
    evidence = first["evidence"]
    assert evidence["event"] == "FeeUpdated" and evidence["events_from_run"] == 1
    assert evidence["pool_fee_now"] != 3000 and len(proposal["args"]["actions"]) == 2  # the base and the skew gain
    assert second["status"] == "done" and second["tx_hashes"] == [] and "not sent" in second["summary"]
    web3 = Web3(HTTPProvider(fee_chain["url"]))
    updates = web3.eth.get_logs(
        {"address": fee_chain["controller"], "fromBlock": fee_chain["start"], "topics": [FEE_UPDATED_TOPIC]}
    )
    assert ["0x" + bytes(u["transactionHash"]).hex().removeprefix("0x") for u in updates] == [tx["hash"]]
    print(f"\nfee-update: {first['summary']} | next run: {second['summary']}")
