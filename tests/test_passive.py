"""Tests of the passive full-range LP replay (backtests.passive)."""

from __future__ import annotations

import math
from decimal import Decimal, localcontext

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import requires_shared_data, shared_data

from backtests.passive import passive_from_minute_bars, passive_from_swaps

Q96 = 2**96
POLYGON = shared_data("polygon-univ3-usdc-weth-005-minute")
ARBITRUM = shared_data("arbitrum-univ3-weth-usdt-005", "swaps")


def sqrt_tick(tick: float) -> float:
    """sqrt(1.0001**tick) to full double precision (exact decimal arithmetic, then rounded)."""
    with localcontext() as ctx:
        ctx.prec = 50
        return float((Decimal("1.0001") ** Decimal(tick)).sqrt())


def swap_table(rows: list[tuple[int, int, int, int]]) -> pa.Table:
    """Canonical swap table from (amount0, amount1, sqrt_price_x96, liquidity) rows."""
    n = len(rows)
    return pa.table(
        {
            "block_number": pa.array(range(100, 100 + n), pa.int64()),
            "timestamp": pa.array(range(1_700_000_000, 1_700_000_000 + 12 * n, 12), pa.int64()),
            "log_index": pa.array([0] * n, pa.int32()),
            "sender": pa.array(["0xs"] * n, pa.large_string()),
            "recipient": pa.array(["0xr"] * n, pa.large_string()),
            "amount0": pa.array([str(r[0]) for r in rows], pa.large_string()),
            "amount1": pa.array([str(r[1]) for r in rows], pa.large_string()),
            "sqrt_price_x96": pa.array([str(r[2]) for r in rows], pa.large_string()),
            "liquidity": pa.array([str(r[3]) for r in rows], pa.large_string()),
            "tick": pa.array([0] * n, pa.int32()),
        }
    )


# P = 4 raw token1 per raw token0 (sqrt 2) at entry; capital 400 token1 with 0 decimals gives
# L = 400 / (2 * 2) = 100 exactly.
HAND_ROWS = [
    (7_000, -28_000, 2 * Q96, 900),  # entry swap: its volume is not the position's
    (1_000, -3_900, 2 * Q96, 900),  # 1000 token0 in, active 900: share 100/1000
    (-1_200, 5_000, 2 * Q96, 400),  # 5000 token1 in, active 400: share 100/500
    (2_000, -7_000, 3 * Q96, 1_900),  # 2000 token0 in, active 1900: share 100/2000; P -> 9
]


def test_hand_table_fees_match_pro_rata() -> None:
    r = passive_from_swaps(swap_table(HAND_ROWS), 0.003, 400.0, 0, 0, quote=1)
    assert r.liquidity == pytest.approx(100.0, rel=1e-12)
    assert r.fees0_raw == pytest.approx(0.003 * (1_000 * 0.1 + 2_000 * 0.05), rel=1e-12)  # 0.6
    assert r.fees1_raw == pytest.approx(0.003 * 5_000 * 0.2, rel=1e-12)  # 3.0
    assert list(r.series["fee0"]) == pytest.approx([0.0, 0.3, 0.0, 0.3])
    assert list(r.series["fee1"]) == pytest.approx([0.0, 0.0, 3.0, 0.0])
    # Fee tokens marked at the final price (9 token1 per token0) and at each swap's own price.
    assert r.fee_value == pytest.approx(0.6 * 9 + 3.0)
    assert r.fee_value_at_accrual == pytest.approx(0.3 * 4 + 3.0 + 0.3 * 9)
    # Entry: 50 token0 + 200 token1 = 400; exit at P = 9: 100/3 token0 + 300 token1 = 600.
    assert (r.initial_amount0, r.initial_amount1) == pytest.approx((50.0, 200.0))
    assert r.initial_value == pytest.approx(400.0)
    assert r.final_value == pytest.approx(600.0)
    assert r.hold_value == pytest.approx(50 * 9 + 200)
    assert r.impermanent_loss == pytest.approx(600.0 - 650.0)
    assert r.net_pnl == pytest.approx(600.0 + 8.4 - 400.0)
    assert r.pnl_vs_hold == pytest.approx(8.4 - 50.0)


