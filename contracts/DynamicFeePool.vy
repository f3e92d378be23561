# pragma version 0.4.3
"""
@title DynamicFeePool
@notice Two-token constant-product pool whose LP fee is set by a controller, with on-chain feature
        accumulators updated on every swap. The swap and feature formulas are those of envs/_ammcore.c,
        unit for unit; tests/test_pool_parity.py holds the two together.
@dev Fees are in pips (1e-6) and stay in the reserves. Reserves are bounded by 2**112 as in Uniswap V2.
     Why this module is long: a contract is one deployable unit (pool, LP shares, features, fee rule) whose
     packed state is shared by all of them.
"""

from ethereum.ercs import IERC20

implements: IERC20

WAD: constant(int256) = 10**18
FEE_DENOM: constant(uint256) = 10**6
SECONDS_PER_YEAR: constant(int256) = 31536000
SECONDS_PER_DAY: constant(int256) = 86400
MAX_IDLE: constant(uint256) = 604800
RESERVE_LIMIT: constant(uint256) = 2**112
MINIMUM_SHARES: constant(uint256) = 1000
MASK112: constant(uint256) = 2**112 - 1
MASK128: constant(uint256) = 2**128 - 1
MASK64: constant(uint256) = 2**64 - 1
BIAS: constant(int256) = 2**127
NFEATURES: constant(uint256) = 7

event Transfer:
    sender: indexed(address)
    receiver: indexed(address)
    value: uint256

event Approval:
    owner: indexed(address)
    spender: indexed(address)
    value: uint256

event Swap:
    sender: indexed(address)
    recipient: indexed(address)
    zero_for_one: bool
    amount_in: uint256
    amount_out: uint256
    fee_amount: uint256
    reserve0: uint256
    reserve1: uint256

event AddLiquidity:
    provider: indexed(address)
    amount0: uint256
    amount1: uint256
    shares: uint256

event RemoveLiquidity:
    provider: indexed(address)
    amount0: uint256
    amount1: uint256
    shares: uint256

event FeeChanged:
    old_fee: uint256
    new_fee: uint256
    epoch: uint256

token0: public(immutable(address))
token1: public(immutable(address))
controller: public(immutable(address))
fee_min: public(immutable(uint256))
fee_max: public(immutable(uint256))
fee_max_step: public(immutable(uint256))
tau_fast: public(immutable(int256))
tau_slow: public(immutable(int256))
tau_flow: public(immutable(int256))
tau_twap: public(immutable(int256))

# Packed state, two values a slot, so a swap writes five slots (getters below decode them):
# reserve0 | reserve1 << 112 | last_ts << 224;  fee | epoch << 64;  and three pairs of int128 accumulators,
# each stored with a 2**127 bias (var_fast, var_slow), (flow, volume), (logp, logp_twap).
_reserves: uint256
_fee_epoch: uint256
_vars: uint256
_flows: uint256
_prices: uint256

name: public(String[32])
symbol: public(String[16])
decimals: public(uint8)
totalSupply: public(uint256)
balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])


@deploy
def __init__(
    _token0: address, _token1: address, _controller: address, _fee: uint256, _fee_min: uint256,
    _fee_max: uint256, _fee_max_step: uint256, _taus: int256[4],
):
    assert _token0 != _token1 and _token0 != empty(address) and _token1 != empty(address), "BadTokens"
    assert _fee_min <= _fee and _fee <= _fee_max and _fee_max < FEE_DENOM, "FeeOutOfBounds"
    for t: int256 in _taus:
        assert t > 0, "BadTimeConstant"
    token0 = _token0
    token1 = _token1
    controller = _controller
    fee_min = _fee_min
    fee_max = _fee_max
    fee_max_step = _fee_max_step
    tau_fast = _taus[0]
    tau_slow = _taus[1]
    tau_flow = _taus[2]
    tau_twap = _taus[3]
    self._fee_epoch = _fee
    self._reserves = block.timestamp << 224
    self._vars = self._pack(0, 0)
    self._flows = self._pack(0, 0)
    self._prices = self._pack(0, 0)
    self.name = "lamm dynamic-fee LP"
    self.symbol = "LAMM-LP"
    self.decimals = 18


# ---------- packed state ----------

