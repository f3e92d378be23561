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

import gymnasium as gym
import numpy as np

from envs.amm import STEP_COLUMNS
from envs.fee_batch import FeeBatch, spaces
from envs.fee_rule import FeeRule
from envs.market import Market
from envs.rule_map import RuleMap
from envs.simulation import FeeSimConfig, default_rule_map


class DynamicFeeEnv(gym.Env):
    """Gymnasium environment over a `Market`. `episode_steps=None` replays the whole market once;
    otherwise each reset starts a window of that many steps at a random step (seeded). A batch of one
    (envs.fee_batch): DynamicFeeVecEnv steps N of these in one call, to the same results."""

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
        self.market = market if market is not None else default_market()
        self.config = config or FeeSimConfig()
        self.rule_map = rule_map or default_rule_map(self.config)
        self.episode_steps = episode_steps
        self.reward_baseline_bps = reward_baseline_bps
        self.reward_shaping_gamma = reward_shaping_gamma
        self._batch = FeeBatch(
            self.market, self.config, 1, episode_steps, self.rule_map, reward_baseline_bps, reward_shaping_gamma
        )
        self.action_space, self.observation_space = spaces(self.rule_map)
        self._started = False

    def rule_for_action(self, action) -> FeeRule:
        """The rule an action sets (before the pool's clamp)."""
        return self.rule_map.rule(action)

    def action_for_rule(self, rule: FeeRule | int) -> np.ndarray:
        """The action that sets `rule` (a static fee in pips when an int); inverse of rule_for_action."""
        return self.rule_map.action(FeeRule(int(rule)) if isinstance(rule, int | np.integer) else rule)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self._batch.reset_env(0, self.np_random)
        self._batch.active[0] = 1
        self._started = True
        return self._batch.obs[0].copy(), {"step": int(self._batch.step_index[0])}

    def step(self, action):
        if not self._started:
            raise RuntimeError("call reset() before step()")
        batch = self._batch
        a = np.asarray(action, dtype=np.float64).reshape(-1)
        if a.shape[0] != self.rule_map.size:
            raise ValueError(f"rule map: {a.shape[0]} action values for {self.rule_map.size} outputs")
        batch.action[0] = a
        truncated = bool(batch.step()[0])
        info = dict(zip(STEP_COLUMNS, batch.rows[0].tolist(), strict=True))
        info["hedged_pnl_bps"] = float(batch.pnl[0])
        return batch.obs[0].copy(), float(batch.reward[0]), False, truncated, info


def default_market(days: int = 3, seed: int = 0, step: str = "60s") -> Market:
    """The embedded default: a synthetic market (envs.synthetic), no data needed."""
    from envs.market import build_market
    from envs.synthetic import SyntheticMarketConfig, generate_swaps

    return build_market(generate_swaps(SyntheticMarketConfig(days=days, seed=seed)), step=step)
