"""A local anvil node on 127.0.0.1 and a free port: fresh, forked from an upstream, or from a saved state."""

from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from agents.chain.toolchain import anvil_binary


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Node:
    process: subprocess.Popen
    url: str

    def stop(self, timeout: float = 10.0) -> None:
        """Stops the node by its PID (terminate, then kill)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def rpc(url: str, method: str, params: list | None = None, timeout: float = 5.0):
    doc = requests.post(
        url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}, timeout=timeout
    ).json()
    if "error" in doc:
        raise RuntimeError(doc["error"].get("message", str(doc["error"])))
    return doc["result"]


def start_anvil(
    fork: str | None = None,
    block: int | None = None,
    state: Path | None = None,
    chain_id: int | None = None,
    port: int | None = None,
    ready_timeout: float = 60.0,
    dump_state: Path | None = None,
    steps_tracing: bool = False,
    genesis_timestamp: int | None = None,
) -> Node:
    """Starts anvil and waits until it answers; the fork URL is passed to anvil only, never printed.
    `steps_tracing` records opcode traces for debug_traceTransaction (benchmarks); `genesis_timestamp` dates
    the first block (later blocks keep the offset from the wall clock)."""
    port = port or free_port()
    cmd = [str(anvil_binary()), "--host", "127.0.0.1", "--port", str(port), "--silent"]
    if fork:
        cmd += ["--fork-url", fork]
        if block is not None:
            cmd += ["--fork-block-number", str(block)]
    if state:
        if not Path(state).is_file():
            raise FileNotFoundError(f"--snapshot {state}: no such file (make one with `lamm chain snapshot`)")
        cmd += ["--load-state", str(state)]
    if chain_id:
        cmd += ["--chain-id", str(chain_id)]
    if dump_state:
        cmd += ["--dump-state", str(dump_state)]
    if steps_tracing:
        cmd += ["--steps-tracing"]
    if genesis_timestamp is not None:
        cmd += ["--timestamp", str(genesis_timestamp)]
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    node = Node(process, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            reason = (process.stderr.read() or b"").decode(errors="replace").strip().splitlines()
            raise RuntimeError(f"anvil exited: {reason[-1] if reason else 'no message'}")
        try:
            rpc(node.url, "eth_chainId", timeout=1.0)
            return node
        except (requests.RequestException, RuntimeError):
            time.sleep(0.1)
    node.stop()
    raise RuntimeError(f"anvil did not answer within {ready_timeout:.0f} s")
