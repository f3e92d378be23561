"""Counterfactual policy search (`--algo cps`): fit the fee policy to what every action would have earned.

The simulator can replay a step from the state it is in and leave no trace (`Replay.what_if`). Along the path
of a base action (the best fixed action on the training days), every step is replayed at each point of a grid
over the action (`cps_grid` points per output, evenly spaced in [-1, 1], so log-spaced fees and linear gains)
and continued at the base action for `cps_horizon` steps; the hedged PnL over that horizon is the value of
choosing that action then. Every action sees the same swaps and price path (common random numbers), so the
market's noise cancels in their differences, and the horizon counts what a change costs later (a fee cut lets
arbitrageurs close the displacement the old fee kept). The policy network, the MLP the other algorithms train,
starts at the base action and is fitted by gradient ascent on those values, interpolated multilinearly at its
action, stopped early on the last fifth of the training days; the validation days are not looked at. This is
policy search with fixed random numbers (Ng & Jordan's PEGASUS) on one-step deviations. The result is saved as
an SB3 PPO model, so export, evaluation, backtests and proofs are unchanged.
"""

from __future__ import annotations

import itertools
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
from envs.rule_map import RuleMap
from envs.simulation import FeeSimConfig, start_replay, step_pnl_bps

HOLDOUT = 0.2  # the last fifth of the training steps decides when to stop


def action_grid(rule_map: RuleMap, points: int) -> tuple[np.ndarray, tuple[int, ...]]:
    """(the grid's actions, K x m, in row-major order over the outputs; its shape per output)."""
    axes = [np.linspace(-1.0, 1.0, points) for _ in range(rule_map.size)]
    return np.array(list(itertools.product(*axes)), dtype=np.float64), tuple(points for _ in axes)


def _rules(rule_map: RuleMap, actions: np.ndarray) -> np.ndarray:
    return np.array([rule_map.rule(a).as_array() for a in actions], dtype=np.int64)


def best_fixed_action(market: Market, sim: FeeSimConfig, rule_map: RuleMap, grid: np.ndarray) -> np.ndarray:
    """The action whose rule, held over the whole market, earns the most hedged PnL: the best grid row, then
    refined output by output over 8 points between it and its neighbours on the grid."""

    def total(action: np.ndarray) -> float:
        rule = rule_map.rule(action).as_array()
        rows = start_replay(market, sim).run(market.step_end, np.tile(rule, (market.n_steps, 1)))
        return float(step_pnl_bps(rows).sum())

    values = [total(a) for a in grid]
    best, value = grid[int(np.argmax(values))].copy(), max(values)
    spacing = [
        np.diff(np.unique(grid[:, i])).min() if len(np.unique(grid[:, i])) > 1 else 0.0 for i in range(grid.shape[1])
    ]
    for i, step in enumerate(spacing):
        for x in np.linspace(best[i] - step, best[i] + step, 10)[1:-1]:
            trial = best.copy()
            trial[i] = float(np.clip(x, -1.0, 1.0))
            if (v := total(trial)) > value:
                best, value = trial, v
    return best


