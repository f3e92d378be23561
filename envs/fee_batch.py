"""`FeeBatch`: N fee environments over one market, stepped by the C core in one call.

Every fee environment steps through it: `DynamicFeeEnv` is a batch of one, `DynamicFeeVecEnv` (Gymnasium's
vector API) and the trainer's vector env are batches of N, stepped by one thread per core when N is large. A
step (the action's rule, one market step of replay, the reward, the next observation) is made in C for every
active environment (`vec_step` in envs/_ammcore.c); a reset builds fresh pools in Python (start_replay), so
both paths share one definition of a window's start. The C struct `VecEnv` is mirrored by `_VecEnv` below;
this module owns every array it points to.
"""

from __future__ import annotations

import ctypes
import dataclasses
import os

import gymnasium as gym
import numpy as np

from envs.amm import NFEATURES, NOUT, _core
from envs.features import OBS_CLIP, OBS_SCALE, observation_from_words
from envs.fee_rule import NRULE, RULE_FIELDS, FeeRule
from envs.market import Market
from envs.rule_map import RuleMap
from envs.simulation import FeeSimConfig, bps_to_pips, start_replay

_P = ctypes.c_void_p
_I64 = ctypes.c_int64
_F64 = ctypes.c_double


class _VecEnv(ctypes.Structure):
    _fields_ = [
        *[(name, _P) for name in ("ts", "block", "price", "amount0", "amount1", "venue_liquidity")],
        *[(name, _P) for name in ("uninformed", "gap", "mark", "step_end", "step_time")],
        ("n_outputs", _I64),
        ("rule_template", _I64 * NRULE),
        ("out_field", _I64 * NRULE),
        ("out_lo", _F64 * NRULE),
        ("out_hi", _F64 * NRULE),
        ("out_log", _I64 * NRULE),
        ("shaping", _I64),
        ("baseline", _I64),
        ("gamma", _F64),
        ("baseline_rule", _I64 * NRULE),
        ("obs_scale", _F64 * NFEATURES),
        ("obs_clip", _F64),
        ("n", _I64),
        ("threads", _I64),
        *[(name, _P) for name in ("pool", "shadow_pool", "flow", "shadow_flow", "ledger", "shadow_ledger")],
        *[(name, _P) for name in ("fair", "shadow_fair", "last_block", "shadow_last_block")],
        *[(name, _P) for name in ("position", "shadow_position", "step", "last", "debt", "shadow_debt")],
        *[(name, _P) for name in ("action", "active", "obs", "reward", "pnl", "rows")],
    ]


_FIELDS = {name for name, _ in _VecEnv._fields_}


def _set(v: _VecEnv, name: str, value) -> None:
    """Sets a field of the struct (a typo would otherwise set a Python attribute the C code never sees)."""
    if name not in _FIELDS:
        raise AttributeError(f"VecEnv has no field {name}")
    setattr(v, name, value)


_core.vec_step.restype = ctypes.c_int64
_core.vec_step.argtypes = [ctypes.POINTER(_VecEnv)]


