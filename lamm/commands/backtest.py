"""`lamm backtest fee | passive | portfolio`: one subcommand per engine, each with only its own options.

`lamm backtest --data ...` without a subcommand runs `fee`, the simulated dynamic-fee pool.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from lamm.commands.common import (
    ASSETS,
    CAPITAL,
    DECIMALS0,
    DECIMALS1,
    INTERVAL,
    POOL_DEPTH,
    PRICES,
    QUOTE,
    TRADE_FEE,
    TRADE_GAS,
    VENUE_FEE,
    day,
    err,
    out,
    user_errors,
)

_LEGACY = {"--env": "lamm backtest portfolio ...", "--mode": "lamm backtest passive ..."}


class _FeeByDefault(TyperGroup):
    """A group whose first argument, when it is not a subcommand, starts the `fee` subcommand."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        for flag, instead in _LEGACY.items():
            if any(a == flag or a.startswith(flag + "=") for a in args):
                err.print(
                    f"[red]error:[/red] {flag} is gone: each engine is a subcommand now, e.g. `{instead}`",
                    soft_wrap=True,
                )
                raise typer.Exit(2)
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["fee", *args]
        return super().parse_args(ctx, args)


backtest_app = typer.Typer(
    cls=_FeeByDefault,
    help="Backtest strategies on replayed data: fee (dynamic-fee pool, the default), passive (a full-range LP in "
    "the real pool), portfolio (allocations).",
    no_args_is_help=True,
)

_DATA = Annotated[str, typer.Option(help="Swap parquet file or folder, demeter CSV, or 'synthetic'.")]
_FROM = Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD, UTC), inclusive.")]
_TO = Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD, UTC), inclusive.")]
_REPORT = Annotated[Path | None, typer.Option(help="Folder for report.html and steps.csv.")]
_JSON = Annotated[Path | None, typer.Option("--json", help="Write metrics as JSON here.")]
_SYNTHETIC_DAYS = Annotated[int, typer.Option(help="Days of synthetic market when --data synthetic.")]
_SEED = Annotated[int, typer.Option(help="Seed of the synthetic market.")]


@backtest_app.command(
    "fee",
    epilog="Example: lamm backtest fee --data ../shared/data/arbitrum-univ3-weth-usdt-005/swaps --from 2025-07-06 "
    "--to 2025-07-30 --strategy static:5 --strategy static:30 --strategy vol --report reports/jul --json jul.json",
)
@user_errors
def fee(
    data: _DATA = "synthetic",
    start: _FROM = None,
    end: _TO = None,
    strategy: Annotated[
        list[str] | None, typer.Option(help="Strategy spec, repeatable: static:30, vol, vol:k=0.5, directional.")
    ] = None,
    report: _REPORT = None,
    json_path: _JSON = None,
    step: Annotated[str, typer.Option(help="Decision step: 60s, 5m, 1h, block, 10blocks.")] = "60s",
    decimals0: DECIMALS0 = 18,
    decimals1: DECIMALS1 = 6,
    quote: QUOTE = 1,
    venue_fee_bps: VENUE_FEE = 5.0,
    pair: Annotated[str, typer.Option(help="BASE/QUOTE symbols for prices in reports (QUOTE: the --quote token).")] = (
        "WETH/USDT"
    ),
    depth: Annotated[float, typer.Option(help="Our pool's liquidity relative to the venue's at the start.")] = 0.1,
    gas: Annotated[float, typer.Option(help="Arbitrageur's gas cost per trade, in quote units.")] = 0.10,
    fee_min_bps: Annotated[float, typer.Option(help="Lowest fee the pool allows, bps.")] = 1.0,
    fee_max_bps: Annotated[float, typer.Option(help="Highest fee the pool allows, bps.")] = 100.0,
    max_fee_change_bps: Annotated[float, typer.Option(help="Largest change of the base fee per step, bps.")] = 25.0,
    flow: Annotated[
        str,
        typer.Option(
            help="Flow model: 'route' (all flow, routed on fee + price impact + price gap) or 'logit' (uninformed "
            "flow on fee and depth only; gameable by two-sided fees, for comparison)."
        ),
    ] = "route",
    flow_scale: Annotated[float, typer.Option(help="Multiplies the flow's price sensitivity.")] = 1.0,
    synthetic_days: _SYNTHETIC_DAYS = 3,
    seed: _SEED = 0,
) -> None:
    """Replay fee strategies over the same market and compare fees, LVR and hedged LP PnL."""
    from backtests.command import BacktestRequest, metrics_table, run_backtest
    from envs.market import MarketSpec
    from envs.simulation import FeeSimConfig
    from strategies.spec import DEFAULT_FEE_SPECS

    sim = FeeSimConfig(
        fee_min_bps=fee_min_bps,
        fee_max_bps=fee_max_bps,
        max_fee_change_bps=max_fee_change_bps,
        initial_fee_bps=min(max(30.0, fee_min_bps), fee_max_bps),
        depth=depth,
        gas_quote=gas,
        flow=flow,
        flow_scale=flow_scale,
    )
    req = BacktestRequest(
        data,
        day(start),
        day(end),
        list(strategy or DEFAULT_FEE_SPECS),
        MarketSpec(decimals0, decimals1, quote, venue_fee_bps / 1e4, pair),
        sim,
        step,
        report,
        json_path,
        synthetic_days,
        seed,
    )
    result = run_backtest(req, err)
    out.print(
        metrics_table(
            result.metrics,
            f"{result.market.days:.1f} days, {len(result.market.price):,} swaps, replayed in {result.seconds:.2f} s",
            out.width,
        )
    )
    if result.report:
        out.print(f"report: {result.report}")


