"""`lamm agent fee | portfolio | prices`: the live agents, once or on a loop, and the price keeper's refresh."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lamm.commands.common import (
    ACCOUNT,
    NETWORK,
    ROUTER02,
    RPC,
    SWAP_ROUTER,
    err,
    out,
    positive_every,
    quiet_ape,
    router_address,
    say,
    user_errors,
)

agent_app = typer.Typer(help="Agents acting on a chain.", no_args_is_help=True)


@agent_app.command(
    "fee",
    epilog="Example: lamm agent fee --rpc http://127.0.0.1:8545 --model models/fee-arbitrum --pool 0x... --once",
)
@user_errors
def fee(
    model: Annotated[Path, typer.Option(help="Model folder (models/NAME), registered with `lamm model register`.")],
    pool: Annotated[str | None, typer.Option(help="DynamicFeePool governed by the model.")] = None,
    hook: Annotated[str | None, typer.Option(help="Or: a DynamicFeeHook, with --pool-id.")] = None,
    pool_id: Annotated[str | None, typer.Option(help="The v4 pool behind --hook (its id, from the record).")] = None,
    network: NETWORK = "ethereum:local:foundry",
    rpc: RPC = None,
    account: ACCOUNT = "test:0",
    once: Annotated[bool, typer.Option("--once", help="One update, then exit.")] = False,
    every: Annotated[float | None, typer.Option(help="Seconds between updates (runs until Ctrl-C).")] = None,
) -> None:
    """Read the pool's features, run the policy, prove the fee and propose it; log every step."""
    from agents.chain.connection import connect, load_account
    from agents.chain.fee_target import fee_target
    from agents.fee.agent import FeeAgent
    from agents.zk.model_circuit import zk_for_model

    positive_every(once, every)
    zk = zk_for_model(model, log=err.print)
    with connect(network, rpc) as (ape, project):
        quiet_ape()
        target = fee_target(project, pool, hook, pool_id)
        agent = FeeAgent(ape, project, load_account(ape, account), zk, target, log=say)
        try:
            agent.run(every=every)
        except KeyboardInterrupt:
            out.print("stopped")


@agent_app.command(
    "portfolio",
    epilog="Example: lamm agent portfolio --network ethereum:mainnet-fork --vault 0x... --strategy mix "
    "--account test:1 --once  (add --dry-run to plan and predict only)",
)
@user_errors
def portfolio(
    vault: Annotated[str, typer.Option(help="AgentVault address (see `lamm deploy vault`).")],
    strategy: Annotated[str, typer.Option(help="Portfolio strategy: hold, mix, mix:band=X, momentum, learned:PATH.")],
    network: NETWORK = "ethereum:local:foundry",
    rpc: RPC = None,
    account: Annotated[str, typer.Option(help="The vault's agent: test:N on local chains, else a keystore alias.")] = (
        "test:0"
    ),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Plan and predict only; send nothing.")] = False,
    once: Annotated[bool, typer.Option("--once", help="One rebalance, then exit.")] = False,
    every: Annotated[float | None, typer.Option(help="Seconds between rebalances (runs until Ctrl-C).")] = None,
    refresh_prices: Annotated[
        bool,
        typer.Option(
            "--refresh-prices", help="First set the reference prices (the account must be the vault's owner or keeper)."
        ),
    ] = False,
    router: Annotated[str, typer.Option(help="Uniswap V2 Router02 to trade through.")] = ROUTER02,
    v3_router: Annotated[
        str,
        typer.Option(
            help="Uniswap V3 SwapRouter: used where the vault whitelists it and a V3 pool quotes better than V2 "
            "('none' for V2 only)."
        ),
    ] = SWAP_ROUTER,
    tolerance_bps: Annotated[int, typer.Option(help="min_out = predicted output less this, bps.")] = 50,
    min_trade_bps: Annotated[float, typer.Option(help="Skip trades under this share of the vault, bps.")] = 10.0,
    deadline: Annotated[int, typer.Option(help="Seconds each trade stays valid.")] = 300,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the reports as JSON here.")] = None,
    db: Annotated[
        str | None,
        typer.Option(
            help="Database that remembers the strategy's prices between runs, so each run continues the strategy "
            "(default: the schedule database, $LAMM_SCHEDULE_DB or ~/.lamm/schedule.db)."
        ),
    ] = None,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Forget the prices remembered for this vault; the strategy starts over.")
    ] = False,
) -> None:
    """Rebalance an AgentVault toward a portfolio strategy's weights: read, plan, predict, trade, report."""
    import json
    import time

    from agents.chain.connection import connect, load_account
    from agents.portfolio.executor import ExecutorConfig, PortfolioExecutor
    from agents.portfolio.memory import StrategyMemory
    from agents.portfolio.reference_prices import refresh_reference_prices
    from agents.schedule.database import open_engine
    from backtests.report import write_atomic
    from strategies.portfolio_spec import parse_portfolio_strategy

    positive_every(once, every)
    policy = parse_portfolio_strategy(strategy)
    cfg = ExecutorConfig(tolerance_bps=tolerance_bps, min_trade_bps=min_trade_bps, deadline_s=deadline)
    reports = []
    with connect(network, rpc) as (ape, project):
        quiet_ape()
        sender = load_account(ape, account)
        if refresh_prices:
            for price in refresh_reference_prices(project, vault, sender):
                say(f"reference price of {price['token']} set to {price['price_wad']} (wad) from {price['source']}")
        v3 = None if v3_router.lower() == "none" else router_address(v3_router)
        memory = StrategyMemory(open_engine(db), f"agent:{ape.chain.chain_id}:{vault.lower()}", strategy)
        if fresh:
            memory.forget()
        executor = PortfolioExecutor(
            ape, project, vault, sender, policy, cfg, router_address(router), log=say, v3_router=v3, memory=memory
        )
        try:
            while True:
                reports.append(executor.step(dry_run))
                if every is None:
                    break
                time.sleep(every)
        except KeyboardInterrupt:
            out.print("stopped")
    if json_path:
        write_atomic(json_path, json.dumps([r.as_dict() for r in reports], indent=2) + "\n")
        out.print(f"report: {json_path}")
    if reports and any(t.status in ("refused", "reverted", "error") for t in reports[-1].trades):
        raise typer.Exit(1)  # something kept the vault from its target: said above, per trade