@pure
@internal
def _pack(lo: int256, hi: int256) -> uint256:
    return convert(lo + BIAS, uint256) | (convert(hi + BIAS, uint256) << 128)


@pure
@internal
def _lo(word: uint256) -> int256:
    return convert(word & MASK128, int256) - BIAS


@pure
@internal
def _hi(word: uint256) -> int256:
    return convert(word >> 128, int256) - BIAS


@internal
def _set_reserves(r0: uint256, r1: uint256):
    self._reserves = r0 | (r1 << 112) | (self._reserves >> 224 << 224)


@view
@external
def reserve0() -> uint256:
    return self._reserves & MASK112


@view
@external
def reserve1() -> uint256:
    return (self._reserves >> 112) & MASK112


@view
@external
def last_ts() -> uint256:
    return self._reserves >> 224


@view
@external
def fee() -> uint256:
    return self._fee_epoch & MASK64


@view
@external
def epoch() -> uint256:
    return self._fee_epoch >> 64


@view
@external
def var_fast() -> int256:
    return self._lo(self._vars)


@view
@external
def var_slow() -> int256:
    return self._hi(self._vars)


@view
@external
def flow() -> int256:
    return self._lo(self._flows)


@view
@external
def volume() -> int256:
    return self._hi(self._flows)


@view
@external
def logp() -> int256:
    return self._lo(self._prices)


@view
@external
def logp_twap() -> int256:
    return self._hi(self._prices)


# ---------- LP shares (ERC20) ----------

@external
def transfer(receiver: address, amount: uint256) -> bool:
    self._transfer(msg.sender, receiver, amount)
    return True


@external
def transferFrom(sender: address, receiver: address, amount: uint256) -> bool:
    self.allowance[sender][msg.sender] -= amount
    self._transfer(sender, receiver, amount)
    return True


@external
def approve(spender: address, amount: uint256) -> bool:
    self.allowance[msg.sender][spender] = amount
    log Approval(owner=msg.sender, spender=spender, value=amount)
    return True


@internal
def _transfer(sender: address, receiver: address, amount: uint256):
    self.balanceOf[sender] -= amount
    self.balanceOf[receiver] += amount
    log Transfer(sender=sender, receiver=receiver, value=amount)


@internal
def _mint(receiver: address, amount: uint256):
    self.totalSupply += amount
    self.balanceOf[receiver] += amount
    log Transfer(sender=empty(address), receiver=receiver, value=amount)


@internal
def _burn(owner: address, amount: uint256):
    self.balanceOf[owner] -= amount
    self.totalSupply -= amount
    log Transfer(sender=owner, receiver=empty(address), value=amount)


# ---------- token movements ----------

@internal
def _pull(token: address, amount: uint256):
    before: uint256 = staticcall IERC20(token).balanceOf(self)
    assert extcall IERC20(token).transferFrom(msg.sender, self, amount, default_return_value=True), "TransferFailed"
    assert staticcall IERC20(token).balanceOf(self) == before + amount, "TransferFailed"


@internal
def _push(token: address, receiver: address, amount: uint256):
    assert extcall IERC20(token).transfer(receiver, amount, default_return_value=True), "TransferFailed"


# ---------- liquidity ----------

