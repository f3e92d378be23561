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
data_app = typer.Typer(help="Market data.", no_args_is_help=True)
chain_app = typer.Typer(help="Local chains: anvil, forks, snapshots.", no_args_is_help=True)
deploy_app = typer.Typer(help="Deploy contracts.", no_args_is_help=True)
train_app = typer.Typer(help="Train policies.", no_args_is_help=True)
tune_app = typer.Typer(help="Sweep hyperparameters.", no_args_is_help=True)
model_app = typer.Typer(help="Models on-chain: circuits, verifiers, registration.", no_args_is_help=True)
agent_app = typer.Typer(help="Agents acting on a chain.", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(chain_app, name="chain")
app.add_typer(deploy_app, name="deploy")
app.add_typer(train_app, name="train")
app.add_typer(tune_app, name="tune")
app.add_typer(model_app, name="model")
app.add_typer(agent_app, name="agent")
err = Console(stderr=True)
out = Console()
_DECIMALS0 = Annotated[int, typer.Option(help="Decimals of token0.")]
_DECIMALS1 = Annotated[int, typer.Option(help="Decimals of token1.")]
_QUOTE = Annotated[int, typer.Option(help="Numeraire token: 0 or 1.")]
_VENUE_FEE = Annotated[float, typer.Option(help="Fee of the real pool (the competing venue), bps.")]


def user_errors(fn: Callable) -> Callable:
    """Turns errors a user can cause into one clear line and exit code 2."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        from agents.zk.circuit import ZkBuildError
        from agents.zk.verifier_contract import VerifierBuildError
        from envs.data import DataError
        from envs.data.fetch import FetchError

        try:
            return fn(*args, **kwargs)
        except (DataError, ValueError, FileNotFoundError, FetchError, ZkBuildError, VerifierBuildError) as e:
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
    decimals0: _DECIMALS0 = 18,
    decimals1: _DECIMALS1 = 6,
    quote: _QUOTE = 1,
    venue_fee_bps: _VENUE_FEE = 5.0,
    depth: Annotated[float, typer.Option(help="Our pool's liquidity relative to the venue's at the start.")] = 0.1,
    gas: Annotated[float, typer.Option(help="Arbitrageur's gas cost per trade, in quote units.")] = 0.10,
    fee_min_bps: Annotated[float, typer.Option(help="Lowest fee the pool allows, bps.")] = 1.0,
    fee_max_bps: Annotated[float, typer.Option(help="Highest fee the pool allows, bps.")] = 100.0,
    max_fee_change_bps: Annotated[float, typer.Option(help="Largest fee change per step, bps.")] = 25.0,
    capital: Annotated[
        float | None, typer.Option(help="Passive: position value (default 10,000); portfolio: capital (1,000,000).")
    ] = None,
    env: Annotated[
        str, typer.Option(help="'fee' (pool fee strategies) or 'portfolio' (allocation strategies).")
    ] = "fee",
    interval: Annotated[str, typer.Option(help="Portfolio: decision interval (1m, 15m, 1h, 1d).")] = "1h",
    assets: Annotated[str | None, typer.Option(help="Portfolio: comma-separated asset columns (default all).")] = None,
    trade_fee_bps: Annotated[float, typer.Option(help="Portfolio: LP fee of the pools it trades in, bps.")] = 30.0,
    pool_depth: Annotated[
        float | None, typer.Option(help="Portfolio: numeraire reserve of each pool (default: no price impact).")
    ] = None,
    trade_gas: Annotated[float, typer.Option(help="Portfolio: gas per trade, in the numeraire.")] = 0.0,
    synthetic_days: Annotated[int, typer.Option(help="Days of synthetic market when --data synthetic.")] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic market.")] = 0,
) -> None:
    """Replay strategies over the same market and compare fees, LVR and hedged LP PnL."""
    from backtests.command import BacktestRequest, metrics_table, run_backtest
    from envs.market import MarketSpec
    from envs.simulation import FeeSimConfig
    from strategies.spec import DEFAULT_FEE_SPECS

    if env == "portfolio":
        _portfolio_backtest(
            data,
            start,
            end,
            strategy,
            report,
            json_path,
            interval,
            assets,
            trade_fee_bps,
            pool_depth,
            trade_gas,
            capital,
            synthetic_days,
            seed,
        )
        return
    if env != "fee":
        raise ValueError(f"--env {env!r}: use 'fee' or 'portfolio'")
    spec = MarketSpec(decimals0, decimals1, quote, venue_fee_bps / 1e4)
    if mode == "passive":
        from backtests.passive_command import run_passive

        run_passive(data, _day(start), _day(end), spec, capital or 10_000.0, json_path, report, out)
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
            f"{result.market.days:.1f} days, {len(result.market.price):,} swaps, replayed in {result.seconds:.2f} s",
        )
    )
    if result.report:
        out.print(f"report: {result.report}")


def _portfolio_backtest(
    data, start, end, strategy, report, json_path, interval, assets, fee_bps, depth, gas, capital, days, seed
) -> None:
    from backtests.portfolio_command import PortfolioRequest, portfolio_table, run_portfolio_backtest
    from envs.portfolio_execution import ExecutionConfig
    from strategies.portfolio import DEFAULT_PORTFOLIO_SPECS

    req = PortfolioRequest(
        data,
        _day(start),
        _day(end),
        list(strategy or DEFAULT_PORTFOLIO_SPECS),
        ExecutionConfig(fee=fee_bps / 1e4, depth=depth, gas=gas),
        interval,
        [a.strip() for a in assets.split(",")] if assets else None,
        capital or 1_000_000.0,
        report,
        json_path,
        days,
        seed,
    )
    series, metrics, _, seconds, path = run_portfolio_backtest(req)
    title = f"{len(series.times):,} steps of {interval}, {len(series.assets)} assets, replayed in {seconds:.2f} s"
    out.print(portfolio_table(metrics, title))
    if path:
        out.print(f"report: {path}")


@data_app.command(
    "fetch",
    epilog="Example: lamm data fetch --rpc $ETH_RPC_URL --pool 0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640 "
    "--from-block 18537000 --to-block 18544000 --out data/usdc-weth",
)
@user_errors
def data_fetch(
    rpc: Annotated[str, typer.Option(help="JSON-RPC endpoint URL (never printed).")],
    pool: Annotated[str, typer.Option(help="Pool address (Uniswap V2 pair or V3 pool).")],
    from_block: Annotated[int, typer.Option(help="First block, inclusive.")],
    to_block: Annotated[int, typer.Option(help="Last block, inclusive.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the parquet files (resumable).")],
    chunk: Annotated[int, typer.Option(help="Blocks per eth_getLogs call to start with.")] = 2_000,
    retries: Annotated[int, typer.Option(help="Retries per RPC call.")] = 5,
) -> None:
    """Fetch a pool's Swap events into the canonical swap parquet schema; re-running fetches only what is
    missing."""
    from rich.progress import Progress

    from envs.data.fetch import fetch_swaps

    with Progress(console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("blocks", total=to_block - from_block + 1)
        report = fetch_swaps(
            rpc, pool, from_block, to_block, out_dir, chunk, retries, progress=lambda n: bar.advance(task, n)
        )
    out.print(
        f"{report.swaps:,} swaps in {report.chunks} chunks written to {report.out_dir} "
        f"({report.skipped_blocks:,} blocks were already fetched)"
    )


@chain_app.command("up", epilog="Example: lamm chain up --fork $ETH_RPC_URL --block 21000000")
@user_errors
def chain_up(
    fork: Annotated[str | None, typer.Option(help="Upstream RPC URL to fork (never printed).")] = None,
    block: Annotated[int | None, typer.Option(help="Fork block number.")] = None,
    snapshot: Annotated[Path | None, typer.Option(help="Serve a saved chain state (lamm chain snapshot).")] = None,
    port: Annotated[int | None, typer.Option(help="Port on 127.0.0.1 (default: a free one).")] = None,
) -> None:
    """Start a local anvil node, print its RPC URL, and stop it cleanly on Ctrl-C."""
    import signal

    from agents.local_node import start_anvil

    if block is not None and not fork:
        raise ValueError("--block needs --fork URL")
    try:
        node = start_anvil(fork, block, snapshot, chain_id=1 if snapshot else None, port=port)
    except RuntimeError as e:
        raise ValueError(f"could not start anvil: {e}") from None
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM stops it like Ctrl-C
    what = "fork" if fork else ("snapshot " + str(snapshot) if snapshot else "fresh chain")
    try:
        out.print(f"RPC {node.url} ({what}); Ctrl-C stops it", highlight=False)
        node.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        node.stop()
        out.print("anvil stopped")


@deploy_app.command(
    "pool",
    epilog="Example: lamm deploy pool --rpc http://127.0.0.1:8545 --token0 0x... --token1 0x... --fee-bps 30 "
    "--liquidity0 1000000000000000000000 --liquidity1 2000000000000 --account test:0 --out deployments/pool.json",
)
@user_errors
def deploy_pool_command(
    token0: Annotated[str, typer.Option(help="token0 address.")],
    token1: Annotated[str, typer.Option(help="token1 address.")],
    out_file: Annotated[Path, typer.Option("--out", help="Deployment record (JSON).")],
    network: Annotated[str, typer.Option(help="Ape network choice.")] = "ethereum:local:foundry",
    rpc: Annotated[str | None, typer.Option(help="Attach to this running node (e.g. lamm chain up).")] = None,
    account: Annotated[str, typer.Option(help="test:N on local chains, else a keystore alias.")] = "test:0",
    fee_bps: Annotated[float, typer.Option(help="Initial fee, bps.")] = 30.0,
    fee_min_bps: Annotated[float, typer.Option(help="Lowest fee, bps.")] = 1.0,
    fee_max_bps: Annotated[float, typer.Option(help="Highest fee, bps.")] = 100.0,
    max_fee_change_bps: Annotated[float, typer.Option(help="Largest change per update, bps.")] = 25.0,
    controller: Annotated[str | None, typer.Option(help="Who may set the fee (default: the deployer).")] = None,
    liquidity0: Annotated[int | None, typer.Option(help="Initial token0 liquidity, raw units.")] = None,
    liquidity1: Annotated[int | None, typer.Option(help="Initial token1 liquidity, raw units.")] = None,
) -> None:
    """Deploy a DynamicFeePool and write its deployment record."""
    from agents.chain import connect, load_account
    from agents.deploy import deploy_pool, write_record
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


@chain_app.command("snapshot", epilog="Example: lamm chain snapshot --out snapshots/mainnet.json")
@user_errors
def chain_snapshot(
    out_file: Annotated[Path, typer.Option("--out", help="State file to write.")] = Path("snapshots/mainnet.json"),
) -> None:
    """Build the offline mainnet stand-in (chain id 1: WETH, USDC, USDT, WBTC stand-ins, Uniswap V2 factory,
    Router02 and seeded pools at their mainnet addresses); serve it with `lamm chain up --snapshot FILE`."""
    import json

    from agents.snapshot import build_snapshot

    book = build_snapshot(out_file)
    out.print(json.dumps(book, indent=2))
    out.print(
        f"snapshot: {out_file}; fork it with ETH_RPC_URL=<lamm chain up --snapshot {out_file}> on ethereum:mainnet-fork"
    )


def _training_job(
    data,
    train_from,
    train_to,
    val_from,
    val_to,
    algo,
    timesteps,
    seed,
    config,
    out_dir,
    step,
    n_envs,
    decimals0,
    decimals1,
    quote,
    venue_fee_bps,
    resume=False,
):
    from agents.fee_pipeline import TrainingJob
    from agents.fee_training import Period, check_periods
    from agents.training_config import load_train_config
    from envs.market import MarketSpec

    cfg = load_train_config(config, algo=algo, timesteps=timesteps, seed=seed, step=step, n_envs=n_envs)
    if data == "synthetic":
        train_period = val_period = None
    else:
        missing = [
            n
            for n, v in (
                ("--train-from", train_from),
                ("--train-to", train_to),
                ("--val-from", val_from),
                ("--val-to", val_to),
            )
            if v is None
        ]
        if missing:
            raise ValueError(f"give {', '.join(missing)} (YYYY-MM-DD) for --data {data}")
        train_period = Period(_day(train_from), _day(train_to))
        val_period = Period(_day(val_from), _day(val_to))
        check_periods(train_period, val_period)
    spec = MarketSpec(decimals0, decimals1, quote, venue_fee_bps / 1e4)
    return TrainingJob(data, train_period, val_period, spec, cfg, Path(out_dir), Path(out_dir).name, resume)


_DATA = Annotated[str, typer.Option(help="Swap parquet file or folder, or 'synthetic'.")]
_DAY = Annotated[str | None, typer.Option(help="YYYY-MM-DD (UTC), inclusive.")]
_BACKEND = Annotated[str, typer.Option(help="'local' processes or 'ray'.")]
_ADDRESS = Annotated[str | None, typer.Option(help="Ray cluster address (default: start a local Ray).")]


@train_app.command(
    "fee",
    epilog="Example: lamm train fee --data ../shared/data/arbitrum-univ3-weth-usdt-005/swaps --train-from 2025-05-04 "
    "--train-to 2025-07-05 --val-from 2025-07-06 --val-to 2025-07-30 --algo ppo --timesteps 300000 --seed 0 "
    "--out models/fee-arbitrum",
)
@user_errors
def train_fee(
    data: _DATA = "synthetic",
    train_from: _DAY = None,
    train_to: _DAY = None,
    val_from: _DAY = None,
    val_to: _DAY = None,
    algo: Annotated[
        str | None,
        typer.Option(help="ppo, sac, or cps (counterfactual policy search; default: the config's, else ppo)."),
    ] = None,
    timesteps: Annotated[int | None, typer.Option(help="Environment steps to train.")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed.")] = None,
    seeds: Annotated[str | None, typer.Option(help="Several seeds, e.g. 0,1,2: reports their spread.")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Model folder (models/NAME).")] = Path("models/fee"),
    config: Annotated[Path | None, typer.Option(help="TOML file of training settings.")] = None,
    resume: Annotated[bool, typer.Option(help="Continue from the last checkpoint in --out.")] = False,
    walk_forward: Annotated[int | None, typer.Option(help="K expanding-window folds over the whole span.")] = None,
    backend: _BACKEND = "local",
    address: _ADDRESS = None,
    step: Annotated[str | None, typer.Option(help="Decision step (default 60s).")] = None,
    n_envs: Annotated[int | None, typer.Option(help="Training environments (subprocesses).")] = None,
    decimals0: _DECIMALS0 = 18,
    decimals1: _DECIMALS1 = 6,
    quote: _QUOTE = 1,
    venue_fee_bps: _VENUE_FEE = 5.0,
) -> None:
    """Train a fee policy (PPO or SAC) and write models/NAME: SB3 zip, ONNX graph, model card."""
    job = _training_job(
        data,
        train_from,
        train_to,
        val_from,
        val_to,
        algo,
        timesteps,
        seed,
        config,
        out_dir,
        step,
        n_envs,
        decimals0,
        decimals1,
        quote,
        venue_fee_bps,
        resume,
    )
    if walk_forward is not None:
        from agents.fee_training import load_period
        from agents.walk_forward import observed_days, run_walk_forward

        if job.train is None:
            raise ValueError("--walk-forward needs real data and periods")
        span = type(job.train)(job.train.start, job.evaluation.end)
        days = observed_days(load_period(data, span, job.spec, job.config.step))
        summary = run_walk_forward(job, walk_forward, days, backend, address)
        out.print((job.out / "walk_forward.md").read_text())
        out.print(f"pooled margin: {summary['pooled_margin_bps_per_day']:+.5f} bps/day")
        return
    from agents.fee_pipeline import run_training_job, train_seeds

    if seeds:
        seed_list = [int(x) for x in seeds.split(",") if x.strip()]
        train_seeds(job, seed_list, backend, address)
    else:
        from dataclasses import replace

        run_training_job(replace(job, progress_bar=err.is_terminal))
    out.print((job.out / "card.md").read_text())
    out.print(f"model: {job.out}")


@train_app.command(
    "portfolio",
    epilog="Example: lamm train portfolio --data ../shared/data/binance-1m-usdt/prices.parquet --train-from 2024-05-06 "
    "--train-to 2024-11-30 --eval-from 2024-12-01 --eval-to 2025-01-31 --seeds 0,1,2 --out models/portfolio",
)
@user_errors
def train_portfolio_command(
    out_dir: Annotated[Path, typer.Option("--out", help="Model folder to write (models/NAME).")],
    data: Annotated[str, typer.Option(help="Price file (time + one column per asset) or 'synthetic'.")] = "synthetic",
    train_from: Annotated[str | None, typer.Option(help="First training day.")] = None,
    train_to: Annotated[str | None, typer.Option(help="Last training day.")] = None,
    eval_from: Annotated[str | None, typer.Option(help="First evaluation day (after training).")] = None,
    eval_to: Annotated[str | None, typer.Option(help="Last evaluation day.")] = None,
    interval: Annotated[str, typer.Option(help="Decision interval.")] = "1h",
    assets: Annotated[str | None, typer.Option(help="Comma-separated asset columns (default all).")] = None,
    timesteps: Annotated[int, typer.Option(help="PPO steps per seed.")] = 200_000,
    seeds: Annotated[str, typer.Option(help="Comma-separated seeds; the median one is shipped.")] = "0",
    fee_bps: Annotated[float, typer.Option(help="LP fee of the pools traded in, bps.")] = 10.0,
    depth: Annotated[float | None, typer.Option(help="Numeraire reserve of each pool (default: no impact).")] = None,
    band: Annotated[float, typer.Option(help="Trade only when a weight is this far from target.")] = 0.02,
) -> None:
    """Train a portfolio allocation policy (PPO) and write its artifact and model card."""
    from agents.portfolio_training import PortfolioTrainConfig, run_portfolio_training

    try:
        seed_list = [int(s) for s in seeds.split(",") if s.strip()]
    except ValueError:
        raise ValueError(f"--seeds {seeds!r}: give comma-separated integers") from None
    if timesteps <= 0 or not seed_list:
        raise ValueError("--timesteps must be positive and --seeds must list at least one seed")
    cfg = PortfolioTrainConfig(timesteps=timesteps, fee_bps=fee_bps, depth=depth, band=band)
    card = run_portfolio_training(
        data,
        (_day(train_from), _day(train_to)),
        (_day(eval_from), _day(eval_to)),
        cfg,
        out_dir,
        seed_list,
        interval,
        [a.strip() for a in assets.split(",")] if assets else None,
        log=out.print,
    )
    out.print(
        f"model card: {out_dir / 'card.md'}; Sharpe margin over the best constant mix "
        f"{card['sharpe_margin_over_best_mix']:+.3f}"
    )


@tune_app.command("fee", epilog="Example: lamm tune fee --data synthetic --trials 8 --timesteps 20000 --backend ray")
@user_errors
def tune_fee(
    data: _DATA = "synthetic",
    train_from: _DAY = None,
    train_to: _DAY = None,
    val_from: _DAY = None,
    val_to: _DAY = None,
    trials: Annotated[int, typer.Option(help="Number of trials.")] = 8,
    parallel: Annotated[int, typer.Option(help="Trials trained at once.")] = 2,
    algo: Annotated[str | None, typer.Option(help="ppo, sac or cps.")] = None,
    timesteps: Annotated[int | None, typer.Option(help="Steps per trial.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the trials and the sampler.")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Sweep folder.")] = Path("runs/tune-fee"),
    config: Annotated[Path | None, typer.Option(help="Base TOML settings.")] = None,
    backend: _BACKEND = "local",
    address: _ADDRESS = None,
    n_envs: Annotated[int | None, typer.Option(help="Training environments per trial.")] = None,
    decimals0: _DECIMALS0 = 18,
    decimals1: _DECIMALS1 = 6,
    quote: _QUOTE = 1,
    venue_fee_bps: _VENUE_FEE = 5.0,
) -> None:
    """Search training settings (Optuna TPE), trials trained on local processes or Ray."""
    from agents.tuning import tune

    job = _training_job(
        data,
        train_from,
        train_to,
        val_from,
        val_to,
        algo,
        timesteps,
        seed,
        config,
        out_dir,
        None,
        n_envs,
        decimals0,
        decimals1,
        quote,
        venue_fee_bps,
    )
    summary = tune(job, trials, parallel, backend, address, seed or 0)
    for r in summary["trials"]:
        out.print(f"trial {r['trial']}: learned {r['learned_bps_per_day']:+.4f} bps/day  {r['params']}")
    out.print(f"best: trial {summary['best']['trial']}; settings in {out_dir / 'best.toml'}")


_NETWORK = Annotated[str, typer.Option(help="Ape network choice.")]
_RPC = Annotated[str | None, typer.Option(help="Attach to this running node (e.g. lamm chain up).")]
_ACCOUNT = Annotated[str, typer.Option(help="test:N on local chains, else a keystore alias.")]


@model_app.command(
    "register",
    epilog="Example: lamm model register --rpc http://127.0.0.1:8545 --model models/fee-arbitrum "
    "--controller 0x... --pool 0x... --out deployments/model.json",
)
@user_errors
def model_register(
    model: Annotated[Path, typer.Option(help="Model folder (models/NAME).")],
    network: _NETWORK = "ethereum:local:foundry",
    rpc: _RPC = None,
    account: _ACCOUNT = "test:0",
    controller: Annotated[
        str | None, typer.Option(help="FeeController to register at (default: deploy a new one).")
    ] = None,
    pool: Annotated[list[str] | None, typer.Option(help="Pool to put under the model (repeatable).")] = None,
    srs: Annotated[Path | None, typer.Option(help="KZG SRS file (production); default: a development SRS.")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="Registration record (JSON).")] = None,
) -> None:
    """Build the model's circuit if missing, deploy its verifier and register it at a FeeController."""
    from agents.chain import connect, load_account
    from agents.zk.model_circuit import zk_for_model
    from agents.zk.registry import register_model

    zk = zk_for_model(model, srs, log=err.print)
    with connect(network, rpc) as (ape, project):
        record = register_model(ape, project, load_account(ape, account), network, zk, controller, tuple(pool or ()))
    out.print(
        f"model {record.model_id}: verifier {record.verifier} ({record.verifier_bytes} bytes) registered at "
        f"FeeController {record.controller}; pools {', '.join(record.pools) or 'none'}; SRS {record.srs}"
    )
    if out_file:
        out.print(f"record: {record.write(out_file)}")


@agent_app.command(
    "fee",
    epilog="Example: lamm agent fee --rpc http://127.0.0.1:8545 --model models/fee-arbitrum --pool 0x... --once",
)
@user_errors
def agent_fee(
    model: Annotated[Path, typer.Option(help="Model folder (models/NAME), registered with `lamm model register`.")],
    pool: Annotated[str, typer.Option(help="DynamicFeePool governed by the model.")],
    network: _NETWORK = "ethereum:local:foundry",
    rpc: _RPC = None,
    account: _ACCOUNT = "test:0",
    once: Annotated[bool, typer.Option("--once", help="One update, then exit.")] = False,
    every: Annotated[float | None, typer.Option(help="Seconds between updates (runs until Ctrl-C).")] = None,
) -> None:
    """Read the pool's features, run the policy, prove the fee and propose it; log every step."""
    from agents.chain import connect, load_account
    from agents.fee_agent import FeeAgent
    from agents.zk.model_circuit import zk_for_model

    if once == (every is not None):
        raise ValueError("give exactly one of --once or --every SECONDS")
    if every is not None and every <= 0:
        raise ValueError(f"--every {every}: give a positive number of seconds")
    zk = zk_for_model(model, log=err.print)
    with connect(network, rpc) as (ape, project):
        from ape.logging import logger

        logger.set_level("WARNING")
        log = lambda line: out.print(line, soft_wrap=True, markup=False, highlight=False)  # noqa: E731
        agent = FeeAgent(ape, project, load_account(ape, account), zk, pool, log=log)
        try:
            agent.run(every=every)
        except KeyboardInterrupt:
            out.print("stopped")


@app.command(epilog="Example: lamm demo --out reports/demo")
@user_errors
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Where the demo writes its report.")] = Path("reports/demo"),
    days: Annotated[int, typer.Option(help="Days of synthetic market.")] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic market.")] = 0,
    train_steps: Annotated[int, typer.Option(help="PPO steps of the training stage (0 skips it).")] = 60_000,
    chain: Annotated[bool, typer.Option(help="Run the chain stage (local anvil).")] = True,
) -> None:
    """Run the whole pipeline on the embedded synthetic market: no data, no RPC."""
    from lamm.demo import run_demo

    run_demo(out_dir, days, seed, train_steps, out, err, chain)


import lamm.portfolio_commands  # noqa: E402,F401  (registers deploy vault / agent portfolio)
import lamm.schedule_commands  # noqa: E402,F401  (registers schedule add/list/pause/resume/remove/run/runs)

if __name__ == "__main__":
    app()
