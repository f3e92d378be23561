"""The C core's exact pool against a Python-int oracle of the same formulas (the contract's formulas), the
per-swap fee rule included."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pool_oracle import Oracle, rules

from envs.amm import RESERVE_LIMIT, Pool, PoolParams, SwapError
from envs.fee_rule import RULE_MAX, FeeRule

P = PoolParams(fee_min=0, fee_max=100_000, fee_max_step=100_000)


reserves = st.integers(10**3, RESERVE_LIMIT // 4)
swaps = st.lists(st.tuples(st.booleans(), st.integers(1, 2**100), st.integers(0, 10**5)), min_size=1, max_size=25)


@settings(max_examples=300, deadline=None)
@given(r0=reserves, r1=reserves, rule=rules(), seq=swaps)
def test_swaps_fees_and_features_match_the_integer_oracle(r0, r1, rule, seq):
    pool, oracle = Pool(r0, r1, rule, P), Oracle(r0, r1, rule, P)
    ts = 0
    for zero_for_one, amount, gap in seq:
        ts += gap
        assert pool.fee_for(zero_for_one, ts) == oracle.fee(not zero_for_one, ts)
        try:
            want = oracle.swap(zero_for_one, amount, ts)
        except (SwapError, ZeroDivisionError):
            with pytest.raises(SwapError):
                pool.swap(zero_for_one, amount, ts)
            continue
        if max(oracle.r0, oracle.r1) >= RESERVE_LIMIT:
            break
        assert pool.swap(zero_for_one, amount, ts) == want
        assert pool.reserves == (oracle.r0, oracle.r1)
        assert pool.features(ts + gap) == oracle.features(ts + gap)
        assert pool.state["epoch"] == oracle.epoch and pool.state["surge_ts"] == oracle.surge_ts


@settings(max_examples=200, deadline=None)
@given(a=st.integers(1, 2**111), r_in=st.integers(1, 2**111), r_out=st.integers(1, 2**111))
def test_large_products_use_exact_256_bit_division(a, r_in, r_out):
    """Products beyond 128 bits take the long-division path; the quotient must still be exact."""
    pool = Pool(r_in, r_out, 0, P)
    expected = a * r_out // (r_in + a)
    if r_in + a >= RESERVE_LIMIT:
        with pytest.raises(SwapError):
            pool.swap(True, a, 1)
    elif expected == 0:
        with pytest.raises(SwapError):
            pool.swap(True, a, 1)
    else:
        assert pool.swap(True, a, 1)[0] == expected


def test_constant_product_never_decreases():
    pool = Pool(10**21, 2 * 10**12, 3000, P)
    k = pool.reserves[0] * pool.reserves[1]
    for i in range(200):
        pool.swap(i % 3 == 0, 10**18 if i % 3 == 0 else 10**9, i)
        k_new = pool.reserves[0] * pool.reserves[1]
        assert k_new >= k
        k = k_new


def test_rule_clamp_applies_bounds_and_the_base_max_step():
    pool = Pool(10**21, 10**12, 3000, PoolParams(fee_min=100, fee_max=10_000, fee_max_step=2500))
    assert pool.clamp_rule(FeeRule(9000)).base == 5500
    assert pool.clamp_rule(FeeRule(0)).base == 500
    pool.set_fee(500)
    assert pool.clamp_rule(FeeRule(0)).base == 100
    wide = pool.clamp_rule(FeeRule(600, skew_cap=50_000, vol_jump=20_000, surge_fee=10_001, skew_gain=7))
    assert (wide.skew_cap, wide.vol_jump, wide.surge_fee, wide.skew_gain) == (10_000, 10_000, 10_000, 7)
    with pytest.raises(ValueError, match="outside"):
        Pool(10**21, 10**12, 20_000, PoolParams())


def test_fee_rule_packs_into_one_word_and_back():
    rule = FeeRule(*RULE_MAX)
    assert rule.pack() == 2**256 - 1 and FeeRule.unpack(rule.pack()) == rule
    some = FeeRule(1525, 2000, 4500, 600, 1, 2, 3, 4, 5, 6, 7)
    assert FeeRule.unpack(some.pack()) == some and some.pack() & (2**20 - 1) == 1525
    with pytest.raises(ValueError, match="skew_cap"):
        FeeRule(100, skew_cap=2**20)


def test_a_skewed_rule_charges_the_side_of_the_last_move_more():
    """After token1 flows in (the price of token0 rises), buying token0 costs more than selling it; the skew
    leaks away with time and never exceeds its cap."""
    pool = Pool(10**21, 2 * 10**12, FeeRule(2000, skew_gain=4000, skew_cap=1500, skew_tau=60), P)
    assert pool.fee_for(False, 0) == pool.fee_for(True, 0) == 2000
    pool.swap(False, 10**10, 10)  # 0.5% of the token1 reserve in: a ~1% move up
    buy, sell = pool.fee_for(False, 10), pool.fee_for(True, 10)
    assert buy == 3500 and sell == 500  # the skew is at its cap, 15 bps each way
    later_buy = pool.fee_for(False, 10 + 600)
    assert 2000 < later_buy < buy  # leaked over ten time constants, not gone


def test_refused_swaps():
    pool = Pool(10**6, 10**6, 3000, P)
    with pytest.raises(SwapError, match="zero input"):
        pool.swap(True, 0, 1)
    with pytest.raises(SwapError, match="zero output"):
        pool.swap(True, 1, 1)
    with pytest.raises(SwapError, match="overflow"):
        pool.swap(True, RESERVE_LIMIT - 1, 1)
