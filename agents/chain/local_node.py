"""A local anvil node on 127.0.0.1 and a free port: fresh, forked from an upstream, or from a saved state."""

from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from agents.chain.secrets import redact
from agents.chain.toolchain import anvil_binary
from agents.chain.upstream_proxy import UpstreamProxy, has_secret


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Node:
    process: subprocess.Popen
    url: str
    proxy: UpstreamProxy | None = None  # forwards to a fork upstream that carries a secret

    def stop(self, timeout: float = 10.0) -> None:
        """Stops the node by its PID (terminate, then kill), then its upstream forwarder."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.proxy is not None:
            self.proxy.close()
            self.proxy = None


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
    """Starts anvil and waits until it answers. The fork URL is never printed; one that carries a secret
    (agents.chain.upstream_proxy) reaches anvil through a local forwarder, so it is not on its command line.
    `steps_tracing` records opcode traces for debug_traceTransaction (benchmarks); `genesis_timestamp` dates
    the first block (later blocks keep the offset from the wall clock)."""
    port = port or free_port()
    cmd = [str(anvil_binary()), "--host", "127.0.0.1", "--port", str(port), "--silent"]
    proxy = None
    if fork:
        proxy = UpstreamProxy(fork) if has_secret(fork) else None
        cmd += ["--fork-url", proxy.url if proxy else fork]
        if block is not None:
            cmd += ["--fork-block-number", str(block)]
    if state:
        if not Path(state).is_file():
            if proxy:
                proxy.close()
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
    if proxy:
        proxy.__enter__()
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    node = Node(process, f"http://127.0.0.1:{port}", proxy)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            node.stop()
            reason = (process.stderr.read() or b"").decode(errors="replace").strip().splitlines()
            raise RuntimeError(f"anvil exited: {redact(reason[-1], fork) if reason else 'no message'}")
        try:
            rpc(node.url, "eth_chainId", timeout=1.0)
            return node
        except (requests.RequestException, RuntimeError):
            time.sleep(0.1)
    node.stop()
    raise RuntimeError(f"anvil did not answer within {ready_timeout:.0f} s")
