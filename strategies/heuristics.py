"""The fee heuristics production pools use, each as a setting of the pool's per-swap fee rule (envs.fee_rule).

Parameters are in people's units (bps, seconds, annualised volatility) and convert to the rule's integers.
The defaults are the values tuned on the shared Arbitrum WETH/USDT days 2025-05-04..07-05 only
(benchmarks/tune_heuristics.py reproduces them); the README gives each formula and its source.

- `nezlobin` (Nezlobin 2023, "Ethereum block times, MEV, and LP returns"): after a price move, the side the
  arbitrageurs take next pays more and the other side less: fee = base +/- c * (the moves of the last
  `window` seconds), capped.
- `ewma`: the same skew on the pool price's deviation from its own short EWMA (a leaky integral of its moves
  with time constant `tau`): the strongest fixed rule of the headroom study.
- `sliding` (Algebra Integral's sliding-fee plugin, Camelot on Arbitrum): per-direction fees base * (1 +/- k
  * the accumulated relative price change), kept within [0, 2 base]: an integral of moves that never leaks.
- `surge` (Bunni v2): max(a surge fee decaying after a large move, base + q * (price / TWAP - 1)^2).
- `volacc` (Trader Joe Liquidity Book, Meteora): base + a * (the pool's short volatility)^2.
- `threshold` (Campbell, Bergault, Milionis & Nutz 2025): a low fee, and a high fee when the short volatility
  is above a threshold.
"""

from __future__ import annotations

import numpy as np

from envs.fee_rule import RULE_MAX, FeeRule
from strategies.base import FeeStrategy

NO_LEAK = RULE_MAX[3]  # skew_tau: the integrator's leak is slower than anything observed (194 days)


def _pips(bps: float) -> int:
    return int(round(bps * 100))


class RuleStrategy(FeeStrategy):
    """A fixed setting of the fee rule."""

    def __init__(self, rule: FeeRule):
        self.constant_rule = rule

    def decide(self, observation: np.ndarray) -> FeeRule:
        return self.constant_rule


def _positive(name: str, **values: float) -> None:
    for key, value in values.items():
        if not value >= 0:
            raise ValueError(f"{name}: {key} must be non-negative")


class Nezlobin(RuleStrategy):
    def __init__(self, base: float = 14.0, c: float = 4.0, cap: float = 52.5, window: float = 75.0):
        _positive("nezlobin", base=base, c=c, cap=cap, window=window)
        super().__init__(FeeRule(_pips(base), int(round(c * 1000)), _pips(cap), int(window)))


class Ewma(RuleStrategy):
    def __init__(self, base: float = 15.25, c: float = 2.0, cap: float = 45.0, tau: float = 600.0):
        _positive("ewma", base=base, c=c, cap=cap, tau=tau)
        super().__init__(FeeRule(_pips(base), int(round(c * 1000)), _pips(cap), int(tau)))


class Sliding(RuleStrategy):
    def __init__(self, base: float = 18.0, k: float = 352.0):
        _positive("sliding", base=base, k=k)
        # fee = base * (1 +/- k * move): a skew of k * base per unit of log move, capped at the base
        super().__init__(FeeRule(_pips(base), int(round(k * base / 10)), _pips(base), NO_LEAK))


class Surge(RuleStrategy):
    def __init__(self, base: float = 19.75, fee: float = 50.0, move: float = 1.25, decay: float = 10.0, q: float = 0.0):
        _positive("surge", base=base, fee=fee, move=move, decay=decay, q=q)
        # q: bps of fee at a 1% gap to the TWAP, quadratic; move: one swap's move (bps) that starts a surge
        super().__init__(
            FeeRule(
                _pips(base),
                twap_gain=int(round(q * 1e6)),
                surge_fee=_pips(fee),
                surge_threshold=int(round(move * 100)),
                surge_tau=int(decay),
            )
        )


class VolAcc(RuleStrategy):
    def __init__(self, base: float = 18.75, a: float = 106.2):
        _positive("volacc", base=base, a=a)
        # a: bps of fee per unit of annualised variance (60% volatility: 0.36 a)
        super().__init__(FeeRule(_pips(base), vol_gain=int(round(a * 100))))


class Threshold(RuleStrategy):
    def __init__(self, low: float = 19.5, high: float = 29.5, vol: float = 0.387):
        _positive("threshold", low=low, high=high, vol=vol)
        if high < low:
            raise ValueError("threshold: high must be at least low")
        super().__init__(FeeRule(_pips(low), vol_threshold=int(round(vol * vol * 1e6)), vol_jump=_pips(high - low)))


HEURISTICS = {
    "nezlobin": Nezlobin,
    "ewma": Ewma,
    "sliding": Sliding,
    "surge": Surge,
    "volacc": VolAcc,
    "threshold": Threshold,
}
