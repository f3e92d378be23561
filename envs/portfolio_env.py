"""`PortfolioEnv` (`lamm/Portfolio-v0`): allocate across N assets and a numeraire over replayed prices.

The portfolio starts invested in equal weights (like buy-and-hold and the constant mixes) and decides every
`every` rows of prices. At a decision the action sets a target (envs.portfolio_features.weights_from_action:
a tilt of the equal mix, part of it possibly in the numeraire); the portfolio trades toward it at that row's
prices through constant-product pools (envs.portfolio_execution: LP fee, price impact at the configured depth,
gas), but only when some weight is more than `band` away from the target; then prices move to the next
decision. Reward = log of the portfolio's value change over the interval, net of every cost, less
`turnover_penalty` times the value traded over the value (a training-only brake on churn; 0: none).
The observation reads prices up to the current row only. Given several series (e.g. real prices and
synthetic regimes), each episode replays a window of one of them, drawn with probabilities `mix`.
"""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import numpy as np

from envs.portfolio_execution import ExecutionConfig, rebalance
from envs.portfolio_features import observation_size, observe, price_features, weights_from_action
from envs.price_series import PriceSeries, synthetic_prices


class PortfolioEnv(gym.Env):
    metadata = {"render_modes": []}

    def __init__(
        self,
        series: PriceSeries | Sequence[PriceSeries] | None = None,
        execution: ExecutionConfig | None = None,
        episode_steps: int | None = None,
        band: float = 0.02,
        capital: float = 1_000_000.0,
        every: int = 1,
        turnover_penalty: float = 0.0,
        mix: Sequence[float] | None = None,
    ):
        if series is None:
            series = synthetic_prices()
        self.all_series = [series] if isinstance(series, PriceSeries) else list(series)
        self.series = self.all_series[0]
        self.execution = execution or ExecutionConfig()
        self.n = self.series.prices.shape[1]
        if any(s.prices.shape[1] != self.n for s in self.all_series):
            raise ValueError("every series must have the same number of assets")
        if every < 1:
            raise ValueError(f"every {every} must be >= 1")
        shortest = min(len(s.times) for s in self.all_series)
        if episode_steps is not None and not (1 < episode_steps and episode_steps * every < shortest):
            raise ValueError(f"episode_steps must be in [2, {(shortest - 1) // every}]")
        if not 0 <= band < 1:
            raise ValueError(f"band {band} must be in [0, 1)")
        if turnover_penalty < 0:
            raise ValueError("turnover_penalty must not be negative")
        p = np.full(len(self.all_series), 1.0 / len(self.all_series)) if mix is None else np.asarray(mix, float)
        if len(p) != len(self.all_series) or np.any(p < 0) or not np.isclose(p.sum(), 1.0):
            raise ValueError("mix must give one probability per series, summing to 1")
        self.mix = p
        self.episode_steps, self.band, self.capital = episode_steps, band, capital
        self.every, self.turnover_penalty = every, turnover_penalty
        self.action_space = gym.spaces.Box(-1.0, 1.0, shape=(self.n + 1,), dtype=np.float32)
        size = observation_size(self.n)
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, shape=(size,), dtype=np.float32)
        # the price part of every observation, computed once (each row reads prices up to its own row only)
        self._all_features = [
            np.stack([price_features(s.prices, t) for t in range(len(s.times))]) for s in self.all_series
        ]
        self._t = None

    def _weights(self) -> np.ndarray:
        held = self._holdings * self.series.prices[self._t]
        return held / (self._cash + held.sum())

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        k = int(self.np_random.choice(len(self.all_series), p=self.mix)) if len(self.all_series) > 1 else 0
        self.series, self._features = self.all_series[k], self._all_features[k]
        last = len(self.series.times) - 1
        if self.episode_steps is None:
            self._t = 0
            self._end = last
        else:
            span = self.episode_steps * self.every
            self._t = int(self.np_random.integers(0, last - span + 1))
            self._end = self._t + span
        self._holdings, self._cash = np.zeros(self.n), float(self.capital)
        # like buy-and-hold and the constant mixes, the portfolio starts invested in equal weights
        fill = rebalance(
            self._holdings, self._cash, self.series.prices[self._t], np.full(self.n, 1 / self.n), self.execution
        )
        self._holdings, self._cash = fill.units, self._cash + fill.cash_delta
        self._t += self.every  # the first decision is the next interval's
        return observe(self._features[self._t], self._weights()), {"step": self._t, "series": k}

    def step(self, action):
        if self._t is None:
            raise RuntimeError("call reset() before step()")
        prices = self.series.prices
        p = prices[self._t]
        value = self._cash + float(self._holdings @ p)
        weights = self._weights()
        target = weights_from_action(action, self.n)
        cost = traded = 0.0
        if np.max(np.abs(weights - target)) > self.band:
            fill = rebalance(self._holdings, self._cash, p, target, self.execution)
            self._holdings = self._holdings + fill.units
            self._cash += fill.cash_delta
            cost, traded = fill.fees + fill.impact + fill.gas, fill.traded_value
        self._t += self.every
        new_value = self._cash + float(self._holdings @ prices[self._t])
        reward = float(np.log(new_value / value)) - self.turnover_penalty * traded / value
        obs = observe(self._features[self._t], self._weights())
        info = {"value": new_value, "cost": cost, "traded": traded}
        return obs, reward, False, self._t + self.every > self._end, info
