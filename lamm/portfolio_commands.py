"""`lamm deploy vault` and `lamm agent portfolio`: argument parsing only; the work is in agents/vault.py and
agents/portfolio_executor.py."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer


def _cli():
    """The running lamm.cli: under `python -m lamm.cli` that is __main__, not a second import of lamm.cli."""
    main = sys.modules.get("__main__")
    if getattr(getattr(main, "__spec__", None), "name", None) == "lamm.cli":
        return main
    import importlib

    return importlib.import_module("lamm.cli")  # partly initialised when lamm.cli imports this module: fine


_c = _cli()
deploy_app, agent_app, user_errors, out, err = _c.deploy_app, _c.agent_app, _c.user_errors, _c.out, _c.err

ROUTER02 = "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D"  # agents.snapshot.UNISWAP_V2_ROUTER02 (mainnet)
SWAP_ROUTER = "0xE592427A0AEce92De3Edee1F18E0157C05861564"  # agents.snapshot.UNISWAP_V3_SWAP_ROUTER (mainnet)
ROUTER_NAMES = {"v2": ROUTER02, "v3": SWAP_ROUTER}
_NETWORK = Annotated[str, typer.Option(help="Ape network choice, e.g. ethereum:mainnet-fork.")]
_RPC = Annotated[str | None, typer.Option(help="Attach to this running node instead of starting one.")]


def _router(spec: str) -> str:
    """v2 / v3 (the canonical routers) or a 0x address."""
    if spec.lower() in ROUTER_NAMES:
        return ROUTER_NAMES[spec.lower()]
    if not (spec.startswith("0x") and len(spec) == 42):
        raise ValueError(f"router {spec!r}: give v2, v3 or a 0x address")
    return spec


def _quiet() -> None:
    from ape.logging import logger

    logger.set_level("WARNING")


def _print(line: str) -> None:
    out.print(line, soft_wrap=True, markup=False, highlight=False)


@deploy_app.command(
    "vault",
    epilog="Example: lamm deploy vault --network ethereum:mainnet-fork --account test:0 --agent test:1 "
    "--numeraire WETH --token USDC --token USDT --token WBTC --router v2 --router v3 --deposit USDC=30000 "
    "--out deployments/vault.json",
)
@user_errors
def deploy_vault_command(
    agent: Annotated[str, typer.Option(help="The agent's address (or test:N on local chains).")],
    numeraire: Annotated[str, typer.Option(help="Numeraire token: WETH, USDC, USDT, WBTC or an address.")],
    token: Annotated[list[str], typer.Option(help="Token the agent may trade (repeatable): symbol or address.")],
    out_file: Annotated[Path, typer.Option("--out", help="Deployment record (JSON).")],
    network: _NETWORK = "ethereum:local:foundry",
    rpc: _RPC = None,
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
        bool, typer.Option(help="Set reference prices from Uniswap V3 (else V2) pools after deploying.")
    ] = True,
) -> None:
    """Deploy an AgentVault owned by --account: whitelists, limits, optional deposits and reference prices."""
    from agents.chain import connect, load_account
    from agents.vault import deploy_vault, parse_amount, refresh_reference_prices, resolve_token, write_record
    from agents.vault import deposit as deposit_token

    tokens = [resolve_token(t) for t in token]
    base = resolve_token(numeraire)
    deposits = []
    for item in deposit or []:
        symbol, sep, amount = item.partition("=")
        if not sep:
            raise ValueError(f"--deposit {item!r}: write TOKEN=AMOUNT, e.g. USDC=30000")
        deposits.append((resolve_token(symbol), amount))
    with connect(network, rpc) as (ape, project):
        _quiet()
        owner = load_account(ape, account)
        agent_address = load_account(ape, agent).address if agent.startswith("test:") else agent
        record = deploy_vault(
            ape,
            project,
            owner,
            agent_address,
            base,
            tokens,
            [_router(r) for r in router or ["v2"]],
            max_slippage_bps,
            turnover_cap_bps,
            period,
            price_max_age,
            network=network,
        )
        for address, amount in deposits:
            raw = parse_amount(amount, project.StandInToken.at(address).decimals())
            record.transactions.update(deposit_token(project, record.vault, owner, address, raw))
            record.deposits[address] = record.deposits.get(address, 0) + raw
        if set_prices:
            record.reference_prices = refresh_reference_prices(project, record.vault, owner)
            for price in record.reference_prices:
                record.transactions[f"set_reference_price:{price['token']}"] = price.pop("tx")
    _print(
        f"AgentVault {record.vault} on chain {record.chain_id}, block {record.block}: owner {record.owner}, agent "
        f"{record.agent}, {len(record.tokens)} tokens besides the numeraire; record: {write_record(record, out_file)}"
    )
    for price in record.reference_prices:
        _print(
            f"  reference price of {price['token']}: {price['price_wad']} (wad) from {price['source']} {price['pool']}"
        )


@agent_app.command(
    "portfolio",
    epilog="Example: lamm agent portfolio --network ethereum:mainnet-fork --vault 0x... --strategy mix "
    "--account test:1 --once  (add --dry-run to plan and predict only)",
)
@user_errors
def agent_portfolio(
    vault: Annotated[str, typer.Option(help="AgentVault address (see `lamm deploy vault`).")],
    strategy: Annotated[str, typer.Option(help="Portfolio strategy: hold, mix, mix:band=X, momentum, learned:PATH.")],
    network: _NETWORK = "ethereum:local:foundry",
    rpc: _RPC = None,
    account: Annotated[str, typer.Option(help="The vault's agent: test:N on local chains, else a keystore alias.")] = (
        "test:0"
    ),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Plan and predict only; send nothing.")] = False,
    once: Annotated[bool, typer.Option("--once", help="One rebalance, then exit.")] = False,
    every: Annotated[float | None, typer.Option(help="Seconds between rebalances (runs until Ctrl-C).")] = None,
    refresh_prices: Annotated[
        bool, typer.Option("--refresh-prices", help="First set the reference prices (the account must own the vault).")
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
) -> None:
    """Rebalance an AgentVault toward a portfolio strategy's weights: read, plan, predict, trade, report."""
    import json
    import time

    from agents.chain import connect, load_account
    from agents.portfolio_executor import ExecutorConfig, PortfolioExecutor
    from agents.vault import refresh_reference_prices
    from backtests.report import write_atomic
    from strategies.portfolio import parse_portfolio_strategy

    if once == (every is not None):
        raise ValueError("give exactly one of --once or --every SECONDS")
    if every is not None and every <= 0:
        raise ValueError(f"--every {every}: give a positive number of seconds")
    policy = parse_portfolio_strategy(strategy)
    cfg = ExecutorConfig(tolerance_bps=tolerance_bps, min_trade_bps=min_trade_bps, deadline_s=deadline)
    reports = []
    with connect(network, rpc) as (ape, project):
        _quiet()
        sender = load_account(ape, account)
        if refresh_prices:
            for price in refresh_reference_prices(project, vault, sender):
                _print(f"reference price of {price['token']} set to {price['price_wad']} (wad) from {price['source']}")
        v3 = None if v3_router.lower() == "none" else _router(v3_router)
        executor = PortfolioExecutor(
            ape, project, vault, sender, policy, cfg, _router(router), log=_print, v3_router=v3
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
