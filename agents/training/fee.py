"""`lamm train fee`: train a fee policy with stable-baselines3 on a replayed market.

One run: vectorised training environments (random one-day windows of the training period, all stepped in
one C call: agents.training.fee_vec_env), an evaluation on the whole validation period every `eval_every`
steps that keeps the best checkpoint, TensorBoard logs, a rolling `last` checkpoint to resume from, then the
model artifact (agents.training.artifact): SB3 zip, ONNX graph, model card with the validation table against
every baseline."""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from stable_baselines3 import PPO, SAC
from stable_baselines3.common.callbacks import BaseCallback, CallbackList, EvalCallback
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv, VecMonitor
from torch import nn

from agents.training.config import TrainConfig
from agents.training.fee_vec_env import FeeVecEnv
from backtests.sources import load_swap_table
from envs.fee_env import DynamicFeeEnv
from envs.market import Market, MarketSpec, build_market

ALGORITHMS = {"ppo": PPO, "sac": SAC, "cps": PPO}  # cps saves an SB3 PPO model
warnings.filterwarnings("ignore", message="Training and eval env are not of the same type")


@dataclass(frozen=True)
class Period:
    """An inclusive range of UTC days."""

    start: date
    end: date

    def __post_init__(self):
        if self.start > self.end:
            raise ValueError(f"period {self.start} to {self.end} ends before it starts")

    def __str__(self) -> str:
        return f"{self.start}..{self.end}"


def check_periods(train: Period, val: Period) -> None:
    """Validation must come strictly after training: no overlap, no look-ahead."""
    if val.start <= train.end:
        raise ValueError(
            f"validation period {val} overlaps or precedes training period {train}: "
            "validation must start after the last training day"
        )


def load_period(data: str, period: Period | None, spec: MarketSpec, step: str, synthetic_seed: int = 0) -> Market:
    start, end = (period.start, period.end) if period else (None, None)
    table = load_swap_table(data, start, end, seed=synthetic_seed)
    if table.num_rows == 0:
        raise ValueError(f"--data {data}: no swaps in {period} (empty period)")
    return build_market(table, spec, step)


def _eval_env(market: Market, cfg: TrainConfig) -> DummyVecEnv:
    """The validation period replayed once, unscaled and unshaped: its return is the policy's PnL in bps."""
    return DummyVecEnv([lambda: Monitor(DynamicFeeEnv(market, cfg.sim, rule_map=cfg.rules))])


def episode_steps(market: Market, cfg: TrainConfig) -> int:
    seconds = (int(market.step_time[-1]) - market.start_time) / max(market.n_steps, 1)
    return max(1, min(market.n_steps, int(round(cfg.episode_days * 86400 / seconds))))


class SaveLast(BaseCallback):
    """Keeps `last.zip` (and SAC's replay buffer) every `every` steps, for resuming."""

    def __init__(self, folder: Path, every: int):
        super().__init__()
        self.folder, self.every, self._next = folder, every, every

    def _on_step(self) -> bool:
        if self.num_timesteps >= self._next:
            self._next += self.every
            self.save()
        return True

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / "last.tmp.zip"
        self.model.save(tmp)
        tmp.replace(self.folder / "last.zip")
        if hasattr(self.model, "replay_buffer") and self.model.replay_buffer is not None:
            self.model.save_replay_buffer(self.folder / "replay_buffer.pkl")
        (self.folder / "last.json").write_text(json.dumps({"num_timesteps": self.num_timesteps}))


def _vec_env(market: Market, cfg: TrainConfig) -> VecMonitor:
    baseline = cfg.reward_baseline_bps
    env = FeeVecEnv(
        market,
        cfg.sim,
        cfg.n_envs,
        episode_steps(market, cfg),
        cfg.rules,
        reward_baseline_bps=baseline,
        reward_shaping_gamma=cfg.gamma if cfg.reward_shaping and baseline is not None else None,
        reward_scale=cfg.reward_scale,
    )
    return VecMonitor(env)


def _policy_kwargs(cfg: TrainConfig) -> dict:
    activation = {"relu": nn.ReLU, "tanh": nn.Tanh}[cfg.activation]
    return dict(activation_fn=activation, log_std_init=cfg.log_std_init)


