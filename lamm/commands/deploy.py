"""`lamm deploy pool | hook | vault`: deploy a DynamicFeePool, a Uniswap v4 pool behind a DynamicFeeHook, or an
AgentVault, and write its JSON record."""

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
    out,
    quiet_ape,
    router_address,
    say,
    user_errors,
)

deploy_app = typer.Typer(help="Deploy contracts.", no_args_is_help=True)


@deploy_app.command(
    "pool",
    epilog="Example: lamm deploy pool --rpc http://127.0.0.1:8545 --token0 0x... --token1 0x... --fee-bps 30 "
    "--liquidity0 1000000000000000000000 --liquidity1 2000000000000 --account test:0 --out deployments/pool.json",
)
@user_errors
def pool(
    token0: Annotated[str, typer.Option(help="token0 address.")],
    token1: Annotated[str, typer.Option(help="token1 address.")],
    out_file: Annotated[Path, typer.Option("--out", help="Deployment record (JSON).")],
    network: NETWORK = "ethereum:local:foundry",
    rpc: RPC = None,
    account: ACCOUNT = "test:0",
    fee_bps: Annotated[float, typer.Option(help="Initial fee, bps.")] = 30.0,
    fee_min_bps: Annotated[float, typer.Option(help="Lowest fee, bps.")] = 1.0,
    fee_max_bps: Annotated[float, typer.Option(help="Highest fee, bps.")] = 100.0,
    max_fee_change_bps: Annotated[float, typer.Option(help="Largest change per update, bps.")] = 25.0,
    controller: Annotated[str | None, typer.Option(help="Who may set the fee (default: the deployer).")] = None,
    liquidity0: Annotated[int | None, typer.Option(help="Initial token0 liquidity, raw units.")] = None,
    liquidity1: Annotated[int | None, typer.Option(help="Initial token1 liquidity, raw units.")] = None,
) -> None:
    """Deploy a DynamicFeePool and write its deployment record."""
    from agents.chain.connection import connect, load_account
    from agents.chain.deployments import deploy_pool, write_record
    from envs.amm import PoolParams
    from envs.simulation import bps_to_pips

    if (liquidity0 is None) != (liquidity1 is None):
        raise ValueError("give both --liquidity0 and --liquidity1, or neither")
    params = PoolParams(bps_to_pips(fee_min_bps), bps_to_pips(fee_max_bps), bps_to_pips(max_fee_change_bps))
    with connect(network, rpc) as (ape, project):
        sender = load_account(ape, account)
        liquidity = (liquidity0, liquidity1) if liquidity0 is not None else None
        record = deploy_pool(
            ape, project, sender, network, token0, token1, bps_to_pips(fee_bps), params, controller, liquidity
        )
    out.print(
        f"DynamicFeePool {record.pool} on chain {record.chain_id}, block {record.block}; "
        f"record: {write_record(record, out_file)}"
    )


