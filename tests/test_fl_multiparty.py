"""Real rounds between separate parties, each its own `lamm fl` process against one anvil and one update
store: deploy, fund, register, open, train and commit, reveal, finalize, audit, claim, export. A client whose
update in the store does not match its revealed root is left out and listed; the others are counted and paid."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
E18 = 10**18


def _lamm(*args, ok: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "lamm.cli", *map(str, args)], cwd=ROOT, capture_output=True, text=True)
    if ok:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def _advance(url: str, seconds: int) -> None:
    for method, params in (("evm_increaseTime", [seconds]), ("evm_mine", [])):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
        request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert "error" not in json.loads(response.read())


def test_a_round_between_separate_parties(tmp_path, monkeypatch):
    from agents.chain.connection import connect
    from agents.chain.local_node import start_anvil

    monkeypatch.setenv("HOME", str(tmp_path))  # the clients' salts live under ~/.lamm/fl
    node = start_anvil()
    store, cache = tmp_path / "store", tmp_path / "cache"
    try:
        with connect(rpc=node.url) as (ape, project):
            owner, *clients = ape.accounts.test_accounts[:4]
            token = project.TestToken.deploy("Stake", "STK", 18, sender=owner)
            for who in [owner, *clients]:
                token.mint(who, 10_000 * E18, sender=owner)
        rpc = ["--rpc", node.url]
        deployed = tmp_path / "fl.json"
        _lamm("fl", "deploy", "--token", token.address, "--out", deployed, *rpc)
        contract = ["--contract", json.loads(deployed.read_text())["contract"]]
        _lamm("fl", "fund", "500", *contract, *rpc)
        for k in (1, 2, 3):
            _lamm("fl", "client", "register", "--stake", "100", "--account", f"test:{k}", *contract, *rpc)
        _lamm("fl", "coordinator", "open", "--store", store, "--rule", "median", *contract, *rpc)
        for k in (1, 2, 3):
            train = ["fl", "client", "train", "--store", store, "--cache", cache, "--seed", k, "--epochs", 1]
            _lamm(*train, "--account", f"test:{k}", *contract, *rpc)
        cheat = clients[2].address
        saved = dict(np.load(store / "updates/0001" / f"{cheat}.npz"))
        saved["update"][0] += 1  # its update in the store is no longer the one it committed to
        np.savez(store / "updates/0001" / f"{cheat}.npz", **saved)
        _advance(node.url, 3_601)
        for k in (1, 2, 3):
            _lamm("fl", "client", "reveal", "--account", f"test:{k}", *contract, *rpc)
        late = _lamm("fl", "client", "reveal", "--account", "test:1", *contract, *rpc, ok=False)
        assert late.returncode == 2 and "no commitment" in late.stderr
        _advance(node.url, 3_601)
        done = _lamm(
            "fl", "coordinator", "finalize", "--store", store, "--budget", "100", "--tolerate", 0, *contract, *rpc
        )
        assert "2 updates counted" in done.stdout and cheat[:10] in done.stdout
        _lamm("fl", "audit", "1", "--store", store, *rpc)
        rewards = json.loads((store / "rewards-0001.json").read_text())
        assert cheat not in rewards
        refused = _lamm("fl", "export", "1", "--store", store, "--out", tmp_path / "early", *rpc, ok=False)
        assert refused.returncode == 2 and "not final" in refused.stderr
        _advance(node.url, 86_401)
        with connect(rpc=node.url) as (ape, project):
            before = {a: int(project.TestToken.at(token.address).balanceOf(a)) for a in rewards}
        for k, who in enumerate(clients[:2], start=1):
            if who.address in rewards:
                _lamm("fl", "client", "claim", "1", "--store", store, "--account", f"test:{k}", *contract, *rpc)
        with connect(rpc=node.url) as (ape, project):
            for address, doc in rewards.items():
                paid = int(project.TestToken.at(token.address).balanceOf(address)) - before[address]
                assert paid == int(doc["amount"])
        _lamm("fl", "export", "1", "--store", store, "--out", tmp_path / "model", *rpc)
        assert json.loads((tmp_path / "model/card.json").read_text())["federated"]["round"] == 1
    finally:
        node.stop()
