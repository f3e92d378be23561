"""Baseline fee policies that set one symmetric fee each step: static, volatility-proportional, and
flow-imbalance (`directional`). The production heuristics, which charge per swap, are in
strategies/heuristics.py.

They read the same observation a learned policy reads (envs.features: index 0 fee, 1 fast volatility,
2 slow volatility, 3 signed flow, 4 volume, 5 idle hours, 6 price vs TWAP, 7 recent move, at the scales of
OBS_SCALE).
"""

from __future__ import annotations

import numpy as np

from envs.features import FEATURE_NAMES, OBS_SCALE
from envs.fee_rule import FeeRule
from strategies.base import FeeStrategy

_SIGMA_FAST = FEATURE_NAMES.index("sigma_fast")
_FLOW = FEATURE_NAMES.index("flow")
_VOLUME = FEATURE_NAMES.index("volume")


def _pips(bps: float) -> int:
    return int(round(bps * 100))


class StaticFee(FeeStrategy):
    """The same fee every step."""

    def __init__(self, bps: float):
        if not 0 <= bps < 10_000:
            raise ValueError(f"static fee {bps} bps is outside [0, 10000)")
        self.bps = bps
        self.constant_rule = FeeRule(_pips(bps))

    def decide(self, observation: np.ndarray) -> FeeRule:
        return self.constant_rule


class VolatilityFee(FeeStrategy):
    """Fee proportional to the pool's short-horizon volatility: `k` bps per point of annualised volatility
    (k=0.5: 30 bps at 60% volatility), floored at `floor` bps. Wider bands when arbitrage is expensive."""

    def __init__(self, k: float = 0.5, floor: float = 1.0):
        if k < 0 or floor < 0:
            raise ValueError("vol: k and floor must be non-negative")
        self.k, self.floor = k, floor

    def decide(self, observation: np.ndarray) -> FeeRule:
        sigma_pct = 100 * float(observation[_SIGMA_FAST]) / OBS_SCALE[_SIGMA_FAST]
        return FeeRule(_pips(max(self.floor, self.k * sigma_pct)))


class DirectionalFee(FeeStrategy):
    """Raises the fee when recent flow is one-sided (the signature of informed flow) and keeps it low when
    flow is balanced: fee = base * (1 + a * |signed flow| / volume)."""

    def __init__(self, base: float = 5.0, a: float = 4.0):
        if base < 0 or a < 0:
            raise ValueError("directional: base and a must be non-negative")
        self.base, self.a = base, a

    def decide(self, observation: np.ndarray) -> FeeRule:
        flow = float(observation[_FLOW]) / OBS_SCALE[_FLOW]
        volume = float(observation[_VOLUME]) / OBS_SCALE[_VOLUME]
        imbalance = abs(flow) / volume if volume > 0 else 0.0
        return FeeRule(_pips(self.base * (1 + self.a * min(imbalance, 1.0))))
