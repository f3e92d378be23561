# pragma version 0.4.3
"""
@title fee_math
@notice The per-swap fee rule and the feature accumulators of a dynamic-fee pool, on packed words, with the
        pool's fee bounds and time constants: what DynamicFeePool and DynamicFeeHook both run (the formulas are
        envs/_ammcore.c's, unit for unit).
@dev The state is three words the caller stores (layout in DynamicFeePool):
       acc: var_fast | var_slow << 56 | (flow + 2**55) << 112 | volume << 168 | epoch << 224
       px:  (logp + 2**87) | (logp_twap + 2**87) << 88 | (skew + 2**47) << 176 | surge_ts << 224
       rule: the fee rule's parameters (envs/fee_rule.py FeeRule.pack)
     with `last`, the time of the last swap.
"""

WAD: constant(int256) = 10**18
FEE_DENOM: constant(uint256) = 10**6
SECONDS_PER_YEAR: constant(int256) = 31536000
SECONDS_PER_DAY: constant(int256) = 86400
MAX_IDLE: constant(uint256) = 604800
NFEATURES: constant(uint256) = 8
SKEW_UNIT: constant(int256) = 10**6
SKEW_LIMIT: constant(int256) = 4 * 10**12
LIM55: constant(int256) = 2**55 - 1
LIM87: constant(int256) = 2**87 - 1
BIAS47: constant(uint256) = 2**47  # signed fields are stored with a bias of half their width
BIAS55: constant(uint256) = 2**55
BIAS87: constant(uint256) = 2**87
# the accumulators and prices of a pool that has seen no swap
ACC0: constant(uint256) = BIAS55 << 112
PX0: constant(uint256) = BIAS87 | (BIAS87 << 88) | (BIAS47 << 176)
# the rule's fields in the packed word, lowest bits first: (offset, width), as envs/fee_rule.py RULE_BITS
BASE: constant(uint256) = 0
SKEW_GAIN: constant(uint256) = 20
SKEW_CAP: constant(uint256) = 44
SKEW_TAU: constant(uint256) = 64
VOL_GAIN: constant(uint256) = 88
VOL_THRESHOLD: constant(uint256) = 112
VOL_JUMP: constant(uint256) = 136
TWAP_GAIN: constant(uint256) = 156
SURGE_FEE: constant(uint256) = 188
SURGE_THRESHOLD: constant(uint256) = 208
SURGE_TAU: constant(uint256) = 232
BASE_MASK: constant(uint256) = 2**20 - 1

fee_min: public(immutable(uint256))
fee_max: public(immutable(uint256))
fee_max_step: public(immutable(uint256))
tau_fast: public(immutable(int256))
tau_slow: public(immutable(int256))
tau_flow: public(immutable(int256))
tau_twap: public(immutable(int256))


@deploy
def __init__(_fee_min: uint256, _fee_max: uint256, _fee_max_step: uint256, _taus: int256[4]):
    assert _fee_min <= _fee_max and _fee_max < FEE_DENOM, "FeeOutOfBounds"
    for t: int256 in _taus:
        assert t > 0, "BadTimeConstant"
    fee_min = _fee_min
    fee_max = _fee_max
    fee_max_step = _fee_max_step
    tau_fast = _taus[0]
    tau_slow = _taus[1]
    tau_flow = _taus[2]
    tau_twap = _taus[3]


@pure
@internal
def _field(word: uint256, offset: uint256, bits: uint256) -> int256:
    return convert((word >> offset) & ((1 << bits) - 1), int256)


@pure
@internal
def _signed(word: uint256, offset: uint256, bits: uint256) -> int256:
    return self._field(word, offset, bits) - convert(1 << (bits - 1), int256)


@pure
@internal
def _leak(acc: int256, tau: int256, dt: int256) -> int256:
    if dt == 0:
        return acc
    return acc * tau // (tau + dt)


@pure
@internal
def _ewma(acc: int256, tau: int256, x: int256, dt: int256) -> int256:
    return (acc * tau + x) // (tau + dt)


