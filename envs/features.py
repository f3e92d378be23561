"""The on-chain features: what the pool can see about itself, and how the policy observes them.

The pool (C core and contract alike) returns eight WAD (1e18) integers from `features(now)`:

| index | name          | meaning                                                                  |
|-------|---------------|--------------------------------------------------------------------------|
| 0     | fee           | the fee rule's base fee as a fraction (envs.fee_rule)                   |
| 1     | sigma_fast    | EWMA volatility of log price, annualised, 5-minute time constant          |
| 2     | sigma_slow    | the same with a 1-hour time constant                                     |
| 3     | flow          | EWMA signed token1 flow into the pool, fraction of reserve per day        |
| 4     | volume        | EWMA absolute token1 flow, fraction of reserve per day                    |
| 5     | idle_hours    | hours since the last swap (saturates at one week)                        |
| 6     | price_vs_twap | log price minus its time-weighted EWMA (30-minute time constant)         |
| 7     | skew_move     | the fee rule's leaky integral of recent log-price moves (signed)         |

Every accumulator is updated with integer arithmetic on each swap; reads decay them to `now`. The policy's
observation is `features / WAD * OBS_SCALE`, clipped to +-OBS_CLIP: fixed scales, no statistics of the data,
so an observation at time t uses nothing after t and the contract can re-derive it.
"""

from __future__ import annotations

import numpy as np

WAD = 10**18
FEATURE_NAMES = ("fee", "sigma_fast", "sigma_slow", "flow", "volume", "idle_hours", "price_vs_twap", "skew_move")
# observation scale of each feature as a fraction (numerator, denominator): FeeController.vy uses the same
OBS_SCALE_FRACTIONS = ((100, 1), (1, 1), (1, 1), (10, 1), (10, 1), (1, 24), (100, 1), (100, 1))
OBS_SCALE = np.array([n / d for n, d in OBS_SCALE_FRACTIONS])
OBS_CLIP = 10.0


def observation(features: list[int] | np.ndarray) -> np.ndarray:
    """Policy observation (float32) from the integer feature vector."""
    x = np.asarray([int(v) for v in features], dtype=np.float64) / WAD
    return np.clip(x * OBS_SCALE, -OBS_CLIP, OBS_CLIP).astype(np.float32)


def observation_from_words(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Same as `observation`, from the C core's (lo, hi) int64 words without building Python ints."""
    x = hi.astype(np.float64) * 2.0**64 + lo.view(np.uint64).astype(np.float64)
    return np.clip(x / WAD * OBS_SCALE, -OBS_CLIP, OBS_CLIP).astype(np.float32)


def quantised_observation(features: list[int], bits: int) -> list[int]:
    """The observation in fixed point, round(obs * 2**bits) rounded half away from zero and clipped, computed
    with integers only, exactly as FeeController.vy derives a proof's public inputs from `features()`."""
    limit = int(OBS_CLIP) << bits
    out = []
    for value, (num, den) in zip(features, OBS_SCALE_FRACTIONS, strict=True):
        value = int(value)
        denom = den * WAD
        q = ((abs(value) * num << bits) + denom // 2) // denom
        out.append(max(-limit, min(limit, q if value >= 0 else -q)))
    return out
