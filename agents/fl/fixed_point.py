"""Updates as fixed-point integers, so every machine (and the on-chain audit) computes the same aggregate.

An update is the change of the policy's parameters, flattened in a fixed order, times SCALE, rounded to the
nearest integer (halves to even, as numpy rounds). Every value must lie within +-MAX_ABS; anything else is a
malformed update and is refused before it is aggregated."""

from __future__ import annotations

import numpy as np

SCALE_BITS = 24
SCALE = 1 << SCALE_BITS
MAX_ABS = 1 << 47  # 8.4M in parameter units: far beyond any honest step, still exact in int64 sums of 64 terms


class MalformedUpdate(ValueError):
    """An update that is not a vector of in-range integers of the expected length."""


def encode(delta: np.ndarray) -> np.ndarray:
    """A float parameter change as fixed-point int64 (values beyond +-MAX_ABS saturate)."""
    scaled = np.clip(np.rint(np.asarray(delta, dtype=np.float64) * SCALE), -MAX_ABS, MAX_ABS)
    return scaled.astype(np.int64)


def decode(update: np.ndarray) -> np.ndarray:
    """The float parameter change of a fixed-point update."""
    return np.asarray(update, dtype=np.int64).astype(np.float64) / SCALE


def tdiv(a: int, b: int) -> int:
    """Integer division rounding toward zero (as Vyper's `//` on signed integers); b > 0."""
    q = abs(a) // b
    return q if a >= 0 else -q


def check_update(update, dims: int, where: str = "update") -> np.ndarray:
    """The update as an int64 vector of length `dims`, or MalformedUpdate saying what is wrong and where."""
    arr = np.asarray(update)
    if arr.ndim != 1 or arr.shape[0] != dims:
        raise MalformedUpdate(
            f"{where}: shape {arr.shape}, expected ({dims},): was it trained from this round's policy?"
        )
    if arr.dtype.kind not in "iu":
        raise MalformedUpdate(f"{where}: dtype {arr.dtype}, expected integers (fixed point at 2**{SCALE_BITS})")
    if arr.size and int(np.abs(arr.astype(object)).max()) > MAX_ABS:
        raise MalformedUpdate(f"{where}: a value beyond +-2**47; refused")
    return arr.astype(np.int64)
