"""`lamm demo`: the pipeline on the embedded synthetic market, stage by stage.

1. train: a short PPO training on one synthetic market (seed S), a few minutes on two cores;
2. backtest: the baselines, the freshly trained policy and the shipped default policy on another synthetic
   market (seed S+1, never seen in training), with the report;
3. chain: the DynamicFeePool on a local anvil, synthetic swaps replayed through it and fetched back;
4. verified fee: the shipped policy registered at a FeeController, and a fee update proved in zero knowledge;
5. v4 hook: a Uniswap v4 pool behind DynamicFeeHook on a fork of the project's mainnet snapshot, swaps through
   the Universal Router, and a fee update proved in zero knowledge;
6. portfolio: an AgentVault on a fork of the project's mainnet snapshot and one constant-mix rebalance;
7. schedule: a rebalance job every few seconds against a demo vault for three runs, then the run ledger.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rich.console import Console

from backtests.command import BacktestRequest, metrics_table, run_backtest
from backtests.report import shown_path
from envs.market import MarketSpec
from envs.simulation import FeeSimConfig
from strategies.spec import DEFAULT_FEE_SPECS

SHIPPED_MODEL = Path(__file__).resolve().parents[2] / "models" / "fee-arbitrum"


def train_demo_policy(out_dir: Path, timesteps: int, out: Console) -> Path:
    from agents.training.config import TrainConfig
    from agents.training.jobs import TrainingJob, run_training_job

    model_dir = out_dir / "model"
    out.rule(f"[bold]1. training[/bold]: PPO, {timesteps:,} steps on the synthetic market")
    cfg = TrainConfig(timesteps=timesteps, eval_every=10**9, checkpoint_every=max(timesteps // 4, 1))
    card = run_training_job(replace(TrainingJob("synthetic", None, None, MarketSpec(), cfg, model_dir), name="demo"))
    out.print(
        f"trained in {card['training']['seconds']:.0f} s; policy {card['policy']['parameters']} parameters, "
        f"ONNX parity {card['policy']['onnx_parity_max_abs']:.1e}; model card: {shown_path(model_dir / 'card.md')}"
    )
    return model_dir


def run_demo(
    out_dir: Path, days: int, seed: int, timesteps: int, out: Console, err: Console, chain: bool = True
) -> None:
    specs = list(DEFAULT_FEE_SPECS)
    if timesteps > 0:
        specs.append(f"learned:{shown_path(train_demo_policy(out_dir, timesteps, out))}")
    if (SHIPPED_MODEL / "policy.onnx").exists():
        specs.append(f"learned:{shown_path(SHIPPED_MODEL)}")
    out.rule("[bold]2. backtest[/bold]: baselines and learned policies on an unseen synthetic market")
    req = BacktestRequest(
        "synthetic",
        None,
        None,
        specs,
        MarketSpec(),
        FeeSimConfig(),
        "60s",
        out_dir,
        out_dir / "metrics.json",
        days,
        seed + 1,
    )
    result = run_backtest(req, err)
    out.print(metrics_table(result.metrics, f"synthetic market, {days} days, seed {seed + 1}", out.width))
    best = max(result.metrics, key=lambda s: result.metrics[s]["hedged_pnl_bps_per_day"])
    out.print(f"best: [bold]{best}[/bold]")
    out.print(f"report: {shown_path(result.report)}")
    if chain:
        from lamm.demo.chain import run_chain_stage

        out.rule("[bold]3. chain[/bold]: the pool on a local anvil, swaps replayed and fetched back")
        run_chain_stage(out, seed=seed)
        if (SHIPPED_MODEL / "model.zip").exists():
            from lamm.demo.verified import run_verified_stage

            out.rule("[bold]4. verified fee[/bold]: the shipped policy proves its fee update on-chain")
            run_verified_stage(out, SHIPPED_MODEL, seed=seed)
            from lamm.demo.hook import run_hook_stage

            out.rule("[bold]5. v4 hook[/bold]: the same policy governs a Uniswap v4 pool through DynamicFeeHook")
            run_hook_stage(out, SHIPPED_MODEL)
        from lamm.demo.portfolio import run_portfolio_stage

        out.rule("[bold]6. portfolio[/bold]: a vault on the forked mainnet snapshot, one rebalance by the agent")
        run_portfolio_stage(out)
        from lamm.demo.schedule import run_schedule_stage

        out.rule("[bold]7. schedule[/bold]: a rebalance job every few seconds, three runs, the ledger")
        run_schedule_stage(out)
