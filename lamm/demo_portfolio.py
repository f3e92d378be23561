"""The demo's portfolio stage: an AgentVault on the project's mainnet snapshot, forked through Ape's
ethereum:mainnet-fork as a user forks mainnet, and one constant-mix rebalance executed by the agent."""

from __future__ import annotations

import tempfile
from pathlib import Path

from rich.console import Console

FUNDS_USDC = 30_000


def run_portfolio_stage(out: Console) -> None:
    from ape.logging import logger

    from agents.chain import connect, upstream_rpc
    from agents.local_node import start_anvil
    from agents.portfolio_executor import PortfolioExecutor, format_report
    from agents.snapshot import TOKENS, UNISWAP_V2_ROUTER02, build_snapshot
    from agents.vault import deploy_vault, deposit, refresh_reference_prices
    from strategies.portfolio import parse_portfolio_strategy

    logger.set_level("WARNING")
    with tempfile.TemporaryDirectory(prefix="lamm-demo-") as tmp:
        state = Path(tmp) / "mainnet.json"
        build_snapshot(state)
        node = start_anvil(state=state, chain_id=1)
        try:  # the snapshot stands in for mainnet
            with upstream_rpc(node.url), connect("ethereum:mainnet-fork:foundry") as (ape, project):
                owner, agent = ape.accounts.test_accounts[:2]
                weth, usdc = TOKENS["WETH"][0], TOKENS["USDC"][0]
                assets = [TOKENS[s][0] for s in ("USDC", "USDT", "WBTC")]
                record = deploy_vault(
                    ape,
                    project,
                    owner,
                    agent.address,
                    weth,
                    assets,
                    [UNISWAP_V2_ROUTER02],
                    100,
                    20_000,
                    86_400,
                    3_600,
                )
                refresh_reference_prices(project, record.vault, owner)
                amount = FUNDS_USDC * 10 ** TOKENS["USDC"][2]
                project.StandInToken.at(usdc).mint(owner, amount, sender=owner)
                deposit(project, record.vault, owner, usdc, amount)
                out.print(
                    f"AgentVault {record.vault} on a fork of the mainnet snapshot (chain id {ape.chain.chain_id}): "
                    f"{FUNDS_USDC:,} USDC deposited; the agent may trade USDC, USDT and WBTC against WETH through "
                    "Uniswap V2's Router02, 1% slippage bound against V3/V2 reference prices"
                )
                strategy = parse_portfolio_strategy("mix")
                executor = PortfolioExecutor(ape, project, record.vault, agent, strategy, log=lambda _: None)
                report = executor.step()
                out.print(format_report(report), soft_wrap=True, markup=False, highlight=False)
        finally:
            node.stop()
