"""Bootstrap intervals for paired comparisons over days (or any ordered observations).

The stationary bootstrap (Politis & Romano 1994) resamples blocks of consecutive observations with random
lengths (geometric, mean `block`), wrapping around the end, so that the serial dependence within a block
survives. With `block` = 1 it is the plain bootstrap of days. Intervals are percentile intervals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


def stationary_indices(n: int, block: float, draws: int, rng: np.random.Generator) -> np.ndarray:
    """`draws` resamples of indices 0..n-1 (rows), blocks of mean length `block`."""
    if n < 1 or block < 1:
        raise ValueError("need at least one observation and a mean block length of at least 1")
    starts = rng.integers(0, n, size=(draws, n))
    new_block = rng.random((draws, n)) < 1.0 / block
    new_block[:, 0] = True
    idx = np.empty((draws, n), dtype=np.int64)
    for j in range(n):
        idx[:, j] = np.where(new_block[:, j], starts[:, j], (idx[:, j - 1] + 1) % n if j else starts[:, 0])
    return idx


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float

    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0

    def as_dict(self) -> dict[str, float]:
        return {"estimate": self.estimate, "low": self.low, "high": self.high}


def bootstrap(
    statistic: Callable[[np.ndarray], np.ndarray],
    n: int,
    block: float = 1.0,
    draws: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> Interval:
    """Percentile interval of `statistic(indices)` (vectorised: indices of shape (draws, n) -> (draws,)); the
    estimate is the statistic on the observations as they are."""
    rng = np.random.default_rng(seed)
    values = statistic(stationary_indices(n, block, draws, rng))
    estimate = float(statistic(np.arange(n)[None])[0])
    lo, hi = np.nanpercentile(values, [(1 - level) / 2 * 100, (1 + level) / 2 * 100])
    return Interval(estimate, float(lo), float(hi))


def paired_gain(ours: np.ndarray, reference: np.ndarray, block: float = 1.0, draws: int = 2000, seed: int = 0):
    """(gain per observation, relative gain) of `ours` over `reference`, each with its interval: the mean of
    the paired differences, and that mean over the reference's mean (ratio of means, resampled together)."""
    ours, reference = np.asarray(ours, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    if ours.shape != reference.shape or ours.ndim != 1:
        raise ValueError("paired series must be one-dimensional and of the same length")
    diff = ours - reference
    absolute = bootstrap(lambda i: diff[i].mean(axis=1), len(diff), block, draws, seed=seed)

    def ratio(i: np.ndarray) -> np.ndarray:
        base = reference[i].mean(axis=1)
        return np.where(base > 0, diff[i].mean(axis=1) / np.where(base > 0, base, 1.0), np.nan)

    relative = bootstrap(ratio, len(diff), block, draws, seed=seed)
    return absolute, relative
