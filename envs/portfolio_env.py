"""`PortfolioEnv` (`lamm/Portfolio-v0`): allocate across N assets and a numeraire over replayed prices.

The portfolio starts invested in equal weights (like buy-and-hold and the constant mixes); each step the
agent tilts its current weights (envs.portfolio_features.weights_from_action); the portfolio trades
toward them at this step's prices through constant-product pools (envs.portfolio_execution: LP fee, price
impact at the configured depth, gas), but only when some weight is more than `band` away from its target;
then prices move to the next step. Reward = log of the portfolio's value change over the step, net of every
cost. The observation reads prices up to the current step only.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from envs.portfolio_execution import ExecutionConfig, rebalance
from envs.portfolio_features import observation_size, observe, price_features, weights_from_action
from envs.price_series import PriceSeries, synthetic_prices


class PortfolioEnv(gym.Env):
    metadata = {"render_modes": []}

    def __init__(
        self,
        series: PriceSeries | None = None,
        execution: ExecutionConfig | None = None,
        episode_steps: int | None = None,
        band: float = 0.02,
        capital: float = 1_000_000.0,
    ):
        self.series = series if series is not None else synthetic_prices()
        self.execution = execution or ExecutionConfig()
        n_steps, self.n = self.series.prices.shape
        if episode_steps is not None and not 1 < episode_steps < n_steps:
            raise ValueError(f"episode_steps must be in [2, {n_steps - 1}]")
        if not 0 <= band < 1:
            raise ValueError(f"band {band} must be in [0, 1)")
        self.episode_steps, self.band, self.capital = episode_steps, band, capital
        self.action_space = gym.spaces.Box(-1.0, 1.0, shape=(self.n + 1,), dtype=np.float32)
        size = observation_size(self.n)
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, shape=(size,), dtype=np.float32)
        # the price part of every observation, computed once (each row reads prices up to its own step only)
        self._features = np.stack([price_features(self.series.prices, t) for t in range(n_steps)])
        self._t = None

    def _weights(self) -> np.ndarray:
        held = self._holdings * self.series.prices[self._t]
        return held / (self._cash + held.sum())

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        last = len(self.series.times) - 1
        if self.episode_steps is None:
            self._t = 0
        else:
            self._t = int(self.np_random.integers(0, last - self.episode_steps + 1))
        self._end = last if self.episode_steps is None else self._t + self.episode_steps
        self._holdings, self._cash = np.zeros(self.n), float(self.capital)
        # like buy-and-hold and the constant mixes, the portfolio starts invested in equal weights
        fill = rebalance(
            self._holdings, self._cash, self.series.prices[self._t], np.full(self.n, 1 / self.n), self.execution
        )
        self._holdings, self._cash = fill.units, self._cash + fill.cash_delta
        self._t += 1  # the first decision is the next step's
        return observe(self._features[self._t], self._weights()), {"step": self._t}

    def step(self, action):
        if self._t is None:
            raise RuntimeError("call reset() before step()")
        prices = self.series.prices
        p = prices[self._t]
        value = self._cash + float(self._holdings @ p)
        weights = self._weights()
        target = weights_from_action(action, weights)
        cost = traded = 0.0
        if np.max(np.abs(weights - target)) > self.band:
            fill = rebalance(self._holdings, self._cash, p, target, self.execution)
            self._holdings = self._holdings + fill.units
            self._cash += fill.cash_delta
            cost, traded = fill.fees + fill.impact + fill.gas, fill.traded_value
        self._t += 1
        new_value = self._cash + float(self._holdings @ prices[self._t])
        reward = float(np.log(new_value / value))
        obs = observe(self._features[self._t], self._weights())
        info = {"value": new_value, "cost": cost, "traded": traded}
        return obs, reward, False, self._t >= self._end, info