def deviation_values(
    market: Market,
    sim: FeeSimConfig,
    rule_map: RuleMap,
    base: np.ndarray,
    grid: np.ndarray,
    horizon: int,
    progress_bar: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """(observations, values): at each step of the base path, the observation the policy sees, and for each
    grid action the hedged PnL (bps of TVL) of `horizon` steps that start with that action's rule and go on
    with the base rule (clamped, as on chain, where a change exceeds the pool's max step)."""
    replay = start_replay(market, sim)
    n, k = market.n_steps, len(grid)
    obs = np.zeros((n, NFEATURES), dtype=np.float32)
    values = np.zeros((n, k))
    lo, hi = np.zeros(NFEATURES, dtype=np.int64), np.zeros(NFEATURES, dtype=np.int64)
    grid_rules = _rules(rule_map, grid)
    base_rule = rule_map.rule(base).as_array()
    now = market.start_time
    steps = track(range(n), description="replaying every action", transient=True) if progress_bar else range(n)
    for t in steps:
        replay.pool.features_into(now, lo, hi)
        obs[t] = observation_from_words(lo, hi)
        bounds = market.step_end[t : min(t + horizon, n)]
        rules = np.tile(base_rule, (len(bounds), 1))
        for j in range(k):
            rules[0] = grid_rules[j]
            with replay.what_if() as trial:
                values[t, j] = step_pnl_bps(trial.run(bounds, rules)).sum()
        replay.run(bounds[:1], base_rule[None])
        now = int(market.step_time[t])
    return obs, values


def interpolate(values: torch.Tensor, shape: tuple[int, ...], action: torch.Tensor) -> torch.Tensor:
    """Each row of `values` (a grid of `shape` over [-1, 1]^m, row-major) read at its action, multilinearly
    between grid points (flat beyond the ends)."""
    m = len(shape)
    dims = torch.tensor(shape, dtype=torch.float32)
    x = (action.clamp(-1.0, 1.0) + 1.0) / 2.0 * (dims - 1)
    low = torch.minimum(x.detach().floor(), dims - 2).clamp(min=0)
    w = x - low
    strides = torch.tensor([math.prod(shape[i + 1 :]) for i in range(m)], dtype=torch.long)
    out = torch.zeros(len(values))
    for corner in itertools.product((0, 1), repeat=m):
        c = torch.tensor(corner, dtype=torch.float32)
        weight = torch.prod(torch.where(c > 0, w, 1 - w), dim=1)
        index = ((low + c).long() * strides).sum(dim=1)
        out = out + weight * values.gather(1, index[:, None])[:, 0]
    return out


class _Actor(torch.nn.Module):
    """The deterministic action of an SB3 PPO policy."""

    def __init__(self, policy):
        super().__init__()
        self.policy = policy

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        latent = self.policy.mlp_extractor.forward_actor(self.policy.extract_features(obs))
        return self.policy.action_net(latent).clamp(-1.0, 1.0)


def fit_policy(model: PPO, obs: np.ndarray, values: np.ndarray, shape, cfg: TrainConfig, logger) -> dict:
    """Fits the model's actor in place to the deviation values; returns the fit's record."""
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    values = values - values.mean(axis=1, keepdims=True)  # only differences between actions matter
    scale = float(values.std()) or 1.0
    x = torch.as_tensor(obs)
    v = torch.as_tensor(values / scale, dtype=torch.float32)
    cut = int(len(obs) * (1 - HOLDOUT))
    actor = _Actor(model.policy)
    params = list(model.policy.mlp_extractor.policy_net.parameters()) + list(model.policy.action_net.parameters())
    optimiser = torch.optim.Adam(params, lr=cfg.learning_rate, weight_decay=cfg.cps_weight_decay)
    with torch.no_grad():
        start = interpolate(v[cut:], shape, actor(x[cut:])).mean().item()
    best = (start, {k: t.clone() for k, t in model.policy.state_dict().items()}, -1)
    for epoch in range(cfg.cps_epochs):
        order = torch.as_tensor(rng.permutation(cut))
        for i in range(0, cut, cfg.batch_size):
            batch = order[i : i + cfg.batch_size]
            loss = -interpolate(v[batch], shape, actor(x[batch])).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        with torch.no_grad():
            fit_value = interpolate(v[:cut], shape, actor(x[:cut])).mean().item()
            holdout = interpolate(v[cut:], shape, actor(x[cut:])).mean().item()
        logger.record("cps/fit_value", fit_value)
        logger.record("cps/holdout_value", holdout)
        logger.dump(epoch)
        if holdout > best[0]:
            best = (holdout, {k: t.clone() for k, t in model.policy.state_dict().items()}, epoch)
    model.policy.load_state_dict(best[1])
    return {
        "epochs": cfg.cps_epochs,
        "best_epoch": best[2],  # -1: no epoch beat the base action on the holdout days; the policy is that action
        "holdout_value": best[0] * scale,
        "holdout_value_of_base": start * scale,
    }


def _start_at(model: PPO, action: np.ndarray) -> None:
    """Shrinks the last layer so the initial policy is (nearly) the constant `action`."""
    with torch.no_grad():
        model.policy.action_net.weight.mul_(0.01)
        model.policy.action_net.bias.copy_(torch.as_tensor(action, dtype=torch.float32))


def train_cps(
    train_market: Market, cfg: TrainConfig, out_dir: Path, new_model, progress_bar: bool = False
) -> tuple[Path, int, float]:
    """Runs the search; returns (model path, simulated steps, seconds)."""
    t0 = time.perf_counter()
    rule_map = cfg.rules
    grid, shape = action_grid(rule_map, cfg.cps_grid)
    base = best_fixed_action(train_market, cfg.sim, rule_map, grid)
    obs, values = deviation_values(train_market, cfg.sim, rule_map, base, grid, cfg.cps_horizon, progress_bar)
    env = DynamicFeeEnv(train_market, cfg.sim, rule_map=rule_map)
    model = new_model(cfg.replace(algo="ppo", n_envs=1, batch_size=cfg.n_steps), DummyVecEnv([lambda: env]), None)
    _start_at(model, base)
    logger = configure(str(out_dir / "tb" / "cps"), ["tensorboard"])
    record = fit_policy(model, obs, values, shape, cfg, logger)
    ckpt = out_dir / "checkpoints"
    ckpt.mkdir(parents=True, exist_ok=True)
    model.save(ckpt / "best_model.zip")
    record |= {
        "base_action": base.tolist(),
        "base_rule": rule_map.rule(base).as_array().tolist(),
        "grid_shape": list(shape),
        "horizon_steps": cfg.cps_horizon,
    }
    (ckpt / "cps.json").write_text(json.dumps(record, indent=1))
    simulated = train_market.n_steps * (len(grid) * cfg.cps_horizon + 1)
    return ckpt / "best_model.zip", simulated, time.perf_counter() - t0
