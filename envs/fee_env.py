"""`DynamicFeeEnv` (lamm/DynamicFee-v0): set the pool's fee rule each step of a replayed market.

Each step the agent sets the parameters of the pool's per-swap fee rule (envs.fee_rule); the replay then runs
one step of real (or synthetic) swaps, each charged the rule's fee for its direction: the arbitrageur trades
our pool back to the no-trade band around the venue's price at every block, and the flow is routed between
our pool and the venue (envs.flow). The reward is the step's hedged LP PnL, fee income minus
loss-versus-rebalancing, in basis points of the pool's value.

Action: one number in [-1, 1] per output of the env's `RuleMap` (envs.rule_map; by default one, the base fee,
log-linear over [fee_min, fee_max]); the pool then applies the controller's clamp (bounds, max change of the
base per update). Observation: the pool's on-chain features only (envs.features), read at the end of the
step.

`reward_shaping_gamma` (for training) adds the potential-based shaping gamma*Phi(s') - Phi(s) with
Phi = -(the pool's displacement from the fair price, valued as the loss of moving it back along its curve, in
bps of TVL). A displacement is then charged when it happens rather than when an arbitrageur closes it, so a
fee raised to postpone an arbitrage no longer looks like a gain; the optimal policy is unchanged (Ng et al.
1999).

`reward_baseline_bps` (for training) subtracts, each step, the PnL of a shadow pool that replays the same
step at that fixed fee. The shadow does not depend on the agent's actions, so the best policy is unchanged,
but the noise both pools share (price moves, flow bursts) cancels: a control variate for the gradient.
"""

from __future__ import annotations

import dataclasses

import gymnasium as gym
import numpy as np

from envs.amm import NFEATURES, STEP_COLUMNS
from envs.features import OBS_CLIP, observation_from_words
from envs.fee_rule import FeeRule
from envs.market import Market
from envs.rule_map import RuleMap
from envs.simulation import FeeSimConfig, bps_to_pips, start_replay, step_pnl_bps

_DEBT, _TVL = STEP_COLUMNS.index("debt"), STEP_COLUMNS.index("tvl")


class DynamicFeeEnv(gym.Env):
    """Gymnasium environment over a `Market`. `episode_steps=None` replays the whole market once;
    otherwise each reset starts a window of that many steps at a random step (seeded)."""

    metadata = {"render_modes": []}

    def __init__(
        self,
        market: Market | None = None,
        config: FeeSimConfig | None = None,
        episode_steps: int | None = None,
        reward_baseline_bps: float | None = None,
        reward_shaping_gamma: float | None = None,
        rule_map: RuleMap | None = None,
    ):
        if market is None:
            market = default_market()
        self.market = market
        self.config = config or FeeSimConfig()
        pool = self.config.pool
        self.rule_map = rule_map or RuleMap.symmetric(max(pool.fee_min, 1), pool.fee_max)
        if episode_steps is not None and not 0 < episode_steps <= market.n_steps:
            raise ValueError(f"episode_steps must be in [1, {market.n_steps}]")
        self.episode_steps = episode_steps
        self.reward_baseline_bps = reward_baseline_bps
        self.reward_shaping_gamma = reward_shaping_gamma
        self.action_space = gym.spaces.Box(-1.0, 1.0, shape=(self.rule_map.size,), dtype=np.float32)
        self.observation_space = gym.spaces.Box(-OBS_CLIP, OBS_CLIP, shape=(NFEATURES,), dtype=np.float32)
        self._lo = np.zeros(NFEATURES, dtype=np.int64)
        self._hi = np.zeros(NFEATURES, dtype=np.int64)
        self._replay = None

    def rule_for_action(self, action) -> FeeRule:
        """The rule an action sets (before the pool's clamp)."""
        return self.rule_map.rule(action)

    def action_for_rule(self, rule: FeeRule | int) -> np.ndarray:
        """The action that sets `rule` (a static fee in pips when an int); inverse of rule_for_action."""
        return self.rule_map.action(FeeRule(int(rule)) if isinstance(rule, int | np.integer) else rule)

    def _observe(self, now: int) -> np.ndarray:
        self._replay.pool.features_into(now, self._lo, self._hi)
        return observation_from_words(self._lo, self._hi)

    def _shaped(self, pnl: float, row: np.ndarray, debt: float) -> tuple[float, float]:
        """(reward, displacement in bps) for one step of one pool."""
        if self.reward_shaping_gamma is None:
            return pnl, debt
        now = float(row[0, _DEBT] / row[0, _TVL] * 1e4)
        return pnl + debt - self.reward_shaping_gamma * now, now

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        n = self.market.n_steps
        if self.episode_steps is None:
            self._first = 0
        else:
            self._first = int(self.np_random.integers(0, n - self.episode_steps + 1))
        self._last = n if self.episode_steps is None else self._first + self.episode_steps
        self._step = self._first
        self._replay = start_replay(self.market, self.config, self._first)
        if self.reward_baseline_bps is not None:
            shadow = dataclasses.replace(self.config, initial_fee_bps=self.reward_baseline_bps)
            self._shadow = start_replay(self.market, shadow, self._first)
            self._shadow_fee = np.array([bps_to_pips(self.reward_baseline_bps)], dtype=np.int64)
        self._debt = self._shadow_debt = 0.0  # a fresh pool sits at the fair price
        now = int(self.market.step_time[self._first - 1]) if self._first > 0 else self.market.start_time
        return self._observe(now), {"step": self._step}

    def step(self, action):
        if self._replay is None:
            raise RuntimeError("call reset() before step()")
        k = self._step
        rule = self.rule_for_action(action).as_array()[None]
        row = self._replay.run(self.market.step_end[k : k + 1], rule)
        pnl = float(step_pnl_bps(row)[0])
        reward, self._debt = self._shaped(pnl, row, self._debt)
        if self.reward_baseline_bps is not None:
            shadow = self._shadow.run(self.market.step_end[k : k + 1], self._shadow_fee)
            shadow_reward, self._shadow_debt = self._shaped(float(step_pnl_bps(shadow)[0]), shadow, self._shadow_debt)
            reward -= shadow_reward
        self._step += 1
        obs = self._observe(int(self.market.step_time[k]))
        info = dict(zip(STEP_COLUMNS, row[0].tolist(), strict=True))
        info["hedged_pnl_bps"] = pnl
        truncated = self._step >= self._last
        return obs, reward, False, truncated, info


def default_market(days: int = 3, seed: int = 0, step: str = "60s") -> Market:
    """The embedded default: a synthetic market (envs.synthetic), no data needed."""
    from envs.market import build_market
    from envs.synthetic import SyntheticMarketConfig, generate_swaps

    return build_market(generate_swaps(SyntheticMarketConfig(days=days, seed=seed)), step=step)
