"""The demo's portfolio stage: an AgentVault on the project's mainnet snapshot, forked through Ape's
ethereum:mainnet-fork as a user forks mainnet, and one constant-mix rebalance executed by the agent."""

from __future__ import annotations

from rich.console import Console

from lamm.demo.fork import FUNDS_USDC, demo_vault, snapshot_fork


def run_portfolio_stage(out: Console) -> None:
    from agents.portfolio.executor import PortfolioExecutor, format_report
    from strategies.portfolio_spec import parse_portfolio_strategy

    with snapshot_fork() as (ape, project, _):
        owner, agent = ape.accounts.test_accounts[:2]
        record = demo_vault(ape, project, owner, agent)
        out.print(
            f"AgentVault {record.vault} on a fork of the mainnet snapshot (chain id {ape.chain.chain_id}): "
            f"{FUNDS_USDC:,} USDC deposited; the agent may trade USDC, USDT and WBTC against WETH through "
            "Uniswap V2's Router02, 1% slippage bound against V3/V2 reference prices"
        )
        executor = PortfolioExecutor(
            ape, project, record.vault, agent, parse_portfolio_strategy("mix"), log=lambda _: None
        )
        out.print(format_report(executor.step()), soft_wrap=True, markup=False, highlight=False)
