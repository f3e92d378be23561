"""`lamm evaluate fee`: strategies against the best static fee and the best tuned heuristic, day by day.
`lamm evaluate portfolio`: allocation strategies against buy-and-hold and the best constant mix, with intervals."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
    out,
    user_errors,
)

evaluate_app = typer.Typer(help="Evaluate strategies with paired, bootstrapped comparisons.", no_args_is_help=True)


@evaluate_app.command(
    "fee",
    epilog="Example: lamm evaluate fee --data ../shared/data/arbitrum-univ3-weth-usdt-005/swaps --from 2025-07-06 "
    "--to 2025-07-30 --strategy learned:models/fee-arbitrum --strategy ewma --json eval.json --report reports/eval",
)
@user_errors
def fee(
    strategy: Annotated[list[str], typer.Option(help="Strategy spec to evaluate (repeatable), as in backtest fee.")],
    data: Annotated[str, typer.Option(help="Swap parquet file or folder, demeter tick CSV, or 'synthetic'.")] = (
        "synthetic"
    ),
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD, UTC), inclusive.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD, UTC), inclusive.")] = None,
    folds: Annotated[int, typer.Option(help="Also report K consecutive folds of the days.")] = 1,
    block_days: Annotated[float, typer.Option(help="Mean block length of the day-block bootstrap, days.")] = 1.0,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples.")] = 2000,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the figures and daily PnL here.")] = None,
    report: Annotated[Path | None, typer.Option(help="Folder for report.html.")] = None,
    step: Annotated[str, typer.Option(help="Decision step: 60s, 5m, 1h, block, 10blocks.")] = "60s",
    decimals0: DECIMALS0 = 18,
    decimals1: DECIMALS1 = 6,
    quote: QUOTE = 1,
    venue_fee_bps: VENUE_FEE = 5.0,
    flow: Annotated[str, typer.Option(help="Flow model: 'route' or 'logit' (see backtest fee).")] = "route",
    flow_scale: Annotated[float, typer.Option(help="Multiplies the flow's price sensitivity.")] = 1.0,
    synthetic_days: Annotated[int, typer.Option(help="Days of synthetic market when --data synthetic.")] = 3,
) -> None:
    """Each strategy's hedged PnL per day, paired with the best static fee (hindsight, 0.5 bp grid) and the best
    tuned heuristic on the same days, with day-block bootstrap 95% intervals."""
    from backtests.evaluate_command import EvaluateRequest, evaluation_tables, run_evaluation
    from envs.market import MarketSpec
    from envs.simulation import FeeSimConfig

    if bootstrap < 100:
        raise ValueError(f"--bootstrap {bootstrap}: use at least 100 resamples")
    req = EvaluateRequest(
        data,
        day(start),
        day(end),
        list(strategy),
        MarketSpec(decimals0, decimals1, quote, venue_fee_bps / 1e4),
        FeeSimConfig(flow=flow, flow_scale=flow_scale),
        step,
        folds,
        block_days,
        bootstrap,
        json_path=json_path,
        report=report,
        synthetic_days=synthetic_days,
    )
    result, path = run_evaluation(req)
    for table in evaluation_tables(result, out.width):
        out.print(table)
    if path:
        out.print(f"report: {path}")


@evaluate_app.command(
    "portfolio",
    epilog="Example: lamm evaluate portfolio --data ../shared/data/binance-1m-usdt/prices.parquet --from 2024-12-01 "
    "--to 2025-01-31 --strategy learned:models/portfolio-binance --trade-fee-bps 30 --pool-depth 10000000 "
    "--trade-gas 3",
)
@user_errors
def portfolio(
    strategy: Annotated[
        list[str] | None, typer.Option(help="Strategy spec (repeatable), as in backtest portfolio.")
    ] = None,
    data: PRICES = "synthetic",
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD, UTC), inclusive.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD, UTC), inclusive.")] = None,
    interval: INTERVAL = "1h",
    assets: ASSETS = None,
    trade_fee_bps: TRADE_FEE = 30.0,
    pool_depth: POOL_DEPTH = None,
    trade_gas: TRADE_GAS = 0.0,
    capital: CAPITAL = 1_000_000.0,
    trials: Annotated[
        int | None,
        typer.Option(help="Configurations tried before these (for the deflated Sharpe; default: those evaluated)."),
    ] = None,
    block_days: Annotated[float, typer.Option(help="Mean block length of the day-block bootstrap, days.")] = 5.0,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples.")] = 2000,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write every figure here.")] = None,
    synthetic_days: Annotated[int, typer.Option(help="Days of synthetic market when --data synthetic.")] = 60,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic market and of the bootstrap.")] = 0,
) -> None:
    """Each strategy's Sharpe and return with stationary block-bootstrap 95% intervals, its paired Sharpe
    difference from the best constant mix, and its deflated Sharpe ratio, at on-chain costs."""
    from backtests.portfolio_command import PortfolioRequest
    from backtests.portfolio_evaluation import evaluate_portfolios, evaluation_table
    from envs.portfolio_execution import ExecutionConfig

    if bootstrap < 100:
        raise ValueError(f"--bootstrap {bootstrap}: use at least 100 resamples")
    if trials is not None and trials < 1:
        raise ValueError(f"--trials {trials}: give at least 1")
    req = PortfolioRequest(
        data,
        day(start),
        day(end),
        list(strategy or []),
        ExecutionConfig(fee=trade_fee_bps / 1e4, depth=pool_depth, gas=trade_gas),
        interval,
        [a.strip() for a in assets.split(",")] if assets else None,
        capital,
        None,
        json_path,
        synthetic_days,
        seed,
    )
    result = evaluate_portfolios(req, trials, block_days, bootstrap, seed)
    title = (
        f"{result['days']} days, {trade_fee_bps:g} bps pools, depth {pool_depth or 'unlimited'}, gas {trade_gas:g}; "
        f"paired with {result['best_mix']}; DSR for {result['trials']} configurations"
    )
    out.print(evaluation_table(result, title, out.width))
    if json_path:
        out.print(f"json: {json_path}")