@deploy_app.command(
    "hook",
    epilog="Example: lamm deploy hook --network ethereum:mainnet-fork --pool-key ETH,USDC,dynamic,60 --price 2500 "
    "--fee-bps 30 --controller 0x... --liquidity0 10000000000000000000 --liquidity1 25000000000 "
    "--out deployments/hook.json",
)
@user_errors
def hook(
    pool_key: Annotated[
        str,
        typer.Option(
            help="CURRENCY0,CURRENCY1,FEE,TICK_SPACING: currencies ETH, WETH, USDC, USDT, WBTC or addresses, "
            "sorted by address as v4 wants; FEE `dynamic`."
        ),
    ],
    price: Annotated[float, typer.Option(help="Initial price of currency0 in currency1 (human units).")],
    out_file: Annotated[Path, typer.Option("--out", help="Deployment record (JSON).")],
    network: NETWORK = "ethereum:mainnet-fork",
    rpc: RPC = None,
    account: ACCOUNT = "test:0",
    hook_address: Annotated[
        str | None,
        typer.Option("--hook", help="A DynamicFeeHook of this account to add the pool to (default: deploy one)."),
    ] = None,
    fee_bps: Annotated[
        float | None, typer.Option("--initial-fee", "--fee-bps", help="Initial base fee, bps (default 30).")
    ] = None,
    fee_min_bps: Annotated[float | None, typer.Option(help="Lowest fee, bps (default 1).")] = None,
    fee_max_bps: Annotated[float | None, typer.Option(help="Highest fee, bps (default 100).")] = None,
    max_fee_change_bps: Annotated[
        float | None, typer.Option(help="Largest change per update, bps (default 25).")
    ] = None,
    controller: Annotated[
        str | None, typer.Option(help="Who may set the fee rule: a FeeController (default: the deployer).")
    ] = None,
    liquidity0: Annotated[int | None, typer.Option(help="Full-range liquidity: most currency0, raw units.")] = None,
    liquidity1: Annotated[int | None, typer.Option(help="Full-range liquidity: most currency1, raw units.")] = None,
) -> None:
    """Deploy a DynamicFeeHook (CREATE2, its permission bits found by a salt search), create and initialise a v4
    dynamic-fee pool with it, optionally add full-range liquidity; write the record after each step."""
    from agents.chain.connection import connect, load_account
    from agents.chain.hook_deployment import deploy_hook_pool, parse_pool_key
    from envs.amm import PoolParams
    from envs.fee_rule import FeeRule
    from envs.simulation import bps_to_pips

    if (liquidity0 is None) != (liquidity1 is None):
        raise ValueError("give both --liquidity0 and --liquidity1, or neither")
    settings = (fee_bps, fee_min_bps, fee_max_bps, max_fee_change_bps, controller)
    if hook_address and any(v is not None for v in settings):
        raise ValueError(
            "--hook: a pool added to an existing hook takes that hook's controller, fee bounds and initial rule; "
            "drop --initial-fee, --fee-min-bps, --fee-max-bps, --max-fee-change-bps and --controller"
        )
    key = parse_pool_key(pool_key)
    fee_bps = 30.0 if fee_bps is None else fee_bps
    bounds = [1.0 if fee_min_bps is None else fee_min_bps, 100.0 if fee_max_bps is None else fee_max_bps]
    bounds.append(25.0 if max_fee_change_bps is None else max_fee_change_bps)
    params = PoolParams(*(bps_to_pips(b) for b in bounds))
    liquidity = (liquidity0, liquidity1) if liquidity0 is not None else None
    with connect(network, rpc) as (ape, project):
        quiet_ape()
        sender = load_account(ape, account)
        record = deploy_hook_pool(
            ape,
            project,
            sender,
            network,
            key,
            price,
            FeeRule(bps_to_pips(fee_bps)),
            params,
            controller,
            hook_address,
            liquidity,
            out_file,
        )
    out.print(
        f"DynamicFeeHook {record.hook} (controller {record.controller}); v4 pool {record.pool_id} on chain "
        f"{record.chain_id}, block {record.block}; record: {out_file}"
    )


