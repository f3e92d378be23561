"""The embedded synthetic market: schema, determinism, exact amounts and calibration to the real pool."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from envs.data.errors import RowOrigin
from envs.data.schema import SWAP_SCHEMA
from envs.data.swaps import check_swaps
from envs.synthetic import (
    SyntheticMarketConfig,
    fair_price_path,
    gbm_swaps,
    generate_swaps,
    generate_with_truth,
)

SECONDS_PER_YEAR = 365 * 86400
Q96 = 2.0**96


def _ints(table: pa.Table, name: str) -> list[int]:
    return [int(x) for x in table[name].to_pylist()]


def _usd_price(table: pa.Table) -> np.ndarray:
    sp = np.array(_ints(table, "sqrt_price_x96"), dtype=np.float64) / Q96
    return sp * sp * 1e12


def _realised_vol(log_price: np.ndarray, seconds: float) -> float:
    r = np.diff(log_price)
    return math.sqrt(float(np.sum(r * r)) / (seconds / SECONDS_PER_YEAR))


@pytest.fixture(scope="module")
def market() -> tuple[SyntheticMarketConfig, pa.Table, np.ndarray]:
    cfg = SyntheticMarketConfig(days=3, seed=0)
    table, informed = generate_with_truth(cfg)
    return cfg, table, informed


def test_same_seed_same_table_different_seed_differs() -> None:
    a = generate_swaps(days=0.25, seed=7)
    b = generate_swaps(SyntheticMarketConfig(days=0.25, seed=7))
    c = generate_swaps(days=0.25, seed=8)
    assert a.equals(b)
    assert not a.equals(c)
    assert a["amount1"].to_pylist()[:50] != c["amount1"].to_pylist()[:50]


def test_schema_order_and_loader_checks(market) -> None:
    cfg, table, informed = market
    assert table.schema.equals(SWAP_SCHEMA)
    assert [f.type for f in table.schema] == [
        pa.int64(),
        pa.int64(),
        pa.int32(),
        pa.large_string(),
        pa.large_string(),
        pa.large_string(),
        pa.large_string(),
        pa.large_string(),
        pa.large_string(),
        pa.int32(),
    ]
    assert len(informed) == table.num_rows and informed.dtype == bool
    check_swaps(table, RowOrigin.single(Path("synthetic")))  # the loaders' own value checks
    block = table["block_number"].to_numpy()
    li = table["log_index"].to_numpy().astype(np.int64)
    key = block * 1_000_000 + li
    assert (np.diff(key) > 0).all()  # sorted by (block, log_index), no duplicates
    assert (np.diff(block) == 0).any()  # some blocks hold several swaps
    ts = table["timestamp"].to_numpy()
    expected_ts = cfg.start_timestamp + np.floor((block - cfg.start_block) * cfg.block_seconds)
    assert (ts == expected_ts).all()
    assert ts[0] >= cfg.start_timestamp and ts[-1] < cfg.start_timestamp + 3 * 86400
    assert set(table["liquidity"].to_pylist()) == {str(cfg.liquidity)}


def test_amounts_move_the_price_their_way(market) -> None:
    cfg, table, _ = market
    start = int(math.sqrt(cfg.start_price * 1e-12) * Q96)
    sp = np.array([start] + _ints(table, "sqrt_price_x96"), dtype=object)
    step = np.sign((sp[1:] - sp[:-1]).astype(np.float64))
    a0 = np.sign(np.array(_ints(table, "amount0"), dtype=object).astype(np.float64))
    a1 = np.sign(np.array(_ints(table, "amount1"), dtype=object).astype(np.float64))
    assert (step != 0).all()
    assert (a1 == step).all()  # token1 in <=> price up
    assert (a0 == -step).all()
    price = _usd_price(table)
    tick = table["tick"].to_numpy()
    log_raw = np.log(price * 1e-12) / math.log(1.0001)
    assert (tick <= log_raw + 1e-9).all() and (log_raw < tick + 1 + 1e-9).all()


def test_amounts_are_exact_v3_deltas() -> None:
    cfg = SyntheticMarketConfig(days=0.1, seed=3)
    table = generate_swaps(cfg)
    L, q = cfg.liquidity, 1 << 96
    keep = Fraction(1_000_000 - round(cfg.fee * 1_000_000), 1_000_000)
    prev = int(math.sqrt(cfg.start_price * 1e-12) * Q96)
    for a0, a1, b in zip(_ints(table, "amount0"), _ints(table, "amount1"), _ints(table, "sqrt_price_x96"), strict=True):
        curve1 = Fraction(L * (b - prev), q)  # token1 the curve takes in (+) or pays out (-)
        curve0 = Fraction(L * q * (prev - b), prev * b)
        if b > prev:  # input grossed up by the fee and rounded up, output rounded toward 0
            assert 0 <= a1 * keep - curve1 < 2 and 0 <= a0 - curve0 < 1
        else:
            assert 0 <= a0 * keep - curve0 < 2 and 0 <= a1 - curve1 < 1
        prev = b


def test_swap_count_and_trade_sizes(market) -> None:
    cfg, table, informed = market
    per_day = table.num_rows / cfg.days
    assert abs(per_day / cfg.swaps_per_day - 1) < 0.10
    usd = np.abs(np.array(_ints(table, "amount1"), dtype=np.float64)) / 1e6
    median = float(np.median(usd[~informed]))
    assert abs(median / cfg.median_trade_usd - 1) < 0.15
    assert np.percentile(usd[~informed], 99.9) > 10 * median  # Pareto tail (real pool: 17x)
    share = informed.mean()
    assert 0.05 < share < 0.60


def test_fixed_uninformed_rate() -> None:
    cfg = SyntheticMarketConfig(days=0.5, seed=1, uninformed_per_day=10_000)
    table, informed = generate_with_truth(cfg)
    assert abs((~informed).sum() / 0.5 / 10_000 - 1) < 0.05


def test_realised_volatility_matches_config(market) -> None:
    cfg, table, _ = market
    fair = fair_price_path(cfg)
    seconds = fair.t[-1] - fair.t[0]
    fair_vol = _realised_vol(np.log(fair.price[::300]), seconds)
    assert 0.8 < fair_vol / cfg.annual_vol < 1.25
    ts = table["timestamp"].to_numpy()
    grid = np.arange(ts[0], ts[-1], 300)
    pool = np.log(_usd_price(table))[np.searchsorted(ts, grid, side="right") - 1]
    pool_vol = _realised_vol(pool, grid[-1] - grid[0])
    assert 0.8 < pool_vol / cfg.annual_vol < 1.25
    assert abs(pool_vol / fair_vol - 1) < 0.10


def test_pool_tracks_fair_price_and_informed_flow_wins(market) -> None:
    cfg, table, informed = market
    fair = fair_price_path(cfg)
    ts = table["timestamp"].to_numpy()
    at = (ts - cfg.start_timestamp).astype(np.int64)
    gap = np.log(_usd_price(table)) - np.log(fair.price[at])
    band = -math.log(1 - cfg.fee)
    assert np.median(np.abs(gap)) < band
    assert np.mean(np.abs(gap) < band + 2e-4) > 0.95
    # markout at the fair price a minute later, in USD, to the trader (who receives -amount)
    later = fair.price[np.minimum(at + 60, len(fair.price) - 1)]
    a0 = np.array(_ints(table, "amount0"), dtype=np.float64) / 1e18
    a1 = np.array(_ints(table, "amount1"), dtype=np.float64) / 1e6
    markout = -a0 * later - a1
    assert markout[informed].mean() > 0 > markout[~informed].mean()
    now = -a0 * fair.price[at] - a1
    assert np.mean(now[informed] > 0) > 0.9  # arbitrage is profitable at the fair price right away


def test_fair_path_sigma_and_overrides() -> None:
    cfg = SyntheticMarketConfig(days=1, seed=2, jumps_per_day=0.0, vol_of_vol=0.0, annual_vol=0.8)
    fair = fair_price_path(cfg)
    assert np.allclose(fair.sigma, 0.8)
    vol = _realised_vol(np.log(fair.price), fair.t[-1] - fair.t[0])
    assert abs(vol / 0.8 - 1) < 0.02
    with pytest.raises(ValueError):
        fair_price_path(cfg, jumps_per_day=1000.0, annual_vol=0.1)


def test_gbm_swaps_realised_vol() -> None:
    table = gbm_swaps(days=1, annual_vol=0.8, seed=0)
    assert table.schema.equals(SWAP_SCHEMA)
    assert table.num_rows == 86_400
    block = table["block_number"].to_numpy()
    assert (np.diff(block) == 1).all()
    assert (np.diff(table["timestamp"].to_numpy()) == 1).all()
    logp = np.log(np.concatenate(([2500.0], _usd_price(table))))
    assert abs(_realised_vol(logp, 86_400) / 0.8 - 1) < 0.03
    a1 = np.sign(np.array(_ints(table, "amount1"), dtype=np.float64))
    assert (a1 == np.sign(np.diff(logp))).all()
    assert gbm_swaps(days=0.01, annual_vol=0.8, seed=0).equals(gbm_swaps(days=0.01, annual_vol=0.8, seed=0))