class FeeBatch:
    """N environments' pools and replays over `market`; windows of `episode_steps` (None: the whole market)."""

    def __init__(
        self,
        market: Market,
        config: FeeSimConfig,
        num_envs: int,
        episode_steps: int | None,
        rule_map: RuleMap,
        reward_baseline_bps: float | None = None,
        reward_shaping_gamma: float | None = None,
        threads: int | None = None,
    ):
        if num_envs < 1:
            raise ValueError(f"num_envs {num_envs}: give at least 1")
        if episode_steps is not None and not 0 < episode_steps <= market.n_steps:
            raise ValueError(f"episode_steps must be in [1, {market.n_steps}]")
        self.market, self.config, self.n = market, config, num_envs
        self.threads = default_threads(num_envs) if threads is None else threads
        if self.threads < 1:
            raise ValueError(f"threads {threads}: give at least 1")
        self.episode_steps, self.rule_map = episode_steps, rule_map
        self.baseline_bps, self.shaping_gamma = reward_baseline_bps, reward_shaping_gamma
        n, a = num_envs, rule_map.size
        self.action = np.zeros((n, a), dtype=np.float64)
        self.active = np.zeros(n, dtype=np.uint8)
        self.obs = np.zeros((n, NFEATURES), dtype=np.float32)
        self.reward = np.zeros(n, dtype=np.float64)
        self.pnl = np.zeros(n, dtype=np.float64)
        self.rows = np.zeros((n, NOUT), dtype=np.float64)
        self.step_index = np.zeros(n, dtype=np.int64)  # the market step each environment makes next
        self.last = np.zeros(n, dtype=np.int64)  # where its window ends (exclusive)
        self._position = np.zeros(n, dtype=np.int64)
        self._shadow_position = np.zeros(n, dtype=np.int64)
        self._debt = np.zeros(n, dtype=np.float64)
        self._shadow_debt = np.zeros(n, dtype=np.float64)
        self._pointers = {k: np.zeros(n, dtype=np.uint64) for k in _PER_ENV}
        self._replays: list = [None] * n  # keeps each environment's pools and ledgers alive
        self._shadows: list = [None] * n
        self._market_arrays = [
            np.ascontiguousarray(getattr(market, name), dtype=dtype)
            for name, dtype in (
                ("timestamp", np.int64),
                ("block", np.int64),
                ("price", np.float64),
                ("amount0", np.float64),
                ("amount1", np.float64),
                ("liquidity", np.float64),
                ("uninformed", np.uint8),
                ("gap", np.uint8),
                ("mark", np.int64),
                ("step_end", np.int64),
                ("step_time", np.int64),
            )
        ]
        self._struct = self._build_struct()
        self._byref = ctypes.byref(self._struct)

    def _build_struct(self) -> _VecEnv:
        v = _VecEnv()
        names = ("ts", "block", "price", "amount0", "amount1", "venue_liquidity", "uninformed", "gap", "mark")
        for name, arr in zip((*names, "step_end", "step_time"), self._market_arrays, strict=True):
            _set(v, name, arr.ctypes.data)
        m = self.rule_map
        v.n_outputs = m.size
        v.rule_template[:] = [int(x) for x in m.template.as_array()]
        for j, o in enumerate(m.outputs):
            v.out_field[j] = RULE_FIELDS.index(o.field)
            v.out_lo[j], v.out_hi[j], v.out_log[j] = float(o.lo), float(o.hi), int(o.log)
        v.shaping = int(self.shaping_gamma is not None)
        v.gamma = float(self.shaping_gamma or 0.0)
        v.baseline = int(self.baseline_bps is not None)
        if self.baseline_bps is not None:
            v.baseline_rule[:] = [int(x) for x in FeeRule(bps_to_pips(self.baseline_bps)).as_array()]
        v.obs_scale[:] = [float(x) for x in OBS_SCALE]
        v.obs_clip = float(OBS_CLIP)
        v.n, v.threads = self.n, self.threads
        for name, arr in self._pointers.items():
            _set(v, name, arr.ctypes.data)
        v.position, v.shadow_position = self._position.ctypes.data, self._shadow_position.ctypes.data
        v.step, v.last = self.step_index.ctypes.data, self.last.ctypes.data
        v.debt, v.shadow_debt = self._debt.ctypes.data, self._shadow_debt.ctypes.data
        v.action, v.active, v.obs = self.action.ctypes.data, self.active.ctypes.data, self.obs.ctypes.data
        v.reward, v.pnl, v.rows = self.reward.ctypes.data, self.pnl.ctypes.data, self.rows.ctypes.data
        return v

    def reset_env(self, e: int, rng: np.random.Generator | None) -> None:
        """Starts environment e on a fresh pool: at a random window start drawn from `rng`, or at the market's
        first step when windows are whole markets. Its observation is written to obs[e]."""
        market, n = self.market, self.market.n_steps
        first = 0 if self.episode_steps is None else int(rng.integers(0, n - self.episode_steps + 1))
        self.step_index[e] = first
        self.last[e] = n if self.episode_steps is None else first + self.episode_steps
        replay = start_replay(market, self.config, first)
        self._replays[e] = replay
        self._point(e, "", replay)
        self._position[e] = replay.position
        if self.baseline_bps is not None:
            shadow = start_replay(market, dataclasses.replace(self.config, initial_fee_bps=self.baseline_bps), first)
            self._shadows[e] = shadow
            self._point(e, "shadow_", shadow)
            self._shadow_position[e] = shadow.position
        self._debt[e] = self._shadow_debt[e] = 0.0  # a fresh pool sits at the fair price
        now = int(market.step_time[first - 1]) if first > 0 else market.start_time
        lo, hi = np.zeros(NFEATURES, dtype=np.int64), np.zeros(NFEATURES, dtype=np.int64)
        replay.pool.features_into(now, lo, hi)
        self.obs[e] = observation_from_words(lo, hi)

    def _point(self, e: int, prefix: str, replay) -> None:
        p = self._pointers
        p[prefix + "pool"][e] = replay.pool._ptr
        p[prefix + "flow"][e] = ctypes.addressof(replay._flow)
        p[prefix + "ledger"][e] = replay._ledger
        p[prefix + "fair"][e] = replay._fair.ctypes.data
        p[prefix + "last_block"][e] = replay._last_block.ctypes.data

    def step(self) -> np.ndarray:
        """Steps every environment whose `active` flag is set with its row of `action` (one C call); returns
        which of them reached the end of their window (truncated)."""
        err = _core.vec_step(self._byref)
        if err > 0:
            raise RuntimeError(f"environment {err - 1} is at the end of its window: reset it before stepping")
        if err < 0:
            raise ValueError(f"environment {-err - 1}: its action {self.action[-err - 1]} is not finite; give [-1, 1]")
        return self.step_index >= self.last


def spaces(rule_map: RuleMap) -> tuple[gym.spaces.Box, gym.spaces.Box]:
    """One environment's (action, observation) spaces: an action in [-1, 1] per output of the rule map, the
    pool's eight features as observed (envs.features)."""
    action = gym.spaces.Box(-1.0, 1.0, shape=(rule_map.size,), dtype=np.float32)
    return action, gym.spaces.Box(-OBS_CLIP, OBS_CLIP, shape=(NFEATURES,), dtype=np.float32)


ENVS_PER_THREAD = 32  # below this a thread costs more to start than its share of a step


def default_threads(num_envs: int) -> int:
    """One thread per core this process may use, each with at least ENVS_PER_THREAD environments."""
    return max(1, min(len(os.sched_getaffinity(0)), num_envs // ENVS_PER_THREAD))


_PER_ENV = tuple(
    prefix + name for prefix in ("", "shadow_") for name in ("pool", "flow", "ledger", "fair", "last_block")
)
