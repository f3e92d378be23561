"""Passive full-range LP replay on a real pool's own data.

Values a hypothetical full-range Uniswap V3 position, opened at the start of the data and held to
the end, from the pool's recorded swaps (or demeter's minute bars of them): its pro-rata share of
the real fees, its token amounts and value from the pool price, the buy-and-hold comparison and
impermanent loss. Everything is vectorised numpy in float64; big-integer inputs (decimal strings)
are parsed column-wise, never per row in Python.

Fee attribution (both entry points)
-----------------------------------
For each period t (one swap, or one minute bar) the position earns, in each token i::

    fee_i[t] = fee_rate * in_i[t] * L / (L_active[t] + L)

* ``in_i[t]`` is the gross amount of token i swapped *into* the pool (the input side, fee
  included, as the Swap event reports it); the other token earns nothing for that swap.
* ``L_active[t]`` is the pool's active liquidity as recorded: the ``liquidity`` after the swap
  (swap table) or ``currentLiquidity`` at the end of the minute (minute bars). The position's own
  ``L`` *is* in the denominator: the position is added on top of the real liquidity, so it dilutes
  the real LPs (this is also what zelos-demeter does).
* A full-range position is always in range, so every period counts in full.
* The protocol's share of fees (``feeProtocol``) is taken as zero.
* Fees accrue uncompounded, in the token they are paid in. ``fee_value`` marks the accumulated
  fee tokens at the *final* price (what a holder of the uncollected fees owns at the end, and how
  demeter values them); ``fee_value_at_accrual`` values each period's fees at that period's price.

Position
--------
Full range, in raw units with ``P`` = raw token1 per raw token0: ``x = L / sqrt(P)`` token0 and
``y = L * sqrt(P)`` token1, so its value is ``2 * L * sqrt(P)`` raw token1 (``2 * L / sqrt(P)`` raw
token0). ``L`` is chosen so that the value at the entry price equals ``capital`` (in the quote
token, human units). The hold portfolio keeps the entry amounts ``(x0, y0)``.

* Swap table: the position is opened at the pool price after the first swap (the first price the
  data shows, no look-ahead) and earns the fees of the swaps after it.
* Minute bars: the position is opened at ``openTick`` of the first bar and earns every bar's fees
  (as demeter does); each bar is valued at its ``closeTick``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["PassiveResult", "passive_from_minute_bars", "passive_from_swaps"]

_Q96 = float(2**96)
# ln(1.0001) / 2: sqrt(1.0001**tick) as exp(tick * this) is ~1e-15 accurate, while float
# 1.0001**tick carries 1.0001's representation error times the tick (~2e-12 near tick 200,000).
_HALF_LN_TICK = 0.5 * float(np.log1p(1e-4))


@dataclass(frozen=True)
class PassiveResult:
    """Outcome of a passive full-range position; values in the quote token, human units.

    ``liquidity`` is L in raw units; ``fees*_raw`` are raw token units and ``fees0/1`` human units.
    Prices are quote per base token (human). ``initial_value``/``final_value`` are the position
    without fees; ``hold_value`` is the entry amounts at the final price; ``impermanent_loss`` =
    final_value - hold_value (<= 0); ``net_pnl`` = final_value + fee_value - initial_value.
    ``series`` has one row per period: timestamp, price (quote per base token), share (of the active
    liquidity), fee0/fee1 (this period, human), cum_fee0/cum_fee1, amount0/amount1 (position,
    human), position_value, fee_value (cumulative fees at this period's price), hold_value,
    impermanent_loss, net_value (position + fees), pnl (net_value - capital).
    """

    liquidity: float
    fee_rate: float
    quote: int
    decimals0: int
    decimals1: int
    fees0_raw: float
    fees1_raw: float
    fees0: float
    fees1: float
    fee_value: float
    fee_value_at_accrual: float
    initial_price: float
    final_price: float
    initial_amount0: float
    initial_amount1: float
    final_amount0: float
    final_amount1: float
    initial_value: float
    final_value: float
    hold_value: float
    impermanent_loss: float
    net_pnl: float
    series: pd.DataFrame = field(repr=False)

    @property
    def pnl_vs_hold(self) -> float:
        """Fees plus impermanent loss: what providing liquidity added over holding the tokens."""
        return self.final_value + self.fee_value - self.hold_value


def _arrow_float(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Column (decimal strings, integers or decimals) to float64 numpy, parsed by Arrow."""
    return pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)