def test_hand_table_decimals_and_quote0() -> None:
    """Same swaps with 6/18 decimals and token0 as numeraire: human units scale, fees unchanged."""
    r1 = passive_from_swaps(swap_table(HAND_ROWS), 0.003, 400.0, 0, 0, quote=1)
    # capital in token0 terms at entry (P=4): 400 token1 = 100 token0 -> same L.
    r0 = passive_from_swaps(swap_table(HAND_ROWS), 0.003, 100.0, 0, 0, quote=0)
    assert r0.liquidity == pytest.approx(r1.liquidity, rel=1e-12)
    assert r0.fees0_raw == pytest.approx(r1.fees0_raw) and r0.fees1_raw == pytest.approx(r1.fees1_raw)
    assert r0.fee_value == pytest.approx(r1.fee_value / 9.0)  # token0 value at P = 9
    assert r0.final_price == pytest.approx(1 / 9) and r1.final_price == pytest.approx(9.0)
    # Decimals: L is in raw units, so 1 human token0 = 1e6 raw, 1 human token1 = 1e18 raw.
    rd = passive_from_swaps(swap_table(HAND_ROWS), 0.003, 400e-18, 6, 18, quote=1)
    assert rd.liquidity == pytest.approx(100.0, rel=1e-12)
    assert rd.fees0 == pytest.approx(0.6e-6) and rd.fees1 == pytest.approx(3.0e-18)
    assert rd.fees0_raw == pytest.approx(0.6) and rd.fees1_raw == pytest.approx(3.0)


def test_fees_linear_in_capital_for_small_positions_only() -> None:
    rows = [(1, 0, 2 * Q96, 10**18), (10**9, -(4 * 10**9), 2 * Q96, 10**18)]
    rows += [(-(10**9), 4 * 10**9, 2 * Q96, 10**18)]
    a = passive_from_swaps(swap_table(rows), 0.0005, 1e-6, 6, 18, quote=1)  # L = 2.5e11 << 1e18
    b = passive_from_swaps(swap_table(rows), 0.0005, 3e-6, 6, 18, quote=1)
    assert b.fees0 / a.fees0 == pytest.approx(3.0, rel=1e-6)
    assert b.fees1 / a.fees1 == pytest.approx(3.0, rel=1e-6)
    # A position as large as the pool dilutes itself: fees grow less than linearly (own L counted).
    big_l = 10**18
    cap = 2 * big_l * 2 / 1e18  # capital (token1 human) that gives L = active liquidity
    c = passive_from_swaps(swap_table(rows), 0.0005, cap, 6, 18, quote=1)
    assert c.liquidity == pytest.approx(big_l, rel=1e-12)
    assert c.fees0_raw == pytest.approx(0.0005 * 1e9 * 0.5, rel=1e-12)


def test_zero_volume_gives_zero_fees() -> None:
    rows = [(0, 0, 2 * Q96, 10**15)] * 5
    r = passive_from_swaps(swap_table(rows), 0.0005, 1000.0, 6, 18, quote=1)
    assert r.fees0 == 0.0 and r.fees1 == 0.0 and r.fee_value == 0.0
    bars = minute_bars([0, 0, 0], [0, 0, 0], [100, 200, 300])
    m = passive_from_minute_bars(bars, 0.0005, 1000.0, 6, 18, quote=0)
    assert m.fees0 == 0.0 and m.fees1 == 0.0
    assert (m.series["fee_value"] == 0.0).all()


def minute_bars(in0: list[int], in1: list[int], ticks: list[int], liq: int = 10**18) -> pd.DataFrame:
    n = len(ticks)
    return pd.DataFrame(
        {
            "timestamp": pd.date_range("2022-07-19", periods=n, freq="1min"),
            "netAmount0": [0] * n,
            "netAmount1": [0] * n,
            "closeTick": ticks,
            "openTick": [ticks[0] - 10] + ticks[:-1],
            "lowestTick": ticks,
            "highestTick": ticks,
            "inAmount0": in0,
            "inAmount1": in1,
            "currentLiquidity": [liq] * n,
        }
    )


@pytest.mark.parametrize("tick", [-200_000, 0, 202_700, 400_000])
def test_full_range_value_is_two_l_sqrt_p(tick: int) -> None:
    bars = minute_bars([0, 0], [0, 0], [tick, tick + 500])
    r = passive_from_minute_bars(bars, 0.0005, 5_000.0, 6, 18, quote=1)
    for t, value in zip([tick, tick + 500], r.series["position_value"], strict=True):
        sqrt_p = sqrt_tick(t)
        assert value == pytest.approx(2 * r.liquidity * sqrt_p / 1e18, rel=1e-12)
    # Entry at the first bar's openTick, worth the capital.
    assert 2 * r.liquidity * sqrt_tick(tick - 10) / 1e18 == pytest.approx(5_000.0, rel=1e-12)
    # Full-range impermanent loss: value / hold = 2 sqrt(r) / (1 + r), r = price ratio.
    ratio = sqrt_tick(510) ** 2
    assert r.final_value / r.hold_value == pytest.approx(2 * math.sqrt(ratio) / (1 + ratio), rel=1e-9)


