"""Counterfactual policy search (`--algo cps`): fit the fee policy to what every fee would have earned.

The simulator can replay a step from the state it is in and leave no trace (`Replay.what_if`). Along the path
of a base fee (the best static fee on the training days), every step is replayed at each fee of a log-spaced
grid and continued at the base fee for `cps_horizon` steps; the hedged PnL over that horizon is the value of
choosing that fee then. Every fee sees the same swaps and price path (common random numbers), so the market's
noise cancels in their differences, and the horizon counts what a fee change costs later (a fee cut lets
arbitrageurs close the displacement the old fee kept). The policy network, the MLP the other algorithms
train, is fitted by gradient ascent on that value interpolated at its fee (piecewise linear in log fee),
stopped early on the last fifth of the training days; the validation days are not looked at. This is policy
search with fixed random numbers (Ng & Jordan's PEGASUS) on one-step deviations. The result is saved as an
SB3 PPO model, so export, evaluation, backtests and proofs are unchanged.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import torch
from rich.progress import track
from stable_baselines3 import PPO
from stable_baselines3.common.logger import configure
from stable_baselines3.common.vec_env import DummyVecEnv

from agents.training.config import TrainConfig
from envs.amm import NFEATURES
from envs.features import observation_from_words
from envs.fee_env import DynamicFeeEnv
from envs.market import Market
from envs.simulation import FeeSimConfig, start_replay, step_pnl_bps

HOLDOUT = 0.2  # the last fifth of the training steps decides when to stop


def fee_grid(sim: FeeSimConfig, points: int) -> np.ndarray:
    """`points` fees (pips) log-spaced over the pool's fee bounds."""
    lo, hi = math.log(max(sim.pool.fee_min, 1)), math.log(sim.pool.fee_max)
    return np.unique(np.round(np.exp(np.linspace(lo, hi, points))).astype(np.int64))


def best_static_fee(market: Market, sim: FeeSimConfig, grid: np.ndarray) -> int:
    """The fee (pips) with the highest hedged PnL held over the whole market: the best grid fee, then refined
    between its neighbours."""

    def total(fee: int) -> float:
        return float(step_pnl_bps(start_replay(market, sim).run(market.step_end, np.full(market.n_steps, fee))).sum())

    coarse = [total(int(f)) for f in grid]
    j = int(np.argmax(coarse))
    lo, hi = grid[max(j - 1, 0)], grid[min(j + 1, len(grid) - 1)]
    fine = np.unique(np.round(np.exp(np.linspace(math.log(lo), math.log(hi), 9))).astype(np.int64))
    candidates = {int(grid[j]): coarse[j]} | {int(f): total(int(f)) for f in fine if f != grid[j]}
    return max(candidates, key=candidates.get)


