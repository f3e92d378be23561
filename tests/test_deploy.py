"""`lamm deploy pool` against a running anvil (`lamm chain up`'s node), with liquidity and a record."""

import json
import subprocess
import sys

import pytest

from agents.chain.connection import connect
from agents.chain.deployments import deploy_test_tokens
from agents.chain.local_node import start_anvil


@pytest.fixture(scope="module")
def node_with_tokens():
    node = start_anvil()
    try:
        with connect(rpc=node.url) as (ape, project):
            owner = ape.accounts.test_accounts[0]
            addresses = [t.address for t in deploy_test_tokens(project, owner, 10**30)]
        yield node.url, addresses
    finally:
        node.stop()


def test_deploy_pool_with_liquidity_writes_a_usable_record(node_with_tokens, tmp_path):
    url, (t0, t1) = node_with_tokens
    record_path = tmp_path / "pool.json"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "lamm.cli",
            "deploy",
            "pool",
            "--rpc",
            url,
            "--token0",
            t0,
            "--token1",
            t1,
            "--fee-bps",
            "30",
            "--liquidity0",
            str(10**21),
            "--liquidity1",
            str(2 * 10**12),
            "--account",
            "test:0",
            "--out",
            str(record_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    record = json.loads(record_path.read_text())
    assert {"deploy", "approve0", "approve1", "add_liquidity"} <= set(record["transactions"])
    assert record["chain_id"] == 31337 and record["fee"] == 3000
    with connect(rpc=url) as (ape, project):
        pool = project.DynamicFeePool.at(record["pool"])
        assert (pool.reserve0(), pool.reserve1(), pool.fee()) == (10**21, 2 * 10**12, 3000)
        assert pool.controller() == record["controller"] == ape.accounts.test_accounts[0].address


def test_deploy_refuses_liquidity_the_account_does_not_hold(node_with_tokens, tmp_path):
    url, (t0, t1) = node_with_tokens
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "lamm.cli",
            "deploy",
            "pool",
            "--rpc",
            url,
            "--token0",
            t0,
            "--token1",
            t1,
            "--liquidity0",
            str(10**40),
            "--liquidity1",
            "1",
            "--account",
            "test:1",
            "--out",
            str(tmp_path / "p.json"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 2 and "less than" in res.stderr and not (tmp_path / "p.json").exists()