@external
@nonreentrant
def add_liquidity(amount0: uint256, amount1: uint256, min_shares: uint256, deadline: uint256) -> uint256:
    """
    @notice Deposits both tokens for LP shares. The first deposit sets the price and locks MINIMUM_SHARES.
    """
    assert block.timestamp <= deadline, "Expired"
    assert amount0 > 0 and amount1 > 0, "ZeroAmount"
    r0: uint256 = self._reserves & MASK112
    r1: uint256 = (self._reserves >> 112) & MASK112
    assert r0 + amount0 < RESERVE_LIMIT and r1 + amount1 < RESERVE_LIMIT, "ReserveOverflow"
    supply: uint256 = self.totalSupply
    shares: uint256 = 0
    if supply == 0:
        shares = isqrt(amount0 * amount1)
        assert shares > MINIMUM_SHARES, "ZeroLiquidity"
        self._mint(empty(address), MINIMUM_SHARES)
        shares -= MINIMUM_SHARES
    else:
        shares = min(amount0 * supply // r0, amount1 * supply // r1)
    assert shares > 0, "ZeroLiquidity"
    assert shares >= min_shares, "Slippage"
    self._pull(token0, amount0)
    self._pull(token1, amount1)
    self._set_reserves(r0 + amount0, r1 + amount1)
    self._mint(msg.sender, shares)
    log AddLiquidity(provider=msg.sender, amount0=amount0, amount1=amount1, shares=shares)
    return shares


@external
@nonreentrant
def remove_liquidity(shares: uint256, min0: uint256, min1: uint256, deadline: uint256) -> (uint256, uint256):
    """
    @notice Burns LP shares for their pro-rata part of both reserves (fees included).
    """
    assert block.timestamp <= deadline, "Expired"
    assert shares > 0, "ZeroAmount"
    supply: uint256 = self.totalSupply
    r0: uint256 = self._reserves & MASK112
    r1: uint256 = (self._reserves >> 112) & MASK112
    amount0: uint256 = shares * r0 // supply
    amount1: uint256 = shares * r1 // supply
    assert amount0 > 0 and amount1 > 0, "ZeroLiquidity"
    assert amount0 >= min0 and amount1 >= min1, "Slippage"
    self._burn(msg.sender, shares)
    self._set_reserves(r0 - amount0, r1 - amount1)
    self._push(token0, msg.sender, amount0)
    self._push(token1, msg.sender, amount1)
    log RemoveLiquidity(provider=msg.sender, amount0=amount0, amount1=amount1, shares=shares)
    return amount0, amount1


# ---------- swaps ----------

@view
@internal
def _quote(zero_for_one: bool, amount_in: uint256, r0: uint256, r1: uint256, fee: uint256) -> (uint256, uint256):
    r_in: uint256 = r0
    r_out: uint256 = r1
    if not zero_for_one:
        r_in = r1
        r_out = r0
    assert amount_in > 0, "ZeroAmount"
    assert r_in > 0 and r_out > 0, "ZeroLiquidity"
    assert r_in + amount_in < RESERVE_LIMIT, "ReserveOverflow"
    after: uint256 = amount_in * (FEE_DENOM - fee) // FEE_DENOM
    out: uint256 = after * r_out // (r_in + after)
    assert out > 0, "ZeroOutput"
    return out, amount_in - after


@view
@external
def quote(zero_for_one: bool, amount_in: uint256) -> uint256:
    out: uint256 = 0
    fee_amount: uint256 = 0
    packed: uint256 = self._reserves
    out, fee_amount = self._quote(zero_for_one, amount_in, packed & MASK112, (packed >> 112) & MASK112,
                                  self._fee_epoch & MASK64)
    return out


@pure
@internal
def _ewma(acc: int256, tau: int256, x: int256, dt: int256) -> int256:
    return (acc * tau + x) // (tau + dt)


@internal
def _update_features(d1: int256, r1: uint256, last: uint256):
    """Updates the accumulators for a swap moving token1's reserve r1 by d1 (as envs/_ammcore.c does)."""
    dt: int256 = 0
    if block.timestamp > last:
        dt = convert(block.timestamp - last, int256)
    prices: uint256 = self._prices
    logp: int256 = self._lo(prices)
    twap: int256 = (self._hi(prices) * tau_twap + logp * dt) // (tau_twap + dt)
    mag: uint256 = convert(abs(d1), uint256) * convert(WAD, uint256) // r1
    u: int256 = convert(min(mag, convert(WAD, uint256)), int256)
    if d1 < 0:
        u = -u
    ret: int256 = 2 * u
    sq: int256 = ret * ret // WAD
    vars: uint256 = self._vars
    self._vars = self._pack(self._ewma(self._lo(vars), tau_fast, sq, dt), self._ewma(self._hi(vars), tau_slow, sq, dt))
    flows: uint256 = self._flows
    self._flows = self._pack(self._ewma(self._lo(flows), tau_flow, u, dt), self._ewma(self._hi(flows), tau_flow, abs(u), dt))
    self._prices = self._pack(logp + ret, twap)
    self._fee_epoch += 1 << 64


@external
@nonreentrant
def swap(zero_for_one: bool, amount_in: uint256, min_out: uint256, recipient: address, deadline: uint256) -> uint256:
    """
    @notice Exact-input swap: token0 for token1 if zero_for_one, else token1 for token0.
    """
    assert block.timestamp <= deadline, "Expired"
    packed: uint256 = self._reserves
    r0: uint256 = packed & MASK112
    r1: uint256 = (packed >> 112) & MASK112
    out: uint256 = 0
    fee_amount: uint256 = 0
    out, fee_amount = self._quote(zero_for_one, amount_in, r0, r1, self._fee_epoch & MASK64)
    assert out >= min_out, "Slippage"
    token_in: address = token0
    token_out: address = token1
    if zero_for_one:
        self._update_features(-convert(out, int256), r1, packed >> 224)
        r0 += amount_in
        r1 -= out
    else:
        token_in = token1
        token_out = token0
        self._update_features(convert(amount_in, int256), r1, packed >> 224)
        r1 += amount_in
        r0 -= out
    self._reserves = r0 | (r1 << 112) | (block.timestamp << 224)
    self._pull(token_in, amount_in)
    self._push(token_out, recipient, out)
    log Swap(
        sender=msg.sender, recipient=recipient, zero_for_one=zero_for_one, amount_in=amount_in, amount_out=out,
        fee_amount=fee_amount, reserve0=r0, reserve1=r1,
    )
    return out


# ---------- fee ----------

@external
def set_fee(new_fee: uint256):
    """
    @notice The controller changes the fee, within bounds and at most fee_max_step from the current fee.
    """
    assert msg.sender == controller, "Unauthorized"
    assert fee_min <= new_fee and new_fee <= fee_max, "FeeOutOfBounds"
    packed: uint256 = self._fee_epoch
    old: uint256 = packed & MASK64
    assert max(old, new_fee) - min(old, new_fee) <= fee_max_step, "FeeStepTooLarge"
    self._fee_epoch = (packed >> 64 << 64) | new_fee
    log FeeChanged(old_fee=old, new_fee=new_fee, epoch=packed >> 64)


# ---------- features ----------

@view
@external
def features() -> (int256[NFEATURES], uint256):
    """
    @notice The feature vector at this block (WAD integers, see envs/features.py) and the epoch (swap count).
    """
    return self._features(max(block.timestamp, self._reserves >> 224))


@view
@external
def features_at(ts: uint256) -> (int256[NFEATURES], uint256):
    """
    @notice The feature vector at time `ts`, between the last swap and this block, and the epoch. A proof made
            on the features at `ts` stays checkable in a later block of the same epoch.
    """
    assert ts >= self._reserves >> 224 and ts <= block.timestamp, "BadTimestamp"
    return self._features(ts)


@view
@internal
def _features(ts: uint256) -> (int256[NFEATURES], uint256):
    dt: int256 = convert(ts - (self._reserves >> 224), int256)
    vf: int256 = self._lo(self._vars) * tau_fast // (tau_fast + dt)
    vs: int256 = self._hi(self._vars) * tau_slow // (tau_slow + dt)
    fl: int256 = self._lo(self._flows) * tau_flow // (tau_flow + dt)
    vo: int256 = self._hi(self._flows) * tau_flow // (tau_flow + dt)
    logp: int256 = self._lo(self._prices)
    twap: int256 = (self._hi(self._prices) * tau_twap + logp * dt) // (tau_twap + dt)
    cap: int256 = 100 * WAD
    x: int256[NFEATURES] = empty(int256[NFEATURES])
    fee_epoch: uint256 = self._fee_epoch
    x[0] = convert(fee_epoch & MASK64, int256) * (WAD // convert(FEE_DENOM, int256))
    x[1] = convert(isqrt(convert(min(vf * SECONDS_PER_YEAR, cap) * WAD, uint256)), int256)
    x[2] = convert(isqrt(convert(min(vs * SECONDS_PER_YEAR, cap) * WAD, uint256)), int256)
    x[3] = fl * SECONDS_PER_DAY
    x[4] = vo * SECONDS_PER_DAY
    x[5] = convert(min(convert(dt, uint256), MAX_IDLE), int256) * WAD // 3600
    x[6] = logp - twap
    return x, fee_epoch >> 64