@deploy_app.command(
    "vault",
    epilog="Example: lamm deploy vault --network ethereum:mainnet-fork --account test:0 --agent test:1 "
    "--numeraire WETH --token USDC --token USDT --token WBTC --router v2 --router v3 --deposit USDC=30000 "
    "--out deployments/vault.json",
)
@user_errors
def vault(
    agent: Annotated[str, typer.Option(help="The agent's address (or test:N on local chains).")],
    numeraire: Annotated[str, typer.Option(help="Numeraire token: WETH, USDC, USDT, WBTC or an address.")],
    token: Annotated[list[str], typer.Option(help="Token the agent may trade (repeatable): symbol or address.")],
    out_file: Annotated[Path, typer.Option("--out", help="Deployment record (JSON).")],
    network: NETWORK = "ethereum:local:foundry",
    rpc: RPC = None,
    account: Annotated[str, typer.Option(help="The owner: test:N on local chains, else a keystore alias.")] = "test:0",
    router: Annotated[
        list[str] | None,
        typer.Option(
            help=f"Router to allow (repeatable): a Uniswap V2 Router02 or V3 SwapRouter address, or v2 for the "
            f"canonical Router02 ({ROUTER02}), v3 for the canonical V3 SwapRouter ({SWAP_ROUTER}). Default: v2 "
            "only; add v3 to let the agent trade in V3 pools where they quote better."
        ),
    ] = None,
    max_slippage_bps: Annotated[int, typer.Option(help="Largest loss per trade vs reference prices, bps.")] = 100,
    turnover_cap_bps: Annotated[int, typer.Option(help="Value traded per period, bps of the vault's value.")] = 20_000,
    period: Annotated[int, typer.Option(help="Turnover period, seconds.")] = 86_400,
    price_max_age: Annotated[int, typer.Option(help="Seconds a reference price stays usable.")] = 3_600,
    deposit: Annotated[
        list[str] | None, typer.Option(help="TOKEN=AMOUNT in human units, deposited by the owner (repeatable).")
    ] = None,
    set_prices: Annotated[
        bool, typer.Option(help="Set reference prices from deep Uniswap venues after deploying.")
    ] = True,
    price_keeper: Annotated[
        str | None, typer.Option(help="Address (or test:N) allowed to refresh reference prices besides the owner.")
    ] = None,
    max_price_jump_bps: Annotated[
        int, typer.Option(help="Most the price keeper may move a price per --price-max-age, bps.")
    ] = 1_000,
) -> None:
    """Deploy an AgentVault owned by --account: whitelists, limits, optional deposits and reference prices.
    Everything is checked before the first transaction; the record is written right after the deployment and
    again after each later step, so a failure leaves a record of what was done."""
    from agents.chain.connection import connect, load_account
    from agents.portfolio.reference_prices import refresh_reference_prices
    from agents.portfolio.vault import deploy_vault, parse_deposits, resolve_token, write_record
    from agents.portfolio.vault import deposit as deposit_token

    tokens = [resolve_token(t) for t in token]
    base = resolve_token(numeraire)
    if not 0 <= max_price_jump_bps <= 10_000:
        raise ValueError(f"--max-price-jump-bps {max_price_jump_bps}: give 0 to 10000")
    routers = [router_address(r) for r in router or ["v2"]]
    with connect(network, rpc) as (ape, project):
        quiet_ape()
        owner = load_account(ape, account)
        agent_address = load_account(ape, agent).address if agent.startswith("test:") else agent
        keeper = None
        if price_keeper:
            keeper = load_account(ape, price_keeper).address if price_keeper.startswith("test:") else price_keeper
        deposits = parse_deposits(project, owner, deposit or [])  # raises before anything is sent
        record = deploy_vault(
            ape,
            project,
            owner,
            agent_address,
            base,
            tokens,
            routers,
            max_slippage_bps,
            turnover_cap_bps,
            period,
            price_max_age,
            network=network,
            price_keeper=keeper,
            max_price_jump_bps=max_price_jump_bps,
            record_to=out_file,
        )
        for address, raw in deposits:
            record.transactions.update(deposit_token(project, record.vault, owner, address, raw))
            record.deposits[address] = record.deposits.get(address, 0) + raw
            write_record(record, out_file)
        if set_prices:
            record.reference_prices = refresh_reference_prices(project, record.vault, owner)
            for price in record.reference_prices:
                record.transactions[f"set_reference_price:{price['token']}"] = price.pop("tx")
            write_record(record, out_file)
    say(
        f"AgentVault {record.vault} on chain {record.chain_id}, block {record.block}: owner {record.owner}, agent "
        f"{record.agent}, {len(record.tokens)} tokens besides the numeraire; record: {out_file}"
    )
    for price in record.reference_prices:
        say(
            f"  reference price of {price['token']}: {price['price_wad']} (wad) from {price['source']} "
            f"{price['pool']}, depth {price['depth']}"
        )
