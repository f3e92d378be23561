"""`DynamicFeeVecEnv`: lamm/DynamicFee-v0's vector entry point, N windows of one market stepped in one C call.

`gymnasium.make_vec("lamm/DynamicFee-v0", num_envs=N, vectorization_mode="vector_entry_point", market=...)`
returns it. Each sub-environment is a `DynamicFeeEnv` in all but the Python around it: the same pool, flow,
reward and observation (envs.fee_batch), so its results equal those of N single environments seeded
seed, seed + 1, ... to the unit. Autoreset as Gymnasium 1.x defines it: next-step by default (the step after
an episode ends resets that sub-environment, ignoring its action, with reward 0), or same-step
(`autoreset_mode=AutoresetMode.SAME_STEP`: the reset observation comes back at once, the last one in
`infos["final_obs"]` and its info in `infos["final_info"]`). Infos are Gymnasium's dict of arrays, each key
with its `_key` mask. `threads`: how many threads step the batch (default: one per core, each with at least 32
environments); the results do not depend on it.
"""

from __future__ import annotations

import numpy as np
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from envs.amm import STEP_COLUMNS
from envs.fee_batch import FeeBatch, spaces
from envs.fee_env import default_market
from envs.market import Market
from envs.rule_map import RuleMap
from envs.simulation import FeeSimConfig, default_rule_map

INFO_KEYS = (*STEP_COLUMNS, "hedged_pnl_bps")


class DynamicFeeVecEnv(VectorEnv):
    """N fee environments over one market (windows of `episode_steps`, None: the whole market each)."""

    def __init__(
        self,
        num_envs: int = 1,
        market: Market | None = None,
        config: FeeSimConfig | None = None,
        episode_steps: int | None = None,
        reward_baseline_bps: float | None = None,
        reward_shaping_gamma: float | None = None,
        rule_map: RuleMap | None = None,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        threads: int | None = None,
    ):
        self.market = market if market is not None else default_market()
        self.config = config or FeeSimConfig()
        self.rule_map = rule_map or default_rule_map(self.config)
        mode = AutoresetMode(autoreset_mode)
        if mode == AutoresetMode.DISABLED:
            raise ValueError("autoreset_mode: use next_step or same_step (windows end; something must reset them)")
        self.num_envs = num_envs
        self.metadata = {"autoreset_mode": mode, "render_modes": []}
        self.batch = FeeBatch(
            self.market,
            self.config,
            num_envs,
            episode_steps,
            self.rule_map,
            reward_baseline_bps,
            reward_shaping_gamma,
            threads,
        )
        self.single_action_space, self.single_observation_space = spaces(self.rule_map)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self._rngs = [seeding.np_random()[0] for _ in range(num_envs)]
        self._autoreset = np.zeros(num_envs, dtype=bool)
        self._started = False

    def reset(self, *, seed: int | list[int | None] | None = None, options: dict | None = None):
        """Resets every sub-environment; an int seed seeds sub-environment i with seed + i (as SyncVectorEnv)."""
        seeds = [None] * self.num_envs if seed is None else seed
        if isinstance(seed, int):
            seeds = [seed + i for i in range(self.num_envs)]
        if len(seeds) != self.num_envs:
            raise ValueError(f"reset: {len(seeds)} seeds for {self.num_envs} environments")
        for e, s in enumerate(seeds):
            if s is not None:
                self._rngs[e] = seeding.np_random(s)[0]
            self.batch.reset_env(e, self._rngs[e])
        self._autoreset[:] = False
        self._started = True
        steps = self.batch.step_index.copy()
        return self.batch.obs.copy(), {"step": steps, "_step": np.ones(self.num_envs, dtype=bool)}

    def step(self, actions):
        if not self._started:
            raise RuntimeError("call reset() before step()")
        batch, n = self.batch, self.num_envs
        actions = np.asarray(actions, dtype=np.float64)
        if actions.shape != (n, self.rule_map.size):
            raise ValueError(f"actions must have shape {(n, self.rule_map.size)}, not {actions.shape}")
        resetting = self._autoreset.copy()  # next-step autoreset: these reset now, their action ignored
        for e in np.flatnonzero(resetting):
            batch.reset_env(int(e), self._rngs[e])
        batch.active[:] = ~resetting
        batch.action[:] = actions
        truncated = batch.step() & ~resetting
        stepped = ~resetting
        rewards = np.where(stepped, batch.reward, 0.0)
        obs = batch.obs.copy()
        infos: dict = {}
        same_step = self.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
        done = truncated if same_step else np.zeros(n, dtype=bool)
        if done.any():  # the step's info goes to final_info; the top level says where each restarted
            final_obs = np.full(n, None, dtype=object)
            for e in np.flatnonzero(done):
                final_obs[e] = obs[e].copy()
                batch.reset_env(int(e), self._rngs[e])
                obs[e] = batch.obs[e]
            infos |= {"final_obs": final_obs, "_final_obs": done}
            infos |= {"final_info": self._step_infos(done), "_final_info": done}
        infos |= self._step_infos(stepped & ~done)
        restarted = resetting | done
        if restarted.any():
            infos |= {"step": np.where(restarted, batch.step_index, 0), "_step": restarted}
        self._autoreset = np.zeros(n, dtype=bool) if same_step else truncated.copy()
        return obs, rewards, np.zeros(n, dtype=bool), truncated, infos

    def _step_infos(self, which: np.ndarray) -> dict:
        """The step's info of the sub-environments in `which`, each key with its mask (none if `which` is empty)."""
        if not which.any():
            return {}
        rows = np.where(which[:, None], self.batch.rows, 0.0)
        infos = {key: rows[:, j] for j, key in enumerate(STEP_COLUMNS)}
        infos["hedged_pnl_bps"] = np.where(which, self.batch.pnl, 0.0)
        return infos | {"_" + key: which.copy() for key in INFO_KEYS}
