"""`lamm deploy vault` on a fork of the offline mainnet stand-in: the record it writes is usable at once, bad
deposits are refused before anything is sent, and a failure after the deployment leaves a record of what was done."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from chain import forked_snapshot

from agents.chain.snapshot import TOKENS, UNISWAP_V2_ROUTER02, UNISWAP_V3_SWAP_ROUTER
from agents.portfolio.executor import PortfolioExecutor
from strategies.portfolio_spec import parse_portfolio_strategy

WEIGHT_TOLERANCE = 0.01


@pytest.fixture(scope="module")
def forked(snapshot_state):
    with forked_snapshot(snapshot_state) as (ape, project, _):
        owner, agent, _, trader = ape.accounts.test_accounts[:4]
        tokens = {s: project.StandInToken.at(TOKENS[s][0]) for s in TOKENS}
        yield {
            "ape": ape,
            "project": project,
            "owner": owner,
            "agent": agent,
            "trader": trader,
            "fork_url": ape.chain.provider.uri,
            **tokens,
        }


@pytest.fixture
def e(forked):
    snapshot = forked["ape"].chain.snapshot()
    yield forked
    forked["ape"].chain.restore(snapshot)


def lamm(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lamm.cli", *args], capture_output=True, text=True, timeout=300, env=dict(os.environ)
    )


def test_lamm_deploy_vault_writes_a_usable_record(e, tmp_path):
    ape, project, owner = e["ape"], e["project"], e["owner"]
    e["USDC"].mint(owner, 5_000 * 10**6, sender=owner)
    path = tmp_path / "vault.json"
    res = lamm(
        "deploy",
        "vault",
        "--network",
        "ethereum:mainnet-fork",
        "--rpc",
        e["fork_url"],
        "--account",
        "test:0",
        "--agent",
        "test:1",
        "--numeraire",
        "WETH",
        "--token",
        "USDC",
        "--token",
        "USDT",
        "--token",
        "WBTC",
        "--router",
        "v2",
        "--router",
        UNISWAP_V3_SWAP_ROUTER,
        "--max-slippage-bps",
        "150",
        "--deposit",
        "USDC=5000",
        "--out",
        str(path),
    )
    assert res.returncode == 0, res.stderr[-2000:]
    record = json.loads(path.read_text())
    assert record["chain_id"] == 1 and record["network"] == "ethereum:mainnet-fork"
    assert record["owner"] == owner.address and record["agent"] == e["agent"].address
    assert record["numeraire"] == TOKENS["WETH"][0]
    assert record["routers"] == [UNISWAP_V2_ROUTER02, UNISWAP_V3_SWAP_ROUTER]
    assert record["tokens"] == [TOKENS[s][0] for s in ("USDC", "USDT", "WBTC")]
    assert record["limits"] == {
        "max_slippage_bps": 150,
        "turnover_cap_bps": 20_000,
        "period": 86_400,
        "price_max_age": 3_600,
    }
    assert record["deposits"] == {TOKENS["USDC"][0]: 5_000 * 10**6}
    assert [p["source"] for p in record["reference_prices"]] == ["v3:500", "v2", "v3:3000"]
    assert {"deploy", f"deposit:{TOKENS['USDC'][0]}"} <= set(record["transactions"])
    vault = project.AgentVault.at(record["vault"])
    assert vault.owner() == owner.address and vault.agent() == e["agent"].address and vault.max_slippage_bps() == 150
    assert vault.router_allowed(UNISWAP_V2_ROUTER02) and vault.router_allowed(UNISWAP_V3_SWAP_ROUTER)
    assert vault.token_count() == 4
    assert e["USDC"].balanceOf(vault) == 5_000 * 10**6
    assert ape.chain.get_receipt(record["transactions"]["deploy"]).block_number == record["block"]
    # Usable: the agent rebalances the new vault straight away.
    strategy = parse_portfolio_strategy("mix")
    report = PortfolioExecutor(ape, project, record["vault"], e["agent"], strategy).step()
    assert report.trades and all(t.status == "done" for t in report.trades)
    weights = np.array([report.weights_after[s] for s in ("USDC", "USDT", "WBTC")])
    assert np.all(np.abs(weights - 1 / 3) < WEIGHT_TOLERANCE)


@pytest.mark.parametrize("deposit", ["USDC=abc", "USDC=nan", "USDC=inf", "USDC=-5", "USDC=0.0000001", "USDC=1e30"])
def test_lamm_deploy_vault_checks_deposits_before_sending_anything(e, tmp_path, deposit):
    """A deposit that is not a number, not finite, negative, finer than the token's decimals or more than the
    owner holds: one line, exit 2, and not one transaction sent nor a record written."""
    path = tmp_path / "vault.json"
    nonce = e["owner"].nonce
    res = lamm(
        *("deploy", "vault", "--network", "ethereum:mainnet-fork", "--rpc", e["fork_url"], "--account", "test:0"),
        *("--agent", "test:1", "--numeraire", "WETH", "--token", "USDC", "--deposit", deposit, "--out", str(path)),
    )
    assert res.returncode == 2, res.stderr[-2000:]
    assert res.stderr.startswith(f"error: --deposit '{deposit}'") or "less than the" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
    assert e["owner"].nonce == nonce and not path.exists()


def test_lamm_deploy_vault_keeps_its_record_when_a_later_step_fails(e, tmp_path):
    """The vault is deployed and funded, then no deep venue prices a token it whitelists: exit 2 with the reason,
    and the record names the vault, its deposit and every transaction sent."""
    project, owner = e["project"], e["owner"]
    orphan = project.TestToken.deploy("Orphan", "ORP", 18, sender=owner)  # no pool anywhere
    e["WETH"].mint(owner, 10**18, sender=owner)
    path = tmp_path / "vault.json"
    res = lamm(
        *("deploy", "vault", "--network", "ethereum:mainnet-fork", "--rpc", e["fork_url"], "--account", "test:0"),
        *("--agent", "test:1", "--numeraire", "WETH", "--token", orphan.address, "--deposit", "WETH=1"),
        *("--price-keeper", "test:3", "--out", str(path)),
    )
    assert res.returncode == 2 and "no venue prices" in res.stderr, res.stderr[-2000:]
    record = json.loads(path.read_text())
    vault = project.AgentVault.at(record["vault"])
    assert vault.owner() == owner.address and e["WETH"].balanceOf(vault) == 10**18
    assert record["deposits"] == {TOKENS["WETH"][0]: 10**18} and record["tokens"] == [orphan.address]
    assert record["price_keeper"] == e["trader"].address and vault.price_keeper() == e["trader"].address
    assert {"deploy", f"allow_token:{orphan.address}", "set_price_keeper", f"deposit:{TOKENS['WETH'][0]}"} <= set(
        record["transactions"]
    )
    assert record["reference_prices"] == []