def _pandas_float(s: pd.Series) -> np.ndarray:
    """Series of ints, floats, decimal strings or Python big ints (mixed too) to float64 numpy."""
    if s.dtype == object:
        return s.to_numpy(dtype=object).astype(np.float64)  # float() of str/int/Decimal, in C
    return s.to_numpy(dtype=np.float64, na_value=np.nan)


def _ffill(a: np.ndarray) -> np.ndarray:
    """Forward-fill NaNs (leading NaNs become the first valid value)."""
    bad = np.isnan(a)
    if not bad.any():
        return a
    idx = np.where(bad, 0, np.arange(a.size))
    np.maximum.accumulate(idx, out=idx)
    out = a[idx]
    first = np.flatnonzero(~bad)
    if first.size:
        out[np.isnan(out)] = a[first[0]]
    return out


def _replay(
    timestamps: np.ndarray | pd.DatetimeIndex,
    sqrt_p_entry: float,
    sqrt_p: np.ndarray,
    in0: np.ndarray,
    in1: np.ndarray,
    active_liquidity: np.ndarray,
    fee_rate: float,
    capital: float,
    decimals0: int,
    decimals1: int,
    quote: int,
) -> PassiveResult:
    """Shared vectorised core; all arrays raw units, one entry per period."""
    if quote not in (0, 1):
        raise ValueError("quote must be 0 (token0 is the numeraire) or 1 (token1)")
    if not capital > 0:
        raise ValueError("capital must be positive")
    if not (np.isfinite(sqrt_p_entry) and sqrt_p_entry > 0):
        raise ValueError("entry price must be positive and finite")
    s0, s1 = 10.0**decimals0, 10.0**decimals1

    # L such that the full-range position is worth `capital` quote tokens at entry.
    if quote == 1:
        liq = capital * s1 / (2.0 * sqrt_p_entry)
    else:
        liq = capital * s0 * sqrt_p_entry / 2.0

    in0 = np.nan_to_num(in0, nan=0.0)
    in1 = np.nan_to_num(in1, nan=0.0)
    share = liq / (_ffill(active_liquidity) + liq)
    fee0 = fee_rate * in0 * share / s0  # human units
    fee1 = fee_rate * in1 * share / s1
    cum0, cum1 = np.cumsum(fee0), np.cumsum(fee1)

    # Human-unit prices of token0 in token1; quote price of the base token.
    p01 = sqrt_p * sqrt_p * (s0 / s1)
    p01_entry = sqrt_p_entry * sqrt_p_entry * (s0 / s1)
    amount0 = liq / sqrt_p / s0
    amount1 = liq * sqrt_p / s1
    a0_entry, a1_entry = liq / sqrt_p_entry / s0, liq * sqrt_p_entry / s1
    price, price_entry = (p01, p01_entry) if quote == 1 else (1.0 / p01, 1.0 / p01_entry)

    def value(a0: np.ndarray | float, a1: np.ndarray | float, px: np.ndarray | float) -> np.ndarray:
        """Quote-token value of human amounts at base-token price px."""
        return np.asarray(a0 * px + a1 if quote == 1 else a0 + a1 * px, dtype=np.float64)

    position_value = value(amount0, amount1, price)
    fee_value = value(cum0, cum1, price)
    hold_value = value(a0_entry, a1_entry, price)
    net_value = position_value + fee_value
    series = pd.DataFrame(
        {
            "timestamp": timestamps,
            "price": price,
            "share": share,
            "fee0": fee0,
            "fee1": fee1,
            "cum_fee0": cum0,
            "cum_fee1": cum1,
            "amount0": amount0,
            "amount1": amount1,
            "position_value": position_value,
            "fee_value": fee_value,
            "hold_value": hold_value,
            "impermanent_loss": position_value - hold_value,
            "net_value": net_value,
            "pnl": net_value - capital,
        }
    )
    initial_value = float(value(a0_entry, a1_entry, price_entry))
    last = sqrt_p.size - 1
    final_value, hold_end = float(position_value[last]), float(hold_value[last])
    fee_end = float(fee_value[last])
    f0, f1 = float(cum0[last]), float(cum1[last])
    return PassiveResult(
        liquidity=float(liq),
        fee_rate=float(fee_rate),
        quote=quote,
        decimals0=decimals0,
        decimals1=decimals1,
        fees0_raw=f0 * s0,
        fees1_raw=f1 * s1,
        fees0=f0,
        fees1=f1,
        fee_value=fee_end,
        fee_value_at_accrual=float(np.sum(value(fee0, fee1, price))),
        initial_price=float(price_entry),
        final_price=float(price[last]),
        initial_amount0=float(a0_entry),
        initial_amount1=float(a1_entry),
        final_amount0=float(amount0[last]),
        final_amount1=float(amount1[last]),
        initial_value=initial_value,
        final_value=final_value,
        hold_value=hold_end,
        impermanent_loss=final_value - hold_end,
        net_pnl=final_value + fee_end - initial_value,
        series=series,
    )


