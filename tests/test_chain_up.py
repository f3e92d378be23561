"""`lamm chain up`: a real anvil on a free port, its URL printed, stopped cleanly by a signal."""

import signal
import subprocess
import sys
import time

import pytest
import requests

from agents.chain.local_node import rpc


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_chain_up_serves_and_stops_cleanly(sig):
    proc = subprocess.Popen([sys.executable, "-m", "lamm.cli", "chain", "up"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = line.split()[1]
        assert url.startswith("http://127.0.0.1:") and int(rpc(url, "eth_chainId"), 16) == 31337
        proc.send_signal(sig)
        assert proc.wait(timeout=30) == 0
        time.sleep(0.2)
        with pytest.raises(requests.ConnectionError):
            requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=2)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_chain_up_refuses_a_missing_snapshot_clearly(tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "lamm.cli", "chain", "up", "--snapshot", str(tmp_path / "x.json")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 2 and "no such file" in res.stderr


@pytest.mark.parametrize(
    ("command", "endpoint", "message"),
    [
        (
            ("agent", "fee", "--model", "models/fee-arbitrum", "--pool", "0x" + "1" * 40, "--once"),
            "closed",
            "cannot connect",
        ),
        (("agent", "portfolio", "--vault", "0x" + "1" * 40, "--strategy", "mix", "--once"), "closed", "cannot connect"),
        (("agent", "prices", "--vault", "0x" + "1" * 40), "html", "does not answer JSON-RPC"),
    ],
)
def test_an_rpc_where_no_node_answers_is_refused_at_once_without_its_key(command, endpoint, message):
    from chain import faulty_rpc

    from agents.chain.local_node import free_port

    with faulty_rpc(f"http://127.0.0.1:{free_port()}") as gateway:  # a gateway with nothing behind it
        gateway.fail("eth_chainId", "html", 10)  # a gateway's HTML page, as a wrong URL often gives
        port = gateway.url.rsplit(":", 1)[1] if endpoint == "html" else str(free_port())
        url = f"http://127.0.0.1:{port}/v2/SECRETKEY123"
        started = time.monotonic()
        res = subprocess.run(
            [sys.executable, "-m", "lamm.cli", *command, "--rpc", url], capture_output=True, text=True, timeout=120
        )
        took = time.monotonic() - started
    assert res.returncode == 2, res.stderr[-2000:]
    assert res.stderr.strip().startswith("error: --rpc http://<rpc>: ") and message in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
    assert "SECRETKEY123" not in res.stdout + res.stderr
    print(f"\n{command[1]} on a {endpoint} endpoint refused in {took:.1f} s")
