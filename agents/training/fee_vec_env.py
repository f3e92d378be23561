"""`FeeVecEnv`: the trainer's vector environment, stable-baselines3's VecEnv over one `FeeBatch`.

All N training environments live in this process and step in one C call (envs.fee_batch), instead of
DynamicFeeEnv copies in subprocesses. It returns what a DummyVecEnv of N `Monitor(ScaledReward(DynamicFeeEnv))`
would, seeded the same way (environment i with seed + i), so a run's learning curve is the one it had before,
bit for bit: rewards scaled by `reward_scale` and stored as float32, a window's end reported as a done with
`TimeLimit.truncated` and `terminal_observation`, and the environment reset in the same step. Episode returns
and lengths come from VecMonitor around it (agents.training.fee does that).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.utils import seeding
from stable_baselines3.common.vec_env import VecEnv

from envs.fee_batch import FeeBatch, spaces
from envs.market import Market
from envs.rule_map import RuleMap
from envs.simulation import FeeSimConfig, default_rule_map


class FeeVecEnv(VecEnv):
    """N fee environments over `market` (windows of `episode_steps` steps), rewards times `reward_scale`."""

    def __init__(
        self,
        market: Market,
        config: FeeSimConfig,
        num_envs: int,
        episode_steps: int | None,
        rule_map: RuleMap | None = None,
        reward_baseline_bps: float | None = None,
        reward_shaping_gamma: float | None = None,
        reward_scale: float = 1.0,
        threads: int | None = None,
    ):
        rule_map = rule_map or default_rule_map(config)
        self.batch = FeeBatch(
            market, config, num_envs, episode_steps, rule_map, reward_baseline_bps, reward_shaping_gamma, threads
        )
        self.reward_scale = reward_scale
        action_space, observation_space = spaces(rule_map)
        self.render_mode = None
        super().__init__(num_envs, observation_space, action_space)
        self._rngs = [seeding.np_random()[0] for _ in range(num_envs)]
        self._actions = np.zeros((num_envs, rule_map.size), dtype=np.float32)
        self.batch.active[:] = 1

    def reset(self) -> np.ndarray:
        for e in range(self.num_envs):
            if self._seeds[e] is not None:
                self._rngs[e] = seeding.np_random(self._seeds[e])[0]
            self.batch.reset_env(e, self._rngs[e])
            self.reset_infos[e] = {"step": int(self.batch.step_index[e])}
        self._reset_seeds()
        self._reset_options()
        return self.batch.obs.copy()

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = actions

    def step_wait(self):
        batch = self.batch
        batch.action[:] = np.asarray(self._actions, dtype=np.float64).reshape(batch.action.shape)
        done = batch.step()
        rewards = (batch.reward * self.reward_scale).astype(np.float32)
        obs = batch.obs.copy()
        infos: list[dict[str, Any]] = [
            {"hedged_pnl_bps": float(p), "TimeLimit.truncated": bool(d)} for p, d in zip(batch.pnl, done, strict=True)
        ]
        for e in np.flatnonzero(done):
            infos[e]["terminal_observation"] = obs[e].copy()
            batch.reset_env(int(e), self._rngs[e])
            self.reset_infos[e] = {"step": int(batch.step_index[e])}
            obs[e] = batch.obs[e]
        return obs, rewards, done.copy(), infos

    def close(self) -> None:
        pass

    def get_attr(self, attr_name: str, indices=None) -> list[Any]:
        """An attribute every environment shares: the vector env's own (render_mode), else the batch's."""
        owner = self if attr_name in vars(self) else self.batch
        return [getattr(owner, attr_name)] * len(self._get_indices(indices))

    def set_attr(self, attr_name: str, value: Any, indices=None) -> None:
        raise AttributeError(f"FeeVecEnv: its environments share one batch; cannot set {attr_name} on some")

    def env_method(self, method_name: str, *method_args, indices=None, **method_kwargs) -> list[Any]:
        raise AttributeError(f"FeeVecEnv: its environments are rows of one batch, with no method {method_name}")

    def env_is_wrapped(self, wrapper_class: type[gym.Wrapper], indices=None) -> list[bool]:
        return [False] * len(self._get_indices(indices))