@view
@internal
def _check_rule(rule: uint256):
    """A rule the pool accepts: a base and caps within its fee bounds."""
    base: uint256 = rule & BASE_MASK
    assert fee_min <= base and base <= fee_max, "FeeOutOfBounds"
    assert (rule >> SKEW_CAP) & BASE_MASK <= fee_max, "FeeOutOfBounds"
    assert (rule >> VOL_JUMP) & BASE_MASK <= fee_max, "FeeOutOfBounds"
    assert (rule >> SURGE_FEE) & BASE_MASK <= fee_max, "FeeOutOfBounds"


@view
@internal
def _check_step(old: uint256, new: uint256):
    """A rule change the controller may make: the new rule acceptable, its base within fee_max_step."""
    self._check_rule(new)
    old_base: uint256 = old & BASE_MASK
    new_base: uint256 = new & BASE_MASK
    assert max(old_base, new_base) - min(old_base, new_base) <= fee_max_step, "FeeStepTooLarge"


@view
@internal
def _rule_fee(token1_in: bool, now: uint256, rule: uint256, acc: uint256, px: uint256, last: uint256) -> uint256:
    """The fee (pips) of a swap at `now` that puts token1 in, or token0 (envs/_ammcore.c pool_rule_fee)."""
    dt: int256 = 0
    if now > last:
        dt = convert(now - last, int256)
    fee: int256 = self._field(rule, BASE, 20)
    vol_gain: int256 = self._field(rule, VOL_GAIN, 24)
    vol_jump: int256 = self._field(rule, VOL_JUMP, 20)
    if vol_gain > 0 or vol_jump > 0:
        var: int256 = min(self._field(acc, 0, 56) * tau_fast // (tau_fast + dt) * SECONDS_PER_YEAR, 100 * WAD)
        threshold: int256 = self._field(rule, VOL_THRESHOLD, 24) * 10**12
        if var > threshold:
            fee += vol_jump + vol_gain * (var - threshold) // WAD
    twap_gain: int256 = self._field(rule, TWAP_GAIN, 32)
    if twap_gain > 0:
        logp: int256 = self._signed(px, 0, 88)
        twap: int256 = (self._signed(px, 88, 88) * tau_twap + logp * dt) // (tau_twap + dt)
        gap: int256 = min(abs(logp - twap), WAD)
        fee += twap_gain * (gap * gap // WAD) // WAD
    surge_fee: int256 = self._field(rule, SURGE_FEE, 20)
    surge_ts: uint256 = px >> 224
    if surge_fee > 0 and surge_ts > 0:
        surge: int256 = surge_fee
        if now > surge_ts:
            surge_tau: int256 = self._field(rule, SURGE_TAU, 24)
            surge = surge_fee * surge_tau // (surge_tau + convert(now - surge_ts, int256))
        fee = max(fee, surge)
    gain: int256 = self._field(rule, SKEW_GAIN, 24)
    if gain > 0:
        cap: int256 = self._field(rule, SKEW_CAP, 20)
        skew: int256 = gain * self._leak(self._signed(px, 176, 48), self._field(rule, SKEW_TAU, 24), dt) // 10**9
        skew = max(-cap, min(cap, skew))
        if token1_in:
            fee += skew
        else:
            fee -= skew
    return convert(max(convert(fee_min, int256), min(convert(fee_max, int256), fee)), uint256)


@view
@internal
def _update(d1: int256, r1: uint256, now: uint256, last: uint256, acc: uint256, px: uint256, rule: uint256) -> (uint256, uint256):
    """The (acc, px) words after a swap at `now` that moves token1's reserve r1 by d1 (envs/_ammcore.c
    update_features)."""
    dt: int256 = 0
    if now > last:
        dt = convert(now - last, int256)
    logp: int256 = self._signed(px, 0, 88)
    twap: int256 = (self._signed(px, 88, 88) * tau_twap + logp * dt) // (tau_twap + dt)
    mag: uint256 = convert(abs(d1), uint256) * convert(WAD, uint256) // r1
    u: int256 = convert(min(mag, convert(WAD, uint256)), int256)
    if d1 < 0:
        u = -u
    ret: int256 = 2 * u
    sq: int256 = ret * ret // WAD
    var_fast: int256 = min(self._ewma(self._field(acc, 0, 56), tau_fast, sq, dt), LIM55)
    var_slow: int256 = min(self._ewma(self._field(acc, 56, 56), tau_slow, sq, dt), LIM55)
    flow: int256 = max(-LIM55 - 1, min(LIM55, self._ewma(self._signed(acc, 112, 56), tau_flow, u, dt)))
    volume: int256 = min(self._ewma(self._field(acc, 168, 56), tau_flow, abs(u), dt), LIM55)
    epoch: uint256 = ((acc >> 224) + 1) & (2**32 - 1)
    new_acc: uint256 = (
        convert(var_fast, uint256) | (convert(var_slow, uint256) << 56)
        | (convert(flow + convert(BIAS55, int256), uint256) << 112) | (convert(volume, uint256) << 168) | (epoch << 224)
    )
    gain: int256 = self._field(rule, SKEW_GAIN, 24)
    bound: int256 = SKEW_LIMIT
    if gain > 0:
        bound = min(self._field(rule, SKEW_CAP, 20) * 10**9 // gain, SKEW_LIMIT)
    skew: int256 = self._leak(self._signed(px, 176, 48), self._field(rule, SKEW_TAU, 24), dt) + ret // SKEW_UNIT
    skew = max(-bound, min(bound, skew))
    surge_ts: uint256 = px >> 224
    threshold: int256 = self._field(rule, SURGE_THRESHOLD, 24)
    if threshold > 0 and abs(ret) >= threshold * 10**12:
        surge_ts = now
    logp = max(-LIM87 - 1, min(LIM87, logp + ret))
    new_px: uint256 = (
        convert(logp + convert(BIAS87, int256), uint256) | (convert(twap + convert(BIAS87, int256), uint256) << 88)
        | (convert(skew + convert(BIAS47, int256), uint256) << 176) | (surge_ts << 224)
    )
    return new_acc, new_px


@view
@internal
def _features(ts: uint256, last: uint256, acc: uint256, px: uint256, rule: uint256) -> (int256[NFEATURES], uint256):
    """The feature vector at `ts` >= `last` (WAD integers, see envs/features.py) and the epoch."""
    dt: int256 = convert(ts - last, int256)
    vf: int256 = self._field(acc, 0, 56) * tau_fast // (tau_fast + dt)
    vs: int256 = self._field(acc, 56, 56) * tau_slow // (tau_slow + dt)
    fl: int256 = self._signed(acc, 112, 56) * tau_flow // (tau_flow + dt)
    vo: int256 = self._field(acc, 168, 56) * tau_flow // (tau_flow + dt)
    logp: int256 = self._signed(px, 0, 88)
    twap: int256 = (self._signed(px, 88, 88) * tau_twap + logp * dt) // (tau_twap + dt)
    cap: int256 = 100 * WAD
    x: int256[NFEATURES] = empty(int256[NFEATURES])
    x[0] = self._field(rule, BASE, 20) * (WAD // convert(FEE_DENOM, int256))
    x[1] = convert(isqrt(convert(min(vf * SECONDS_PER_YEAR, cap) * WAD, uint256)), int256)
    x[2] = convert(isqrt(convert(min(vs * SECONDS_PER_YEAR, cap) * WAD, uint256)), int256)
    x[3] = fl * SECONDS_PER_DAY
    x[4] = vo * SECONDS_PER_DAY
    x[5] = convert(min(convert(dt, uint256), MAX_IDLE), int256) * WAD // 3600
    x[6] = logp - twap
    x[7] = self._leak(self._signed(px, 176, 48), self._field(rule, SKEW_TAU, 24), dt) * SKEW_UNIT
    return x, acc >> 224
