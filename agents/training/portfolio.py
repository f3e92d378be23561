"""`lamm train portfolio`: PPO on PortfolioEnv, then the artifact: model.zip, policy.onnx (observation ->
weights), card.json/md with the evaluation against buy-and-hold, constant mixes and momentum.

Training pays the costs the policy will execute at (the LP fee, pool depth and gas of `lamm backtest
portfolio`'s flags), decides every `every` rows, tilts the equal mix inside a no-trade band, and may be
braked by a turnover penalty. Episodes are random windows of the training period or, with probability
`synthetic_share`, of seeded synthetic markets with regimes (envs.synthetic_regimes). The final model is
shipped (no checkpoint is chosen on the evaluation period).
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv
from torch import nn

from agents.training.artifact import portable_path, sha256
from agents.training.portfolio_bar import bar_line, quality_bar
from backtests.portfolio_engine import portfolio_metrics, run_portfolio
from backtests.portfolio_stats import interval_text
from envs.portfolio_env import PortfolioEnv
from envs.portfolio_execution import ExecutionConfig
from envs.portfolio_features import TILT, observation_size
from envs.price_series import PriceSeries
from envs.synthetic_regimes import synthetic_regimes
from strategies.portfolio_spec import parse_portfolio_strategy

BASELINES = ("hold", "mix", "mix:every=24", "mix:every=168", "mix:band=0.05", "mix:band=0.1", "momentum")
CAPITAL = 1_000_000.0


@dataclass(frozen=True)
class PortfolioTrainConfig:
    timesteps: int = 200_000
    seed: int = 0
    n_envs: int = 2
    episode_days: float = 60.0
    net_arch: tuple[int, ...] = (64, 64)
    learning_rate: float = 3e-4
    gamma: float = 0.9
    n_steps: int = 2048
    batch_size: int = 256
    n_epochs: int = 10
    log_std_init: float = -1.5
    reward_scale: float = 30.0  # log returns per decision are ~1e-2: scaled for the optimiser only
    fee_bps: float = 30.0  # the execution model: as `lamm backtest portfolio` --trade-fee-bps, --pool-depth,
    depth: float | None = None  # --trade-gas
    gas: float = 0.0
    band: float = 0.05  # trade only when some weight is this far from the target
    every: int = 24  # rows of prices between decisions
    turnover_penalty: float = 0.0  # training only: reward less this times the value traded over the value
    synthetic: int = 8  # seeded synthetic regime markets mixed into training (0: real prices only)
    synthetic_share: float = 0.5  # probability that an episode replays one of them
    trials: int | None = None  # configurations tried, for the deflated Sharpe (None: the strategies compared)

    @property
    def execution(self) -> ExecutionConfig:
        return ExecutionConfig(fee=self.fee_bps / 1e4, depth=self.depth, gas=self.gas)

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["net_arch"] = list(self.net_arch)
        return d


def training_markets(train: PriceSeries, cfg: PortfolioTrainConfig) -> tuple[list[PriceSeries], list[float]]:
    """The training period and cfg.synthetic seeded regime markets of its asset count, with their draw odds."""
    if cfg.synthetic <= 0:
        return [train], [1.0]
    days = len(train.times) * train.interval / 86400
    n = train.prices.shape[1]
    interval = f"{train.interval}s"
    extra = [synthetic_regimes(n, days, interval, seed=10_000 * cfg.seed + k) for k in range(cfg.synthetic)]
    share = cfg.synthetic_share / cfg.synthetic
    return [train, *extra], [1.0 - cfg.synthetic_share, *([share] * cfg.synthetic)]


def _make(markets, mix, cfg: PortfolioTrainConfig, episode_steps: int, seed: int):
    import gymnasium as gym

    def make():
        env = PortfolioEnv(
            markets,
            cfg.execution,
            episode_steps,
            cfg.band,
            every=cfg.every,
            turnover_penalty=cfg.turnover_penalty,
            mix=mix,
        )
        env = gym.wrappers.TransformReward(env, lambda r: r * cfg.reward_scale)
        env.reset(seed=seed)
        return env

    return make


class DeterministicWeights(nn.Module):
    """observation -> target asset weights: the PPO actor's mean, clipped, mapped exactly as
    envs.portfolio_features.weights_from_action does (a tilt of the equal mix, part in the numeraire)."""

    def __init__(self, model: PPO, n_assets: int):
        super().__init__()
        self.latent, self.head, self.n = model.policy.mlp_extractor.policy_net, model.policy.action_net, n_assets

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        a = torch.clamp(self.head(self.latent(obs)), -1.0, 1.0)
        cash = torch.clamp(a[..., self.n :], min=0.0)
        return (1.0 - cash) * torch.softmax(TILT * a[..., : self.n], dim=-1)


def export_weights_onnx(model: PPO, n_assets: int, path: Path) -> Path:
    torch.onnx.export(
        DeterministicWeights(model, n_assets).eval(),
        (torch.zeros(1, observation_size(n_assets)),),
        str(path),
        input_names=["observation"],
        output_names=["weights"],
        dynamic_axes={"observation": {0: "batch"}, "weights": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    return path


def train_portfolio(train: PriceSeries, cfg: PortfolioTrainConfig, out_dir: Path, progress_bar: bool = False):
    """Trains and writes model.zip and policy.onnx into out_dir; returns (model, seconds)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    markets, mix = training_markets(train, cfg)
    shortest = min(len(m.times) for m in markets)
    steps = min(int(cfg.episode_days * 86400 / (train.interval * cfg.every)), (shortest - 2) // cfg.every)
    fns = [_make(markets, mix, cfg, steps, cfg.seed * 100 + i) for i in range(cfg.n_envs)]
    env = SubprocVecEnv(fns, start_method="fork") if cfg.n_envs > 1 else DummyVecEnv(fns)
    t0 = time.perf_counter()
    try:
        model = PPO(
            "MlpPolicy",
            env,
            learning_rate=cfg.learning_rate,
            n_steps=max(cfg.n_steps // cfg.n_envs, 8),
            batch_size=cfg.batch_size,
            n_epochs=cfg.n_epochs,
            gamma=cfg.gamma,
            seed=cfg.seed,
            device="cpu",
            verbose=0,
            tensorboard_log=str(out_dir / "tb"),
            policy_kwargs=dict(
                net_arch=dict(pi=list(cfg.net_arch), vf=[64, 64]),
                activation_fn=nn.ReLU,
                log_std_init=cfg.log_std_init,
            ),
        )
        model.learn(cfg.timesteps, progress_bar=progress_bar, tb_log_name="ppo")
    finally:
        env.close()
    seconds = time.perf_counter() - t0
    model.save(out_dir / "model.zip")
    export_weights_onnx(model, train.prices.shape[1], out_dir / "policy.onnx")
    (out_dir / "policy.json").write_text(
        json.dumps({"assets": train.assets, "band": cfg.band, "every": cfg.every}) + "\n"
    )
    return model, seconds


def evaluate_portfolio(model_dir: Path, series: PriceSeries, cfg: PortfolioTrainConfig) -> tuple[dict, dict]:
    """(metrics, quality bar) of the learned policy and every baseline over `series`, same costs for all."""
    learned = f"learned:{model_dir}"
    metrics, values = {}, {}
    for spec in (learned, *BASELINES):
        run = run_portfolio(series, parse_portfolio_strategy(spec), cfg.execution, CAPITAL)
        metrics[spec], values[spec] = portfolio_metrics(series, run, CAPITAL), run.values
    return metrics, quality_bar(series.times, metrics, values, learned, CAPITAL, cfg.trials)


def write_portfolio_card(out_dir: Path, card: dict) -> None:
    (out_dir / "card.json").write_text(json.dumps(card, indent=2) + "\n")
    lines = [
        f"# Model card: {out_dir.name} (portfolio)",
        "",
        f"- PPO, seed {card['seed']}, {card['timesteps']:,} steps in {card['seconds']:.0f} s; assets "
        f"{', '.join(card['assets'])} against the numeraire, prices every {card['interval']} s",
        f"- data: {card['data']['path']}"
        + (f" (sha256 {card['data']['sha256'][:16]}...)" if card["data"]["sha256"] else ""),
        f"- training {card['train']}; evaluation {card['evaluation']}",
        f"- trained and evaluated at the costs it executes at: LP fee {card['config']['fee_bps']} bps, pool depth "
        f"{card['config']['depth']}, gas {card['config']['gas']} per trade; decides every {card['config']['every']} "
        f"rows, trades only when a weight is {card['config']['band']:.0%} off its target (a tilt of the equal mix)",
        f"- training episodes: {1 - card['config']['synthetic_share']:.0%} real prices, "
        f"{card['config']['synthetic_share']:.0%} {card['config']['synthetic']} synthetic regime markets; "
        f"turnover penalty {card['config']['turnover_penalty']}",
        f"- quality bar: {bar_line(card['bar'])}",
        "",
        "| strategy | return | volatility/yr | Sharpe | max drawdown | turnover/yr | costs bps |",
        "|---|---|---|---|---|---|---|",
    ]
    for spec, m in card["metrics"].items():
        lines.append(
            f"| {spec} | {m['total_return']:+.2%} | {m['annual_volatility']:.1%} | {m['sharpe']:+.2f} | "
            f"{m['max_drawdown']:.1%} | {m['turnover_per_year']:.1f}x | {m['costs_bps']:.1f} |"
        )
    comparison = card["bar"].get("comparison")
    if comparison:
        lines += [
            "",
            f"Over {comparison['days']} days, stationary block bootstrap ({comparison['block_days']:g}-day blocks), "
            f"95% intervals; paired with the best constant mix ({comparison['best_mix']}); deflated Sharpe for "
            f"{comparison['trials']} configurations:",
            "",
            "| strategy | Sharpe [95%] | return [95%] | Sharpe - best mix [95%] | deflated Sharpe |",
            "|---|---|---|---|---|",
        ]
        for spec, f in comparison["strategies"].items():
            gap = f.get("vs_best_mix")
            lines.append(
                f"| {spec} | {interval_text(f['sharpe'], '{:+.2f}')} | {interval_text(f['total_return'], '{:+.1%}')} "
                f"| {interval_text(gap['sharpe'], '{:+.2f}') if gap else '(best mix)'} | {f['deflated_sharpe']:.2f} |"
            )
        lines.append("")
    for fold in card.get("walk_forward", []):
        lines.append(f"- walk-forward fold {fold['fold']} ({fold['evaluation']}): {bar_line(fold['bar'])}")
    (out_dir / "card.md").write_text("\n".join(lines) + "\n")


def build_portfolio_card(data: Path, train, evaluation, series_eval, cfg, seconds, out_dir) -> dict:
    metrics, bar = evaluate_portfolio(out_dir, series_eval, cfg)
    mixes = {k: v for k, v in metrics.items() if k.startswith("mix")}
    best_mix = max(mixes, key=lambda k: mixes[k]["sharpe"])
    learned = metrics[f"learned:{out_dir}"]
    card = {
        "kind": "portfolio",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": cfg.seed,
        "timesteps": cfg.timesteps,
        "seconds": seconds,
        "assets": series_eval.assets,
        "interval": series_eval.interval,
        "data": {"path": portable_path(data), "sha256": sha256(Path(data)) if Path(data).is_file() else None},
        "train": train,
        "evaluation": evaluation,
        "config": cfg.to_dict(),
        "metrics": metrics,
        "best_constant_mix": best_mix,
        "sharpe_margin_over_best_mix": learned["sharpe"] - mixes[best_mix]["sharpe"],
        "sharpe_margin_over_hold": learned["sharpe"] - metrics["hold"]["sharpe"],
        "bar": bar,
    }
    write_portfolio_card(out_dir, card)
    return card


def seeds_summary(cards: list[dict]) -> dict:
    margins = [c["sharpe_margin_over_best_mix"] for c in cards]
    return {"margins": margins, "mean": float(np.mean(margins)), "std": float(np.std(margins))}


def train_seeds(data, train_period, eval_period, cfg, out_dir, seeds, interval, assets, log) -> dict:
    import shutil

    from envs.price_series import load_price_series, synthetic_prices

    (t0, t1), (e0, e1) = train_period, eval_period
    if t1 is not None and e0 is not None and e0 <= t1:
        raise ValueError(f"evaluation period {e0}..{e1} overlaps training {t0}..{t1}")
    if data == "synthetic":
        full = synthetic_prices(days=180, interval=interval, seed=cfg.seed)
        cut = int(len(full.times) * 0.7)
        train, evaluation = full.window(0, cut), full.window(cut, len(full.times))
    else:
        train = load_price_series(data, t0, t1, interval, assets)
        evaluation = load_price_series(data, e0, e1, interval, assets)
    cards = []
    for seed in seeds:
        folder = out_dir / "seeds" / f"seed-{seed}" if len(seeds) > 1 else out_dir
        seed_cfg = dataclasses.replace(cfg, seed=seed)
        _, seconds = train_portfolio(train, seed_cfg, folder)
        card = build_portfolio_card(Path(data), f"{t0}..{t1}", f"{e0}..{e1}", evaluation, seed_cfg, seconds, folder)
        log(f"seed {seed}: Sharpe margin over the best constant mix {card['sharpe_margin_over_best_mix']:+.3f}")
        cards.append(card)
    if len(seeds) == 1:
        return cards[0]
    median = sorted(range(len(cards)), key=lambda i: cards[i]["sharpe_margin_over_best_mix"])[len(cards) // 2]
    chosen = out_dir / "seeds" / f"seed-{seeds[median]}"
    for name in ("model.zip", "policy.onnx", "policy.json"):
        shutil.copyfile(chosen / name, out_dir / name)
    card = build_portfolio_card(
        Path(data),
        f"{t0}..{t1}",
        f"{e0}..{e1}",
        evaluation,
        dataclasses.replace(cfg, seed=seeds[median]),
        cards[median]["seconds"],
        out_dir,
    )
    card["seeds"] = seeds_summary(cards) | {"seeds": seeds, "shipped": seeds[median]}
    write_portfolio_card(out_dir, card)
    return card