@agent_app.command(
    "prices",
    epilog="Example: lamm agent prices --network ethereum:mainnet-fork --vault 0x... --account keeper",
)
@user_errors
def prices(
    vault: Annotated[str, typer.Option(help="AgentVault address (see `lamm deploy vault`).")],
    network: NETWORK = "ethereum:local:foundry",
    rpc: RPC = None,
    account: Annotated[str, typer.Option(help="The vault's owner or price keeper: test:N, else a keystore alias.")] = (
        "test:0"
    ),
    twap_seconds: Annotated[int, typer.Option(help="V3 TWAP window, seconds.")] = 1_800,
    depth_multiple: Annotated[
        float, typer.Option(help="A venue counts if its numeraire depth is this many times the vault's value.")
    ] = 10.0,
    agreement_bps: Annotated[int, typer.Option(help="Deep venues must agree within this, bps.")] = 300,
    max_jump_bps: Annotated[int, typer.Option(help="Refuse a price this far from the stored one, bps.")] = 1_000,
    allow_jump: Annotated[
        bool, typer.Option("--allow-jump", help="Set prices beyond --max-jump-bps (the owner, after checking why).")
    ] = False,
) -> None:
    """Refresh a vault's reference prices from deep Uniswap venues (V3 TWAPs, cross-checked); nothing is set
    unless every token's price passes."""
    from agents.chain.connection import connect, load_account
    from agents.portfolio.reference_prices import PricePolicy, refresh_reference_prices

    if twap_seconds <= 0 or depth_multiple < 0 or agreement_bps < 0 or max_jump_bps < 0:
        raise ValueError("--twap-seconds must be positive; --depth-multiple and the bps bounds non-negative")
    policy = PricePolicy(twap_seconds, depth_multiple, 0, agreement_bps, max_jump_bps)
    with connect(network, rpc) as (ape, project):
        quiet_ape()
        sender = load_account(ape, account)
        for price in refresh_reference_prices(project, vault, sender, policy=policy, allow_jump=allow_jump):
            say(
                f"reference price of {price['token']} set to {price['price_wad']} (wad) from {price['source']} "
                f"{price['pool']}, depth {price['depth']}"
            )
