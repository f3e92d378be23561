"""A fork upstream whose URL carries an API key (path or query) never reaches a command line: anvil, whether
started by us (`start_anvil`, `lamm chain up --fork`) or by ape-foundry for ethereum:mainnet-fork, is given a
local forwarder's address, and the forks still read the upstream's state through it."""

import json
import os
import subprocess
import sys
from pathlib import Path

from chain import rpc_proxy

from agents.chain.local_node import rpc, start_anvil
from agents.chain.snapshot import TOKENS

KEY = "SECRETKEY123"


def anvil_command_lines(parent: int) -> list[str]:
    """The command lines of the forking anvil processes whose parent is `parent` (Linux /proc)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            if fields.get("Name", "").strip() == "anvil" and int(fields["PPid"]) == parent:
                line = (status.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                found += [line] if "--fork-url" in line else []
        except (OSError, ValueError, KeyError):
            continue  # a process that ended meanwhile
    return found


def test_start_anvil_forks_a_keyed_upstream_through_a_local_forwarder(snapshot_state):
    node = start_anvil(state=snapshot_state, chain_id=1)
    try:
        with rpc_proxy(node.url) as front:  # answers on any path, as a provider's keyed URL does
            fork = start_anvil(fork=f"{front}/v2/{KEY}?apikey={KEY}Q")
            try:
                (line,) = anvil_command_lines(os.getpid())
                assert KEY not in line and f"--fork-url {fork.proxy.url}" in line
                assert rpc(fork.url, "eth_chainId") == "0x1"
                assert len(rpc(fork.url, "eth_getCode", [TOKENS["WETH"][0], "latest"])) > 2  # the upstream's state
            finally:
                fork.stop()
            assert fork.proxy is None and anvil_command_lines(os.getpid()) == []
        plain = start_anvil(fork=node.url)  # a local URL without a path goes straight through
        try:
            assert plain.proxy is None and f"--fork-url {node.url}" in anvil_command_lines(os.getpid())[0]
        finally:
            plain.stop()
    finally:
        node.stop()


SCRIPT = """
import json, os, sys
sys.path.insert(0, "tests")
from test_upstream_secret import anvil_command_lines
from agents.chain.connection import connect
with connect("ethereum:mainnet-fork:foundry") as (ape, project):
    print("FOUND " + json.dumps({"chain_id": ape.chain.chain_id, "lines": anvil_command_lines(os.getpid()),
                      "weth_code": len(ape.chain.provider.get_code(sys.argv[1]))}))
"""


def test_ape_foundrys_mainnet_fork_gets_the_forwarder_not_the_key(snapshot_state):
    node = start_anvil(state=snapshot_state, chain_id=1)
    try:
        with rpc_proxy(node.url) as front:
            env = {**os.environ, "ETH_RPC_URL": f"{front}/v2/{KEY}"}
            res = subprocess.run(
                [sys.executable, "-c", SCRIPT, TOKENS["WETH"][0]], capture_output=True, text=True, timeout=300, env=env
            )
    finally:
        node.stop()
    assert res.returncode == 0, res.stderr[-2000:]
    (found,) = [json.loads(line[6:]) for line in res.stdout.splitlines() if line.startswith("FOUND ")]
    assert found["chain_id"] == 1 and found["weth_code"] > 0
    assert len(found["lines"]) == 1 and "--fork-url http://127.0.0.1:" in found["lines"][0]
    assert KEY not in found["lines"][0] and KEY not in res.stdout + res.stderr