def passive_from_swaps(
    table: pa.Table,
    fee_rate: float,
    capital: float,
    decimals0: int,
    decimals1: int,
    quote: int = 1,
) -> PassiveResult:
    """Replay a full-range position over the canonical swap table (see module doc for attribution).

    The position opens at the price after the first swap and earns the fees of every later swap;
    one series row per swap (the first row is the entry, with zero fees).
    """
    if table.num_rows == 0:
        raise ValueError("empty swap table")
    a0 = _arrow_float(table.column("amount0"))
    a1 = _arrow_float(table.column("amount1"))
    sqrt_p = _arrow_float(table.column("sqrt_price_x96")) / _Q96
    active = _arrow_float(table.column("liquidity"))
    in0 = np.where(a0 > 0, a0, 0.0)
    in1 = np.where(a1 > 0, a1, 0.0)
    in0[0] = in1[0] = 0.0  # the entry swap happened before the position existed
    ts = pd.to_datetime(table.column("timestamp").to_numpy(), unit="s", utc=True)
    return _replay(ts, float(sqrt_p[0]), sqrt_p, in0, in1, active, fee_rate, capital, decimals0, decimals1, quote)


def passive_from_minute_bars(
    df: pd.DataFrame,
    fee_rate: float,
    capital: float,
    decimals0: int,
    decimals1: int,
    quote: int = 1,
) -> PassiveResult:
    """Replay a full-range position over demeter-format minute bars (see module doc for attribution).

    Uses ``inAmount0/1`` (gross volume in), ``currentLiquidity`` and ``closeTick`` of each bar, and
    the first bar's ``openTick`` as the entry price; price = 1.0001**tick raw token1 per token0
    (evaluated as exp(tick * ln 1.0001), accurate to ~1e-15 where float 1.0001**tick is ~1e-12 off).
    Missing bars simply earn nothing; NaN liquidity or ticks are forward-filled.
    """
    if len(df) == 0:
        raise ValueError("no minute bars")
    ts = df["timestamp"] if "timestamp" in df.columns else df.index
    if not isinstance(ts.dtype, pd.DatetimeTZDtype) and ts.dtype.kind != "M":
        ts = pd.to_datetime(ts)  # strings; already-datetime input skips this (it iterates per row)
    ts = pd.DatetimeIndex(ts)
    close_tick = _ffill(_pandas_float(df["closeTick"]))
    open_tick = _pandas_float(df["openTick"])
    entry_tick = open_tick[0] if np.isfinite(open_tick[0]) else close_tick[0]
    return _replay(
        ts,
        float(np.exp(entry_tick * _HALF_LN_TICK)),
        np.exp(close_tick * _HALF_LN_TICK),
        _pandas_float(df["inAmount0"]),
        _pandas_float(df["inAmount1"]),
        _pandas_float(df["currentLiquidity"]),
        fee_rate,
        capital,
        decimals0,
        decimals1,
        quote,
    )
