"""The pool's per-swap fee rule: a small parameter vector, read by the pool at every swap.

Two clocks. The pool computes the fee of every swap, for its direction, from these parameters and its own
state (the C core `pool_rule_fee` and `DynamicFeePool.vy` `_rule_fee`, unit for unit); a verified model output
changes the parameters once per epoch. A static fee is the rule with only `base`.

    symmetric = base
              + [vol_jump + vol_gain * (var - vol_threshold)]   when the annualised variance var > vol_threshold
              + twap_gain * min(|log price - TWAP|, 1)^2
    fee       = max(symmetric, surge_fee * surge_tau / (surge_tau + seconds since the last surge))
              +/- clamp(skew_gain / 1000 * skew, -skew_cap, skew_cap)    (+ for a buyer of token0)

clamped to the pool's [fee_min, fee_max]. `skew` is a leaky, bounded integral of the pool's own log-price
moves: each swap adds its move, and it decays as skew * skew_tau / (skew_tau + dt) between swaps (tau 0: only
the moves within the current second count), bounded where the skew reaches its cap. A surge starts when one
swap moves the log price by surge_threshold or more.

The production heuristics are settings of this rule (strategies/heuristics.py): Nezlobin's directional fee
(skew on the last moves), Algebra's sliding fee (skew on all moves, no leak, capped at the base), Bunni's
surge and TWAP-quadratic fee, Trader Joe's volatility-accumulator fee (vol_gain), a volatility threshold
(vol_jump), and an EWMA-anchored skew (skew on the deviation from a short EWMA of the price).
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields

import numpy as np

RULE_FIELDS = (
    "base",
    "skew_gain",
    "skew_cap",
    "skew_tau",
    "vol_gain",
    "vol_threshold",
    "vol_jump",
    "twap_gain",
    "surge_fee",
    "surge_threshold",
    "surge_tau",
)
RULE_BITS = (20, 24, 20, 24, 24, 24, 20, 32, 20, 24, 24)  # widths in the contract's packed slot (256 in all)
RULE_MAX = tuple((1 << b) - 1 for b in RULE_BITS)
RULE_UNITS = {
    "base": "pips",
    "skew_gain": "fee per unit of log move, 1/1000",
    "skew_cap": "pips",
    "skew_tau": "s",
    "vol_gain": "pips per unit of annualised variance",
    "vol_threshold": "annualised variance, 1e-6",
    "vol_jump": "pips",
    "twap_gain": "pips per unit of squared log deviation",
    "surge_fee": "pips",
    "surge_threshold": "log move of one swap, 1e-6",
    "surge_tau": "s",
}
NRULE = len(RULE_FIELDS)
assert sum(RULE_BITS) == 256


@dataclass(frozen=True)
class FeeRule:
    """One setting of the rule, in the contract's integer units (see RULE_UNITS)."""

    base: int
    skew_gain: int = 0
    skew_cap: int = 0
    skew_tau: int = 0
    vol_gain: int = 0
    vol_threshold: int = 0
    vol_jump: int = 0
    twap_gain: int = 0
    surge_fee: int = 0
    surge_threshold: int = 0
    surge_tau: int = 0

    def __post_init__(self):
        for f, top in zip(fields(self), RULE_MAX, strict=True):
            value = getattr(self, f.name)
            if not isinstance(value, int | np.integer) or not 0 <= value <= top:
                unit = RULE_UNITS[f.name]
                raise ValueError(f"fee rule: {f.name} = {value!r} must be an integer in [0, {top}] ({unit})")

    def as_array(self) -> np.ndarray:
        return np.array(astuple(self), dtype=np.int64)

    @classmethod
    def from_array(cls, values) -> FeeRule:
        return cls(*(int(v) for v in values))

    def pack(self) -> int:
        """The 256-bit word DynamicFeePool stores: `base` in the lowest bits, then each field in order."""
        word, shift = 0, 0
        for value, bits in zip(astuple(self), RULE_BITS, strict=True):
            word |= int(value) << shift
            shift += bits
        return word

    @classmethod
    def unpack(cls, word: int) -> FeeRule:
        values, shift = [], 0
        for bits in RULE_BITS:
            values.append((word >> shift) & ((1 << bits) - 1))
            shift += bits
        return cls(*values)

    @property
    def is_static(self) -> bool:
        return not any(astuple(self)[1:])
