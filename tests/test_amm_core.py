"""The C core's exact pool against a Python-int oracle of the same formulas (the contract's formulas)."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from envs.amm import RESERVE_LIMIT, Pool, PoolParams, SwapError

WAD = 10**18
P = PoolParams(fee_min=0, fee_max=100_000, fee_max_step=100_000)


def tdiv(a: int, b: int) -> int:
    """Integer division truncating toward zero, as the EVM's SDIV and C do."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


class Oracle:
    """Python-int model of the pool: reserves, fee, and the feature accumulators."""

    def __init__(self, r0, r1, fee, params: PoolParams, now=0):
        self.r0, self.r1, self.fee, self.p, self.last = r0, r1, fee, params, now
        self.vf = self.vs = self.flow = self.vol = self.logp = self.twap = 0

    def swap(self, zero_for_one, amount, ts):
        r_in, r_out = (self.r0, self.r1) if zero_for_one else (self.r1, self.r0)
        after = amount * (10**6 - self.fee) // 10**6
        out = after * r_out // (r_in + after)
        if out == 0:
            raise SwapError("zero output")
        dt = max(ts - self.last, 0)
        p = self.p
        self.twap = tdiv(self.twap * p.tau_twap + self.logp * dt, p.tau_twap + dt)
        d1 = -out if zero_for_one else amount
        u = min(abs(d1) * WAD // self.r1, WAD) * (1 if d1 >= 0 else -1)
        ret = 2 * u
        sq = tdiv(ret * ret, WAD)
        self.vf = tdiv(self.vf * p.tau_fast + sq, p.tau_fast + dt)
        self.vs = tdiv(self.vs * p.tau_slow + sq, p.tau_slow + dt)
        self.flow = tdiv(self.flow * p.tau_flow + u, p.tau_flow + dt)
        self.vol = tdiv(self.vol * p.tau_flow + abs(u), p.tau_flow + dt)
        self.logp += ret
        self.last = ts
        if zero_for_one:
            self.r0, self.r1 = self.r0 + amount, self.r1 - out
        else:
            self.r1, self.r0 = self.r1 + amount, self.r0 - out
        return out, amount - after

    def features(self, now):
        p = self.p
        dt = max(now - self.last, 0)
        vf = tdiv(self.vf * p.tau_fast, p.tau_fast + dt)
        vs = tdiv(self.vs * p.tau_slow, p.tau_slow + dt)
        cap = 100 * WAD
        return [
            self.fee * (WAD // 10**6),
            math.isqrt(min(vf * 31536000, cap) * WAD),
            math.isqrt(min(vs * 31536000, cap) * WAD),
            tdiv(self.flow * p.tau_flow, p.tau_flow + dt) * 86400,
            tdiv(self.vol * p.tau_flow, p.tau_flow + dt) * 86400,
            min(dt, 604800) * WAD // 3600,
            self.logp - tdiv(self.twap * p.tau_twap + self.logp * dt, p.tau_twap + dt),
        ]


reserves = st.integers(10**3, RESERVE_LIMIT // 4)
swaps = st.lists(st.tuples(st.booleans(), st.integers(1, 2**100), st.integers(0, 10**5)), min_size=1, max_size=25)


@settings(max_examples=300, deadline=None)
@given(r0=reserves, r1=reserves, fee=st.integers(0, 100_000), seq=swaps)
def test_swaps_and_features_match_the_integer_oracle(r0, r1, fee, seq):
    pool, oracle = Pool(r0, r1, fee, P), Oracle(r0, r1, fee, P)
    ts = 0
    for zero_for_one, amount, gap in seq:
        ts += gap
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


def test_fee_clamp_applies_bounds_and_max_step():
    pool = Pool(10**21, 10**12, 3000, PoolParams(fee_min=100, fee_max=10_000, fee_max_step=2500))
    assert pool.clamp_fee(9000) == 5500
    assert pool.clamp_fee(0) == 500
    pool.set_fee(500)
    assert pool.clamp_fee(0) == 100
    with pytest.raises(ValueError, match="outside"):
        Pool(10**21, 10**12, 20_000, PoolParams())


def test_refused_swaps():
    pool = Pool(10**6, 10**6, 3000, P)
    with pytest.raises(SwapError, match="zero input"):
        pool.swap(True, 0, 1)
    with pytest.raises(SwapError, match="zero output"):
        pool.swap(True, 1, 1)
    with pytest.raises(SwapError, match="overflow"):
        pool.swap(True, RESERVE_LIMIT - 1, 1)
