"""`lamm train fee | portfolio` and `lamm tune fee`: policies trained, tuned and written as model folders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lamm.commands.common import (
    ADDRESS,
    BACKEND,
    DATA,
    DAY,
    DECIMALS0,
    DECIMALS1,
    QUOTE,
    VENUE_FEE,
    day,
    err,
    out,
    user_errors,
)

train_app = typer.Typer(help="Train policies.", no_args_is_help=True)
tune_app = typer.Typer(help="Sweep hyperparameters.", no_args_is_help=True)


def training_job(
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
    """The TrainingJob the flags describe (config file, then flags over it), periods checked."""
    from agents.training.config import load_train_config
    from agents.training.fee import Period, check_periods
    from agents.training.jobs import TrainingJob
    from envs.market import MarketSpec

    cfg = load_train_config(config, algo=algo, timesteps=timesteps, seed=seed, step=step, n_envs=n_envs)
    if data == "synthetic":
        train_period = val_period = None
    else:
        flags = (("--train-from", train_from), ("--train-to", train_to), ("--val-from", val_from), ("--val-to", val_to))
        missing = [name for name, value in flags if value is None]
        if missing:
            raise ValueError(f"give {', '.join(missing)} (YYYY-MM-DD) for --data {data}")
        train_period = Period(day(train_from), day(train_to))
        val_period = Period(day(val_from), day(val_to))
        check_periods(train_period, val_period)
    spec = MarketSpec(decimals0, decimals1, quote, venue_fee_bps / 1e4)
    return TrainingJob(data, train_period, val_period, spec, cfg, Path(out_dir), Path(out_dir).name, resume)


@train_app.command(
    "fee",
    epilog="Example: lamm train fee --data ../shared/data/arbitrum-univ3-weth-usdt-005/swaps --train-from 2025-05-04 "
    "--train-to 2025-07-05 --val-from 2025-07-06 --val-to 2025-07-30 --algo ppo --timesteps 300000 --seed 0 "
    "--out models/fee-arbitrum",
)
@user_errors
def fee(
    data: DATA = "synthetic",
    train_from: DAY = None,
    train_to: DAY = None,
    val_from: DAY = None,
    val_to: DAY = None,
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
    backend: BACKEND = "local",
    address: ADDRESS = None,
    step: Annotated[str | None, typer.Option(help="Decision step (default 60s).")] = None,
    n_envs: Annotated[int | None, typer.Option(help="Training environments stepped together (PPO 16, SAC 2).")] = None,
    decimals0: DECIMALS0 = 18,
    decimals1: DECIMALS1 = 6,
    quote: QUOTE = 1,
    venue_fee_bps: VENUE_FEE = 5.0,
) -> None:
    """Train a fee policy (PPO, SAC or cps) and write models/NAME: SB3 zip, ONNX graph, model card."""
    job = training_job(
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
        from agents.training.fee import load_period
        from agents.training.walk_forward import observed_days, run_walk_forward

        if job.train is None:
            raise ValueError("--walk-forward needs real data and periods")
        span = type(job.train)(job.train.start, job.evaluation.end)
        days = observed_days(load_period(data, span, job.spec, job.config.step))
        summary = run_walk_forward(job, walk_forward, days, backend, address)
        out.print((job.out / "walk_forward.md").read_text())
        out.print(f"pooled margin: {summary['pooled_margin_bps_per_day']:+.5f} bps/day")
        return
    from agents.training.jobs import run_training_job, train_seeds

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
    "--train-to 2024-11-30 --eval-from 2024-12-01 --eval-to 2025-01-31 --trade-fee-bps 30 --pool-depth 10000000 "
    "--trade-gas 3 --walk-forward 3 --out models/portfolio",
)
@user_errors
def portfolio(
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
    fee_bps: Annotated[
        float, typer.Option("--trade-fee-bps", "--fee-bps", help="LP fee of the pools it trades in, bps.")
    ] = 30.0,
    depth: Annotated[
        float | None,
        typer.Option("--pool-depth", "--depth", help="Numeraire reserve of each pool (default: no price impact)."),
    ] = None,
    gas: Annotated[float, typer.Option("--trade-gas", help="Gas per trade, in the numeraire.")] = 0.0,
    band: Annotated[float, typer.Option(help="Trade only when a weight is this far from target.")] = 0.05,
    every: Annotated[int, typer.Option(help="Rows of prices between decisions.")] = 24,
    turnover_penalty: Annotated[float, typer.Option(help="Training only: reward less this x turnover.")] = 0.0,
    synthetic: Annotated[int, typer.Option(help="Synthetic regime markets mixed into training.")] = 8,
    synthetic_share: Annotated[float, typer.Option(help="Share of episodes on synthetic markets.")] = 0.5,
    walk_forward: Annotated[
        int, typer.Option(help="Also K walk-forward folds over training and evaluation days (0: none).")
    ] = 0,
    trials: Annotated[
        int | None,
        typer.Option(
            help="Configurations tried to arrive at this one, for the card's deflated Sharpe (default: "
            "the strategies compared)."
        ),
    ] = None,
) -> None:
    """Train a portfolio allocation policy (PPO) and write its artifact and model card."""
    from agents.training.portfolio import PortfolioTrainConfig
    from agents.training.portfolio_run import run_portfolio_training

    try:
        seed_list = [int(s) for s in seeds.split(",") if s.strip()]
    except ValueError:
        raise ValueError(f"--seeds {seeds!r}: give comma-separated integers") from None
    if timesteps <= 0 or not seed_list:
        raise ValueError("--timesteps must be positive and --seeds must list at least one seed")
    if trials is not None and trials < 1:
        raise ValueError(f"--trials {trials}: give at least 1")
    if every < 1 or not 0 <= synthetic_share < 1 or synthetic < 0 or turnover_penalty < 0 or walk_forward < 0:
        raise ValueError(
            "--every must be >= 1, --synthetic-share in [0, 1), --synthetic, --turnover-penalty and "
            "--walk-forward not negative"
        )
    cfg = PortfolioTrainConfig(
        trials=trials,
        timesteps=timesteps,
        fee_bps=fee_bps,
        depth=depth,
        gas=gas,
        band=band,
        every=every,
        turnover_penalty=turnover_penalty,
        synthetic=synthetic,
        synthetic_share=synthetic_share if synthetic else 0.0,
    )
    card = run_portfolio_training(
        data,
        (day(train_from), day(train_to)),
        (day(eval_from), day(eval_to)),
        cfg,
        out_dir,
        seed_list,
        interval,
        [a.strip() for a in assets.split(",")] if assets else None,
        log=out.print,
        walk_forward=walk_forward,
    )
    out.print(
        f"model card: {out_dir / 'card.md'}; Sharpe margin over the best constant mix "
        f"{card['sharpe_margin_over_best_mix']:+.3f}"
    )


@tune_app.command("fee", epilog="Example: lamm tune fee --data synthetic --trials 8 --timesteps 20000 --backend ray")
@user_errors
def tune_fee(
    data: DATA = "synthetic",
    train_from: DAY = None,
    train_to: DAY = None,
    val_from: DAY = None,
    val_to: DAY = None,
    trials: Annotated[int, typer.Option(help="Number of trials.")] = 8,
    parallel: Annotated[int, typer.Option(help="Trials trained at once.")] = 2,
    algo: Annotated[str | None, typer.Option(help="ppo, sac or cps.")] = None,
    timesteps: Annotated[int | None, typer.Option(help="Steps per trial.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the trials and the sampler.")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Sweep folder.")] = Path("runs/tune-fee"),
    config: Annotated[Path | None, typer.Option(help="Base TOML settings.")] = None,
    backend: BACKEND = "local",
    address: ADDRESS = None,
    n_envs: Annotated[int | None, typer.Option(help="Training environments per trial.")] = None,
    decimals0: DECIMALS0 = 18,
    decimals1: DECIMALS1 = 6,
    quote: QUOTE = 1,
    venue_fee_bps: VENUE_FEE = 5.0,
) -> None:
    """Search training settings (Optuna TPE), trials trained on local processes or Ray."""
    from agents.training.tuning import tune

    job = training_job(
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