def _new_model(cfg: TrainConfig, env, tb_dir: Path | None):
    kwargs = dict(
        policy="MlpPolicy",
        env=env,
        learning_rate=cfg.learning_rate,
        gamma=cfg.gamma,
        seed=cfg.seed,
        verbose=0,
        tensorboard_log=str(tb_dir) if tb_dir else None,
        device="cpu",
    )
    if cfg.algo == "ppo":
        return PPO(
            **kwargs,
            n_steps=max(cfg.n_steps // cfg.n_envs, 8),
            batch_size=cfg.batch_size,
            n_epochs=cfg.n_epochs,
            ent_coef=cfg.ent_coef,
            clip_range=cfg.clip_range,
            use_sde=cfg.sde_sample_freq is not None,
            sde_sample_freq=cfg.sde_sample_freq or -1,
            policy_kwargs=dict(net_arch=dict(pi=list(cfg.net_arch), vf=[64, 64]), **_policy_kwargs(cfg)),
        )
    return SAC(
        **kwargs,
        buffer_size=cfg.buffer_size,
        learning_starts=cfg.learning_starts,
        batch_size=cfg.batch_size,
        tau=cfg.tau,
        use_sde=cfg.sde_sample_freq is not None,
        sde_sample_freq=cfg.sde_sample_freq or -1,
        policy_kwargs=dict(net_arch=dict(pi=list(cfg.net_arch), qf=[64, 64]), **_policy_kwargs(cfg)),
    )


@dataclass
class TrainOutcome:
    model_path: Path  # the chosen checkpoint (best on validation, else the last)
    num_timesteps: int
    seconds: float
    best_validation_bps: float | None


def train(
    train_market: Market,
    val_market: Market | None,
    cfg: TrainConfig,
    out_dir: Path,
    resume: bool = False,
    progress_bar: bool = False,
) -> TrainOutcome:
    """Trains (or resumes) into out_dir/checkpoints and returns where the chosen policy is."""
    if cfg.algo == "cps":
        if resume:
            raise ValueError("--resume: counterfactual policy search (cps) keeps no checkpoints; run it again")
        from agents.training.policy_search import train_cps

        path, simulated, seconds = train_cps(train_market, cfg, out_dir, _new_model, progress_bar)
        return TrainOutcome(path, simulated, seconds, None)
    ckpt = out_dir / "checkpoints"
    algo = ALGORITHMS[cfg.algo]
    env = _vec_env(train_market, cfg)
    t0 = time.perf_counter()
    try:
        last = ckpt / "last.zip"
        if resume and last.exists():
            model = algo.load(last, env=env, device="cpu", tensorboard_log=str(out_dir / "tb"))
            if (ckpt / "replay_buffer.pkl").exists():
                model.load_replay_buffer(ckpt / "replay_buffer.pkl")
        elif resume:
            raise FileNotFoundError(f"nothing to resume: {last} does not exist")
        else:
            model = _new_model(cfg, env, out_dir / "tb")
        saver = SaveLast(ckpt, cfg.checkpoint_every)
        callbacks: list[BaseCallback] = [saver]
        evaluator = None
        if val_market is not None:
            eval_env = _eval_env(val_market, cfg)
            evaluator = EvalCallback(
                eval_env,
                n_eval_episodes=1,
                eval_freq=max(cfg.eval_every // cfg.n_envs, 1),
                best_model_save_path=str(ckpt),
                deterministic=True,
                verbose=0,
                warn=False,
            )
            callbacks.append(evaluator)
            record = ckpt / "best.json"
            if resume and record.exists():
                evaluator.best_mean_reward = json.loads(record.read_text())["validation_bps"]
        remaining = cfg.timesteps - model.num_timesteps
        if remaining > 0:
            model.learn(
                remaining,
                callback=CallbackList(callbacks),
                reset_num_timesteps=not resume,
                progress_bar=progress_bar,
                tb_log_name=cfg.algo,
            )
        saver.model = model
        saver.num_timesteps = model.num_timesteps
        saver.save()
    finally:
        env.close()
    best = ckpt / "best_model.zip"
    best_bps = None
    if evaluator is not None and evaluator.best_mean_reward > float("-inf"):
        best_bps = float(evaluator.best_mean_reward)
        (ckpt / "best.json").write_text(json.dumps({"validation_bps": best_bps}))
    return TrainOutcome(best if best.exists() else last, model.num_timesteps, time.perf_counter() - t0, best_bps)


def load_model(path: Path, algo: str):
    return ALGORITHMS[algo].load(path, device="cpu")
