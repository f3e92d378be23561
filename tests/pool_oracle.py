"""A Python-int model of the pool: reserves, the per-swap fee rule and the feature accumulators, written from
the formulas (envs/fee_rule.py, envs/features.py) independently of the C core and the contract, which are
tested against it and against each other."""

from __future__ import annotations

import math

from hypothesis import strategies as st

from envs.amm import PoolParams
from envs.fee_rule import RULE_FIELDS, RULE_MAX, FeeRule

WAD = 10**18
YEAR = 31_536_000
LIM55 = (1 << 55) - 1
LIM87 = (1 << 87) - 1
SKEW_UNIT = 10**6
SKEW_LIMIT = 4 * 10**12


def tdiv(a: int, b: int) -> int:
    """Integer division truncating toward zero, as the EVM's SDIV and C do."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def clamp(x: int, lo: int, hi: int) -> int:
    return max(lo, min(hi, x))


def leak(acc: int, tau: int, dt: int) -> int:
    return acc if dt == 0 else tdiv(acc * tau, tau + dt)


class Oracle:
    def __init__(self, r0: int, r1: int, rule: FeeRule | int, params: PoolParams, now: int = 0):
        self.r0, self.r1, self.p, self.last = r0, r1, params, now
        self.rule = FeeRule(rule) if isinstance(rule, int) else rule
        self.vf = self.vs = self.flow = self.vol = self.logp = self.twap = self.skew = 0
        self.surge_ts = self.epoch = 0

    def fee(self, token1_in: bool, now: int) -> int:
        r, p = self.rule, self.p
        dt = max(now - self.last, 0)
        fee = r.base
        if r.vol_gain > 0 or r.vol_jump > 0:
            var = min(tdiv(self.vf * p.tau_fast, p.tau_fast + dt) * YEAR, 100 * WAD)
            threshold = r.vol_threshold * 10**12
            if var > threshold:
                fee += r.vol_jump + tdiv(r.vol_gain * (var - threshold), WAD)
        if r.twap_gain > 0:
            twap = tdiv(self.twap * p.tau_twap + self.logp * dt, p.tau_twap + dt)
            gap = min(abs(self.logp - twap), WAD)
            fee += r.twap_gain * (gap * gap // WAD) // WAD
        if r.surge_fee > 0 and self.surge_ts > 0:
            since = max(now - self.surge_ts, 0)
            surge = r.surge_fee if since == 0 else r.surge_fee * r.surge_tau // (r.surge_tau + since)
            fee = max(fee, surge)
        if r.skew_gain > 0:
            skew = clamp(tdiv(r.skew_gain * leak(self.skew, r.skew_tau, dt), 10**9), -r.skew_cap, r.skew_cap)
            fee += skew if token1_in else -skew
        return clamp(fee, p.fee_min, p.fee_max)

    def swap(self, zero_for_one: bool, amount: int, ts: int) -> tuple[int, int]:
        from envs.amm import SwapError

        fee = self.fee(not zero_for_one, ts)
        r_in, r_out = (self.r0, self.r1) if zero_for_one else (self.r1, self.r0)
        after = amount * (10**6 - fee) // 10**6
        out = after * r_out // (r_in + after)
        if out == 0:
            raise SwapError("zero output")
        dt = max(ts - self.last, 0)
        p, r = self.p, self.rule
        self.twap = tdiv(self.twap * p.tau_twap + self.logp * dt, p.tau_twap + dt)
        d1 = -out if zero_for_one else amount
        u = min(abs(d1) * WAD // self.r1, WAD) * (1 if d1 >= 0 else -1)
        ret = 2 * u
        sq = tdiv(ret * ret, WAD)
        self.vf = clamp(tdiv(self.vf * p.tau_fast + sq, p.tau_fast + dt), 0, LIM55)
        self.vs = clamp(tdiv(self.vs * p.tau_slow + sq, p.tau_slow + dt), 0, LIM55)
        self.flow = clamp(tdiv(self.flow * p.tau_flow + u, p.tau_flow + dt), -LIM55 - 1, LIM55)
        self.vol = clamp(tdiv(self.vol * p.tau_flow + abs(u), p.tau_flow + dt), 0, LIM55)
        self.logp = clamp(self.logp + ret, -LIM87 - 1, LIM87)
        bound = SKEW_LIMIT if r.skew_gain == 0 else min(r.skew_cap * 10**9 // r.skew_gain, SKEW_LIMIT)
        self.skew = clamp(leak(self.skew, r.skew_tau, dt) + tdiv(ret, SKEW_UNIT), -bound, bound)
        if r.surge_threshold > 0 and abs(ret) >= r.surge_threshold * 10**12:
            self.surge_ts = ts
        self.last = ts
        self.epoch = (self.epoch + 1) % 2**32
        if zero_for_one:
            self.r0, self.r1 = self.r0 + amount, self.r1 - out
        else:
            self.r1, self.r0 = self.r1 + amount, self.r0 - out
        return out, amount - after

    def features(self, now: int) -> list[int]:
        p = self.p
        dt = max(now - self.last, 0)
        vf = tdiv(self.vf * p.tau_fast, p.tau_fast + dt)
        vs = tdiv(self.vs * p.tau_slow, p.tau_slow + dt)
        cap = 100 * WAD
        return [
            self.rule.base * (WAD // 10**6),
            math.isqrt(min(vf * YEAR, cap) * WAD),
            math.isqrt(min(vs * YEAR, cap) * WAD),
            tdiv(self.flow * p.tau_flow, p.tau_flow + dt) * 86400,
            tdiv(self.vol * p.tau_flow, p.tau_flow + dt) * 86400,
            min(dt, 604800) * WAD // 3600,
            self.logp - tdiv(self.twap * p.tau_twap + self.logp * dt, p.tau_twap + dt),
            leak(self.skew, self.rule.skew_tau, dt) * SKEW_UNIT,
        ]


@st.composite
def rules(draw):
    """Fee rules with every term in play now and then, at sizes that matter and at the fields' limits."""
    values = {}
    for name, top in zip(RULE_FIELDS, RULE_MAX, strict=True):
        small = {"base": 100_000, "skew_cap": 100_000, "vol_jump": 100_000, "surge_fee": 100_000}.get(name, top)
        values[name] = draw(st.one_of(st.just(0), st.integers(0, small), st.just(min(top, small))))
    return FeeRule(**values)
