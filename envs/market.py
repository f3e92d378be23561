"""Replay arrays: a swap table turned into the flat arrays the AMM core replays, cut into steps.

A `Market` is everything the simulation needs from data: per swap the block, time, the venue's price
after the swap (the fair price), the swap's amounts, the venue's active liquidity, the uninformed flag and
the swap whose price is its markout (the last of its markout window); per step the index where it ends and
its end time. Steps are fixed windows of N seconds or N blocks; markout windows are MARKOUT_SECONDS long,
on the same clock grid, whatever the step.

Data may have holes (missing days). A silence longer than `max_gap` splits the data into stretches: steps
cover only the stretches, and the pool is recentred at the start of each one, so a price move that
happened while nothing was observed is neither traded nor booked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from envs.flow import uninformed_mask

Q96 = 2.0**96
MARKOUT_SECONDS = 60  # a flow trade is valued at the fair price at the end of its minute (envs.flow)


@dataclass(frozen=True)
class MarketSpec:
    """Token facts the swap events do not carry. Defaults describe the shared Arbitrum WETH/USDT pool."""

    decimals0: int = 18
    decimals1: int = 6
    quote: int = 1  # which token is the numeraire (0 or 1)
    venue_fee: float = 0.0005  # the real pool's fee: the venue our pool competes with
    pair: str = "WETH/USDT"  # BASE/QUOTE symbols, for people: prices read "QUOTE per BASE"

    def __post_init__(self):
        if self.quote not in (0, 1):
            raise ValueError("quote must be 0 or 1 (the numeraire token)")
        if not 0 <= self.venue_fee < 1:
            raise ValueError("venue fee must be a fraction in [0, 1)")
        base, sep, quote = self.pair.partition("/")
        if not (sep and base.strip() and quote.strip()):
            raise ValueError(f"pair {self.pair!r}: write BASE/QUOTE, e.g. WETH/USDT (QUOTE is the numeraire)")

    @property
    def price_unit(self) -> str:
        base, _, quote = self.pair.partition("/")
        return f"{quote.strip()} per {base.strip()}"

    def human_price(self, raw: np.ndarray | float) -> np.ndarray | float:
        """The numeraire per whole base token, from raw token1 units per raw token0 unit."""
        token1_per_token0 = np.asarray(raw, dtype=np.float64) * 10.0 ** (self.decimals0 - self.decimals1)
        return token1_per_token0 if self.quote == 1 else 1.0 / token1_per_token0

    def quote_per_token1(self, price: np.ndarray | float) -> np.ndarray | float:
        """Converts token1 raw units to quote units at raw price `price` (token1 raw per token0 raw)."""
        if self.quote == 1:
            return 10.0**-self.decimals1
        return 10.0**-self.decimals0 / np.asarray(price)


@dataclass(frozen=True)
class Step:
    """A step size: `count` seconds or `count` blocks."""

    count: int
    unit: str  # "s" or "block"

    @classmethod
    def parse(cls, text: str) -> Step:
        """'60s', '5m', '1h', 'block', '10blocks'."""
        m = re.fullmatch(r"\s*(\d*)\s*(s|m|h|block|blocks)\s*", text)
        if not m:
            raise ValueError(f"step {text!r} is not understood: use e.g. 60s, 5m, 1h, block or 10blocks")
        n = int(m.group(1) or 1)
        if n <= 0:
            raise ValueError(f"step {text!r} must be positive")
        unit = m.group(2)
        if unit.startswith("block"):
            return cls(n, "block")
        return cls(n * {"s": 1, "m": 60, "h": 3600}[unit], "s")


@dataclass
class Market:
    """Replay arrays for one period. All arrays are C-contiguous for the core."""

    timestamp: np.ndarray  # int64
    block: np.ndarray  # int64
    price: np.ndarray  # float64, raw token1 per raw token0, after the swap
    amount0: np.ndarray  # float64, raw, into the venue
    amount1: np.ndarray
    liquidity: np.ndarray  # float64, venue's active liquidity
    uninformed: np.ndarray  # uint8
    gap: np.ndarray  # uint8, 1 where a new stretch of data starts (after a hole)
    mark: np.ndarray  # int64, the swap whose price is each swap's markout price (same markout window, last)
    step_end: np.ndarray  # int64, exclusive swap index where each step ends
    step_time: np.ndarray  # int64, end time of each step (features are read then)
    start_time: int
    observed_seconds: int  # time the steps cover, holes excluded
    spec: MarketSpec

    @property
    def n_steps(self) -> int:
        return len(self.step_end)

    @property
    def days(self) -> float:
        """Observed days (holes excluded): the denominator of every per-day figure."""
        return self.observed_seconds / 86400


def _floats(table: pa.Table, name: str) -> np.ndarray:
    return np.ascontiguousarray(pc.cast(table[name], pa.float64()).to_numpy(zero_copy_only=False))


def _time_steps(ts: np.ndarray, starts: np.ndarray, seconds: int) -> np.ndarray:
    """End times of fixed windows on the grid of multiples of `seconds`, over each stretch of data."""
    bounds = np.r_[starts, len(ts)]
    parts = []
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        first = int(ts[a]) - int(ts[a]) % seconds + seconds
        parts.append(np.arange(first, int(ts[b - 1]) + seconds, seconds, dtype=np.int64))
    return np.concatenate(parts)


def _block_steps(blocks: np.ndarray, ts: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    step_id = (blocks - blocks[0]) // count
    step_end = np.flatnonzero(np.r_[step_id[1:] != step_id[:-1], True]).astype(np.int64) + 1
    return step_end, ts[step_end - 1].astype(np.int64)


def build_market(
    table: pa.Table, spec: MarketSpec = MarketSpec(), step: Step | str = "60s", max_gap: int = 6 * 3600
) -> Market:
    """Replay arrays from a canonical swap table (see envs.data.schema)."""
    if isinstance(step, str):
        step = Step.parse(step)
    if table.num_rows == 0:
        raise ValueError("no swaps to replay in the selected period")
    ts = np.ascontiguousarray(table["timestamp"].to_numpy(), dtype=np.int64)
    blocks = np.ascontiguousarray(table["block_number"].to_numpy(), dtype=np.int64)
    sqrt_price = _floats(table, "sqrt_price_x96") / Q96
    price = np.ascontiguousarray(sqrt_price * sqrt_price)
    amount0 = _floats(table, "amount0")
    amount1 = _floats(table, "amount1")
    liquidity = _floats(table, "liquidity")
    gap = np.r_[False, np.diff(ts) > max_gap]
    starts = np.r_[0, np.flatnonzero(gap)]
    if step.unit == "s":
        step_time = _time_steps(ts, starts, step.count)
        step_end = np.searchsorted(ts, step_time, side="left").astype(np.int64)
        start = int(step_time[0]) - step.count
        observed = len(step_time) * step.count
    else:
        step_end, step_time = _block_steps(blocks, ts, step.count)
        start = int(ts[0])
        ends = np.r_[starts[1:] - 1, len(ts) - 1]
        observed = int(np.sum(ts[ends] - ts[starts]))
    window = ts // MARKOUT_SECONDS
    last_in_window = np.flatnonzero(np.r_[window[1:] != window[:-1], True])
    mark = np.ascontiguousarray(last_in_window[np.searchsorted(last_in_window, np.arange(len(ts)))], dtype=np.int64)
    uninformed = np.ascontiguousarray(uninformed_mask(price, amount0, mark))
    return Market(
        ts,
        blocks,
        price,
        amount0,
        amount1,
        liquidity,
        uninformed,
        np.ascontiguousarray(gap, dtype=np.uint8),
        mark,
        step_end,
        step_time,
        start,
        observed,
        spec,
    )


def utc_day(ts: np.ndarray) -> np.ndarray:
    """Calendar day (UTC) of unix timestamps, as numpy datetime64[D]."""
    return ts.astype("datetime64[s]").astype("datetime64[D]")


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"date {text!r} is not YYYY-MM-DD") from None
