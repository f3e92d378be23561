"""The `lamm` command: argument parsing only; the work is done in the packages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(
    help="lamm: learned AMM strategies on replayed on-chain data.", no_args_is_help=True, add_completion=False
)
err = Console(stderr=True)
out = Console()


def user_errors(fn: Callable) -> Callable:
    """Turns errors a user can cause into one clear line and exit code 2."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        from envs.data import DataError

        try:
            return fn(*args, **kwargs)
        except (DataError, ValueError, FileNotFoundError) as e:
            err.print(f"[red]error:[/red] {e}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def _day(value: str | None) -> date | None:
    from envs.market import parse_day

    return parse_day(value) if value else None


@app.command(
    epilog="Example: lamm backtest --data ../shared/data/arbitrum-univ3-weth-usdt-005/swaps --from 2025-07-06 "
    "--to 2025-07-30 --strategy static:5 --strategy static:30 --strategy vol --report reports/jul --json jul.json"
)
@user_errors
def backtest(
    data: Annotated[str, typer.Option(help="Swap parquet file or folder, demeter CSV, or 'synthetic'.")] = "synthetic",
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD, UTC), inclusive.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD, UTC), inclusive.")] = None,
    strategy: Annotated[
        list[str] | None, typer.Option(help="Strategy spec, repeatable: static:30, vol, vol:k=0.5, directional.")
    ] = None,
    report: Annotated[Path | None, typer.Option(help="Folder for report.html and steps.csv.")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write metrics as JSON here.")] = None,
    mode: Annotated[
        str, typer.Option(help="'fee' (simulated dynamic-fee pool) or 'passive' (full-range LP in the real pool).")
    ] = "fee",
    step: Annotated[str, typer.Option(help="Decision step: 60s, 5m, 1h, block, 10blocks.")] = "60s",
    decimals0: Annotated[int, typer.Option(help="Decimals of token0.")] = 18,
    decimals1: Annotated[int, typer.Option(help="Decimals of token1.")] = 6,
    quote: Annotated[int, typer.Option(help="Numeraire token: 0 or 1.")] = 1,
    venue_fee_bps: Annotated[float, typer.Option(help="Fee of the real pool (the competing venue), bps.")] = 5.0,
    depth: Annotated[float, typer.Option(help="Our pool's liquidity relative to the venue's at the start.")] = 0.1,
    gas: Annotated[float, typer.Option(help="Arbitrageur's gas cost per trade, in quote units.")] = 0.10,
    fee_min_bps: Annotated[float, typer.Option(help="Lowest fee the pool allows, bps.")] = 1.0,
    fee_max_bps: Annotated[float, typer.Option(help="Highest fee the pool allows, bps.")] = 100.0,
    max_fee_change_bps: Annotated[float, typer.Option(help="Largest fee change per step, bps.")] = 25.0,
    capital: Annotated[float, typer.Option(help="Passive mode: position value in quote units.")] = 10_000.0,
    synthetic_days: Annotated[int, typer.Option(help="Days of synthetic market when --data synthetic.")] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic market.")] = 0,
) -> None:
    """Replay strategies over the same market and compare fees, LVR and hedged LP PnL."""
    from backtests.command import BacktestRequest, metrics_table, run_backtest
    from envs.market import MarketSpec
    from envs.simulation import FeeSimConfig
    from strategies.spec import DEFAULT_FEE_SPECS

    spec = MarketSpec(decimals0, decimals1, quote, venue_fee_bps / 1e4)
    if mode == "passive":
        from backtests.passive_command import run_passive

        run_passive(data, _day(start), _day(end), spec, capital, json_path, report, out)
        return
    if mode != "fee":
        raise ValueError(f"--mode {mode!r}: use 'fee' or 'passive'")
    sim = FeeSimConfig(
        fee_min_bps=fee_min_bps,
        fee_max_bps=fee_max_bps,
        max_fee_change_bps=max_fee_change_bps,
        initial_fee_bps=min(max(30.0, fee_min_bps), fee_max_bps),
        depth=depth,
        gas_quote=gas,
    )
    req = BacktestRequest(
        data,
        _day(start),
        _day(end),
        list(strategy or DEFAULT_FEE_SPECS),
        spec,
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
            f"{result.market.days} days, {len(result.market.price):,} swaps, replayed in {result.seconds:.2f} s",
        )
    )
    if result.report:
        out.print(f"report: {result.report}")


@app.command(epilog="Example: lamm demo --out reports/demo")
@user_errors
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Where the demo writes its report.")] = Path("reports/demo"),
    days: Annotated[int, typer.Option(help="Days of synthetic market.")] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic market.")] = 0,
) -> None:
    """Run the whole pipeline on the embedded synthetic market: no data, no RPC."""
    from lamm.demo import run_demo

    run_demo(out_dir, days, seed, out, err)


if __name__ == "__main__":
    app()
