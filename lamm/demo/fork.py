"""What the demo's portfolio and schedule stages share: a fork of the project's mainnet snapshot, and a vault on it."""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path

FUNDS_USDC = 30_000


@contextmanager
def snapshot_fork():
    """Builds the mainnet snapshot, serves it on anvil and forks it through ethereum:mainnet-fork, as a user forks
    mainnet; yields (ape, project, scratch folder)."""
    from ape.logging import logger

    from agents.chain.connection import connect, upstream_rpc
    from agents.chain.local_node import start_anvil
    from agents.chain.snapshot import build_snapshot

    logger.set_level("WARNING")
    with tempfile.TemporaryDirectory(prefix="lamm-demo-") as tmp:
        state = Path(tmp) / "mainnet.json"
        build_snapshot(state)
        node = start_anvil(state=state, chain_id=1)
        try:
            with upstream_rpc(node.url), connect("ethereum:mainnet-fork:foundry") as (ape, project):
                yield ape, project, Path(tmp)
        finally:
            node.stop()


def demo_vault(ape, project, owner, agent):
    """An AgentVault for `agent` holding FUNDS_USDC USDC: WETH numeraire, USDC, USDT and WBTC through Uniswap V2's
    Router02, 1% slippage bound, turnover up to twice the vault a day, reference prices an hour old at most."""
    from agents.chain.snapshot import TOKENS, UNISWAP_V2_ROUTER02
    from agents.portfolio.reference_prices import refresh_reference_prices
    from agents.portfolio.vault import deploy_vault, deposit

    assets = [TOKENS[s][0] for s in ("USDC", "USDT", "WBTC")]
    record = deploy_vault(
        ape, project, owner, agent.address, TOKENS["WETH"][0], assets, [UNISWAP_V2_ROUTER02], 100, 20_000, 86_400, 3_600
    )
    refresh_reference_prices(project, record.vault, owner)
    usdc, amount = TOKENS["USDC"][0], FUNDS_USDC * 10 ** TOKENS["USDC"][2]
    project.StandInToken.at(usdc).mint(owner, amount, sender=owner)
    deposit(project, record.vault, owner, usdc, amount)
    return record