def test_minute_bars_hand_fees_and_big_int_strings() -> None:
    """Pro-rata per bar; big integers given as decimal strings (as pandas reads them) parse exactly."""
    big_in1 = 34_314_688_834_673_185_254  # > 2**64
    bars = minute_bars([23_814_930_590, 0, 10**9], [0, big_in1, 0], [202_693, 202_770, 202_779])
    bars["inAmount1"] = bars["inAmount1"].astype(str)
    bars["currentLiquidity"] = ["422680516552367239", 536831100101048247, "659479203298734295"]
    r = passive_from_minute_bars(bars, 0.0005, 10_000.0, 6, 18, quote=0)
    liq = r.liquidity
    assert liq == pytest.approx(10_000.0 * 1e6 * sqrt_tick(202_683) / 2, rel=1e-12)
    exp0 = 0.0005 * 23_814_930_590 * liq / (422680516552367239 + liq)
    exp0 += 0.0005 * 1e9 * liq / (659479203298734295 + liq)
    exp1 = 0.0005 * big_in1 * liq / (536831100101048247 + liq)
    assert r.fees0_raw == pytest.approx(exp0, rel=1e-12)
    assert r.fees1_raw == pytest.approx(exp1, rel=1e-12)
    price_end = 1e12 / sqrt_tick(202_779) ** 2  # USDC per WETH at the last close
    assert r.final_price == pytest.approx(price_end, rel=1e-12)
    assert r.fee_value == pytest.approx(exp0 / 1e6 + exp1 / 1e18 * price_end, rel=1e-12)


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError):
        passive_from_swaps(swap_table(HAND_ROWS), 0.003, 400.0, 0, 0, quote=2)
    with pytest.raises(ValueError):
        passive_from_swaps(swap_table(HAND_ROWS), 0.003, 0.0, 0, 0)
    with pytest.raises(ValueError):
        passive_from_swaps(swap_table(HAND_ROWS).slice(0, 0), 0.003, 1.0, 0, 0)


@requires_shared_data
def test_polygon_minute_bars_real_data() -> None:
    from envs.data import load_minute_bars

    bars = load_minute_bars(POLYGON)
    r = passive_from_minute_bars(bars, 0.0005, 10_000.0, 6, 18, quote=0)
    numbers = [v for k, v in vars(r).items() if isinstance(v, float)]
    assert all(math.isfinite(v) for v in numbers)
    assert r.fees0 > 0 and r.fees1 > 0 and r.fee_value > 0
    assert np.isfinite(r.series.drop(columns="timestamp").to_numpy()).all()
    assert r.initial_value == pytest.approx(10_000.0)
    assert r.impermanent_loss <= 0
    # Reference: zelos-demeter 1.3.0 on the same files, same capital, full range (benchmarks/).
    assert r.fees0 == pytest.approx(39.064050214135816, rel=1e-9)
    assert r.fees1 == pytest.approx(0.023584174030678812, rel=1e-9)


@requires_shared_data
def test_arbitrum_swaps_real_data() -> None:
    from envs.data import load_swaps

    first = sorted(ARBITRUM.glob("*.parquet"))[0]
    table = load_swaps(first)
    r = passive_from_swaps(table, 0.0005, 10_000.0, 18, 6, quote=1)  # WETH/USDT, USDT numeraire
    numbers = [v for k, v in vars(r).items() if isinstance(v, float)]
    assert all(math.isfinite(v) for v in numbers)
    assert r.fees0 > 0 and r.fees1 > 0 and r.fee_value > 0
    assert len(r.series) == table.num_rows
    assert np.isfinite(r.series.drop(columns="timestamp").to_numpy()).all()
    assert 100 < r.initial_price < 100_000  # USDT per WETH
    # A tiny position's daily fee yield on a 0.05% pool stays well below 1% of capital.
    assert 0 < r.fee_value / r.initial_value < 0.01