def deviation_values(
    market: Market, sim: FeeSimConfig, base: int, grid: np.ndarray, horizon: int, progress_bar: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(observations, values): at each step of the base-fee path, the observation the policy sees, and for each
    grid fee the hedged PnL (bps of TVL) of `horizon` steps that start with that fee and go on at `base` (a grid
    fee more than the pool's max step away from `base` is clamped as it would be on-chain)."""
    replay = start_replay(market, sim)
    n, k = market.n_steps, len(grid)
    obs = np.zeros((n, NFEATURES), dtype=np.float32)
    values = np.zeros((n, k))
    lo, hi = np.zeros(NFEATURES, dtype=np.int64), np.zeros(NFEATURES, dtype=np.int64)
    base_fee = np.array([base], dtype=np.int64)
    now = market.start_time
    steps = track(range(n), description="replaying every fee", transient=True) if progress_bar else range(n)
    for t in steps:
        replay.pool.features_into(now, lo, hi)
        obs[t] = observation_from_words(lo, hi)
        bounds = market.step_end[t : min(t + horizon, n)]
        fees = np.full(len(bounds), base, dtype=np.int64)
        for j, fee in enumerate(grid):
            fees[0] = fee
            with replay.what_if() as trial:
                values[t, j] = step_pnl_bps(trial.run(bounds, fees)).sum()
        replay.run(bounds[:1], base_fee)
        now = int(market.step_time[t])
    return obs, values


def _interpolate(values: torch.Tensor, log_grid: torch.Tensor, log_fee: torch.Tensor) -> torch.Tensor:
    """Each row of `values` read at its log fee, linearly between grid points (flat beyond the ends)."""
    x = log_fee.clamp(log_grid[0], log_grid[-1])
    right = torch.searchsorted(log_grid, x.detach()).clamp(1, len(log_grid) - 1)
    x0, x1 = log_grid[right - 1], log_grid[right]
    w = (x - x0) / (x1 - x0)
    v0 = values.gather(1, (right - 1)[:, None])[:, 0]
    v1 = values.gather(1, right[:, None])[:, 0]
    return v0 * (1 - w) + v1 * w


class _Actor(torch.nn.Module):
    """The deterministic action of an SB3 policy, and the log fee it maps to."""

    def __init__(self, policy, sim: FeeSimConfig):
        super().__init__()
        self.policy = policy
        self.log_min, self.log_max = math.log(max(sim.pool.fee_min, 1)), math.log(sim.pool.fee_max)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        latent = self.policy.mlp_extractor.forward_actor(self.policy.extract_features(obs))
        action = self.policy.action_net(latent)[:, 0].clamp(-1.0, 1.0)
        return self.log_min + (action + 1) / 2 * (self.log_max - self.log_min)


def fit_policy(model: PPO, obs: np.ndarray, values: np.ndarray, grid: np.ndarray, cfg: TrainConfig, logger) -> dict:
    """Fits the model's actor in place to the deviation values; returns the fit's record."""
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    values = values - values.mean(axis=1, keepdims=True)  # only differences between fees matter
    scale = float(values.std()) or 1.0
    x = torch.as_tensor(obs)
    v = torch.as_tensor(values / scale, dtype=torch.float32)
    log_grid = torch.as_tensor(np.log(grid), dtype=torch.float32)
    cut = int(len(obs) * (1 - HOLDOUT))
    actor = _Actor(model.policy, cfg.sim)
    params = list(model.policy.mlp_extractor.policy_net.parameters()) + list(model.policy.action_net.parameters())
    optimiser = torch.optim.Adam(params, lr=cfg.learning_rate, weight_decay=cfg.cps_weight_decay)
    best = (-math.inf, None, -1)
    for epoch in range(cfg.cps_epochs):
        order = torch.as_tensor(rng.permutation(cut))
        for i in range(0, cut, cfg.batch_size):
            batch = order[i : i + cfg.batch_size]
            loss = -_interpolate(v[batch], log_grid, actor(x[batch])).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        with torch.no_grad():
            fit_value = _interpolate(v[:cut], log_grid, actor(x[:cut])).mean().item()
            holdout = _interpolate(v[cut:], log_grid, actor(x[cut:])).mean().item()
        logger.record("cps/fit_value", fit_value)
        logger.record("cps/holdout_value", holdout)
        logger.dump(epoch)
        if holdout > best[0]:
            best = (holdout, {k: t.clone() for k, t in model.policy.state_dict().items()}, epoch)
    model.policy.load_state_dict(best[1])
    return {"epochs": cfg.cps_epochs, "best_epoch": best[2], "holdout_value": best[0] * scale}


def _start_at(model: PPO, fee_pips: int, env: DynamicFeeEnv) -> None:
    """Shrinks the last layer so the initial policy is (nearly) the constant `fee_pips`."""
    with torch.no_grad():
        model.policy.action_net.weight.mul_(0.01)
        model.policy.action_net.bias.fill_(float(env.action_for_fee(fee_pips)[0]))


def train_cps(
    train_market: Market, cfg: TrainConfig, out_dir: Path, new_model, progress_bar: bool = False
) -> tuple[Path, int, float]:
    """Runs the search; returns (model path, simulated steps, seconds)."""
    t0 = time.perf_counter()
    grid = fee_grid(cfg.sim, cfg.cps_grid)
    base = best_static_fee(train_market, cfg.sim, grid)
    grid = np.union1d(grid, [base])
    obs, values = deviation_values(train_market, cfg.sim, base, grid, cfg.cps_horizon, progress_bar)
    env = DynamicFeeEnv(train_market, cfg.sim)
    model = new_model(cfg.replace(algo="ppo", n_envs=1, batch_size=cfg.n_steps), DummyVecEnv([lambda: env]), None)
    _start_at(model, base, env)
    logger = configure(str(out_dir / "tb" / "cps"), ["tensorboard"])
    record = fit_policy(model, obs, values, grid, cfg, logger)
    ckpt = out_dir / "checkpoints"
    ckpt.mkdir(parents=True, exist_ok=True)
    model.save(ckpt / "best_model.zip")
    record |= {"base_fee_pips": base, "grid_pips": grid.tolist(), "horizon_steps": cfg.cps_horizon}
    (ckpt / "cps.json").write_text(json.dumps(record, indent=1))
    simulated = train_market.n_steps * (len(grid) * cfg.cps_horizon + 1)
    return ckpt / "best_model.zip", simulated, time.perf_counter() - t0