@backtest_app.command(
    "passive",
    epilog="Example: lamm backtest passive --data ../shared/data/polygon-univ3-usdc-weth-005-minute "
    "--decimals0 6 --decimals1 18 --quote 0 --json passive.json",
)
@user_errors
def passive(
    data: Annotated[
        str, typer.Option(help="Swap parquet file or folder, demeter minute/tick CSV files, or 'synthetic'.")
    ] = "synthetic",
    start: _FROM = None,
    end: _TO = None,
    report: _REPORT = None,
    json_path: _JSON = None,
    decimals0: DECIMALS0 = 18,
    decimals1: DECIMALS1 = 6,
    quote: QUOTE = 1,
    venue_fee_bps: VENUE_FEE = 5.0,
    capital: Annotated[float, typer.Option(help="Value of the position, in the numeraire.")] = 10_000.0,
) -> None:
    """Value a full-range LP position in the real pool from its own data: fees earned, LVR, hedged PnL."""
    from backtests.passive_command import run_passive
    from envs.market import MarketSpec

    spec = MarketSpec(decimals0, decimals1, quote, venue_fee_bps / 1e4)
    run_passive(data, day(start), day(end), spec, capital, json_path, report, out)


@backtest_app.command(
    "portfolio",
    epilog="Example: lamm backtest portfolio --data ../shared/data/binance-1m-usdt/prices.parquet --from 2024-12-01 "
    "--to 2025-01-31 --trade-fee-bps 30 --pool-depth 10000000 --trade-gas 3 --strategy hold --strategy mix:band=0.05",
)
@user_errors
def portfolio(
    data: PRICES = "synthetic",
    start: _FROM = None,
    end: _TO = None,
    strategy: Annotated[
        list[str] | None,
        typer.Option(help="Strategy spec, repeatable: hold, mix, mix:every=24, mix:band=0.05, momentum, learned:PATH."),
    ] = None,
    report: _REPORT = None,
    json_path: _JSON = None,
    interval: INTERVAL = "1h",
    assets: ASSETS = None,
    trade_fee_bps: TRADE_FEE = 30.0,
    pool_depth: POOL_DEPTH = None,
    trade_gas: TRADE_GAS = 0.0,
    capital: CAPITAL = 1_000_000.0,
    synthetic_days: _SYNTHETIC_DAYS = 3,
    seed: _SEED = 0,
) -> None:
    """Replay allocation strategies over one price series, paying the costs of on-chain execution."""
    from backtests.portfolio_command import PortfolioRequest, portfolio_table, run_portfolio_backtest
    from envs.portfolio_execution import ExecutionConfig
    from strategies.portfolio_spec import DEFAULT_PORTFOLIO_SPECS

    req = PortfolioRequest(
        data,
        day(start),
        day(end),
        list(strategy or DEFAULT_PORTFOLIO_SPECS),
        ExecutionConfig(fee=trade_fee_bps / 1e4, depth=pool_depth, gas=trade_gas),
        interval,
        [a.strip() for a in assets.split(",")] if assets else None,
        capital,
        report,
        json_path,
        synthetic_days,
        seed,
    )
    series, metrics, _, seconds, path = run_portfolio_backtest(req)
    title = f"{len(series.times):,} steps of {interval}, {len(series.assets)} assets, replayed in {seconds:.2f} s"
    out.print(portfolio_table(metrics, title, out.width))
    if path:
        out.print(f"report: {path}")
