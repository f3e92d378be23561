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
