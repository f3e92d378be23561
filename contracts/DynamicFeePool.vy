# pragma version 0.4.3
"""
@title DynamicFeePool
@notice Two-token constant-product pool whose LP fee is computed at every swap, for the swap's direction, by a
        fee rule: a parameter vector the controller sets, read with the pool's own state (envs/fee_rule.py
        documents the rule). Feature accumulators are updated on every swap. The swap, rule and feature
        formulas are those of envs/_ammcore.c, unit for unit; tests/test_pool_parity.py holds the two together.
@dev Fees are in pips (1e-6) and stay in the reserves. Reserves are bounded by 2**112 as in Uniswap V2. The
     accumulators saturate at the widths they are packed in (the C core saturates identically).
     Why this module is long: a contract is one deployable unit (pool, LP shares, features, fee rule) whose
     packed state is shared by all of them.
"""

from ethereum.ercs import IERC20

import fee_math

implements: IERC20
initializes: fee_math
exports: (
    fee_math.fee_min, fee_math.fee_max, fee_math.fee_max_step, fee_math.tau_fast, fee_math.tau_slow,
    fee_math.tau_flow, fee_math.tau_twap,
)

FEE_DENOM: constant(uint256) = 10**6
RESERVE_LIMIT: constant(uint256) = 2**112
MINIMUM_SHARES: constant(uint256) = 1000
MASK112: constant(uint256) = 2**112 - 1
NFEATURES: constant(uint256) = fee_math.NFEATURES
BPS: constant(uint256) = 10_000
MAX_PROTOCOL_SHARE: constant(uint256) = 2_500  # the protocol's share of the LP fee growth, at most 25%
MASK160: constant(uint256) = 2**160 - 1

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
    fee: uint256

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

event RuleChanged:
    old_rule: uint256
    new_rule: uint256
    epoch: uint256

event ProtocolFeeSet:
    recipient: indexed(address)
    share: uint256

token0: public(immutable(address))
token1: public(immutable(address))
controller: public(immutable(address))

# Packed state, so a swap reads four slots and writes three (getters below decode them):
#   _reserves: reserve0 | reserve1 << 112 | last_ts << 224
#   _acc, _px, _rule: the accumulators, prices and fee rule (layout in fee_math.vy)
_reserves: uint256
_acc: uint256
_px: uint256
_rule: uint256

name: public(String[32])
symbol: public(String[16])
decimals: public(uint8)
totalSupply: public(uint256)
balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])

# The protocol fee switch (off: 0): recipient | share << 160, share in bps of the growth of sqrt(k) between
# liquidity events. Swaps never read it; add_liquidity and remove_liquidity settle it (V2's fee switch).
_protocol: uint256
# reserve0 * reserve1 after the last liquidity event (or set_protocol_fee) while the switch is on; 0 when off
k_last: public(uint256)


@deploy
def __init__(
    _token0: address, _token1: address, _controller: address, _rule: uint256, _fee_min: uint256,
    _fee_max: uint256, _fee_max_step: uint256, _taus: int256[4],
):
    assert _token0 != _token1 and _token0 != empty(address) and _token1 != empty(address), "BadTokens"
    fee_math.__init__(_fee_min, _fee_max, _fee_max_step, _taus)
    token0 = _token0
    token1 = _token1
    controller = _controller
    fee_math._check_rule(_rule)
    self._rule = _rule
    self._reserves = block.timestamp << 224
    self._acc = fee_math.ACC0
    self._px = fee_math.PX0
    self.name = "lamm dynamic-fee LP"
    self.symbol = "LAMM-LP"
    self.decimals = 18


# ---------- packed state ----------

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
def epoch() -> uint256:
    return self._acc >> 224


@view
@external
def var_fast() -> int256:
    return fee_math._field(self._acc, 0, 56)


@view
@external
def var_slow() -> int256:
    return fee_math._field(self._acc, 56, 56)


@view
@external
def flow() -> int256:
    return fee_math._signed(self._acc, 112, 56)


@view
@external
def volume() -> int256:
    return fee_math._field(self._acc, 168, 56)


@view
@external
def logp() -> int256:
    return fee_math._signed(self._px, 0, 88)


@view
@external
def logp_twap() -> int256:
    return fee_math._signed(self._px, 88, 88)


@view
@external
def skew() -> int256:
    return fee_math._signed(self._px, 176, 48)


@view
@external
def surge_ts() -> uint256:
    return self._px >> 224


@view
@external
def rule() -> uint256:
    """
    @notice The fee rule's parameters, packed (envs/fee_rule.py FeeRule.unpack reads them).
    """
    return self._rule


@view
@external
def fee() -> uint256:
    """
    @notice The rule's base fee (pips): the fee of both sides when the rule has nothing else.
    """
    return self._rule & (2**20 - 1)


@view
@external
def protocol_recipient() -> address:
    """
    @notice Who receives the protocol's LP shares (the zero address while the switch is off).
    """
    return convert(self._protocol & MASK160, address)


@view
@external
def protocol_share() -> uint256:
    """
    @notice The protocol's share (bps) of the LP fee growth; 0: the switch is off.
    """
    return self._protocol >> 160


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
            Later deposits take amount0 and amount1 as maxima: the shares are those of the binding token, and
            only the amounts those shares are worth (rounded up, for the pool) are pulled; the event logs them.
            With the protocol fee switch on, the protocol's shares of the fee growth since the last liquidity
            event are minted first, and the deposit is priced with them in the supply.
    """
    assert block.timestamp <= deadline, "Expired"
    assert amount0 > 0 and amount1 > 0, "ZeroAmount"
    r0: uint256 = self._reserves & MASK112
    r1: uint256 = (self._reserves >> 112) & MASK112
    assert r0 + amount0 < RESERVE_LIMIT and r1 + amount1 < RESERVE_LIMIT, "ReserveOverflow"
    fee_on: bool = self._mint_protocol_fee(r0, r1)
    supply: uint256 = self.totalSupply
    shares: uint256 = 0
    used0: uint256 = amount0
    used1: uint256 = amount1
    if supply == 0:
        shares = isqrt(amount0 * amount1)
        assert shares > MINIMUM_SHARES, "ZeroLiquidity"
        self._mint(empty(address), MINIMUM_SHARES)
        shares -= MINIMUM_SHARES
    else:
        shares = min(amount0 * supply // r0, amount1 * supply // r1)
        # shares * r / supply <= amount for both tokens, so rounding up stays within the maxima
        used0 = (shares * r0 + supply - 1) // supply
        used1 = (shares * r1 + supply - 1) // supply
    assert shares > 0, "ZeroLiquidity"
    assert shares >= min_shares, "Slippage"
    self._pull(token0, used0)
    self._pull(token1, used1)
    self._reserves = (r0 + used0) | ((r1 + used1) << 112) | (self._reserves >> 224 << 224)
    if fee_on:
        self.k_last = (r0 + used0) * (r1 + used1)
    self._mint(msg.sender, shares)
    log AddLiquidity(provider=msg.sender, amount0=used0, amount1=used1, shares=shares)
    return shares


@external
@nonreentrant
def remove_liquidity(shares: uint256, min0: uint256, min1: uint256, deadline: uint256) -> (uint256, uint256):
    """
    @notice Burns LP shares for their pro-rata part of both reserves (fees included). With the protocol fee
            switch on, the protocol's shares of the fee growth since the last liquidity event are minted first,
            so the withdrawal's part is of the supply with them.
    """
    assert block.timestamp <= deadline, "Expired"
    assert shares > 0, "ZeroAmount"
    r0: uint256 = self._reserves & MASK112
    r1: uint256 = (self._reserves >> 112) & MASK112
    fee_on: bool = self._mint_protocol_fee(r0, r1)
    supply: uint256 = self.totalSupply
    amount0: uint256 = shares * r0 // supply
    amount1: uint256 = shares * r1 // supply
    assert amount0 > 0 and amount1 > 0, "ZeroLiquidity"
    assert amount0 >= min0 and amount1 >= min1, "Slippage"
    self._burn(msg.sender, shares)
    self._reserves = (r0 - amount0) | ((r1 - amount1) << 112) | (self._reserves >> 224 << 224)
    if fee_on:
        self.k_last = (r0 - amount0) * (r1 - amount1)
    self._push(token0, msg.sender, amount0)
    self._push(token1, msg.sender, amount1)
    log RemoveLiquidity(provider=msg.sender, amount0=amount0, amount1=amount1, shares=shares)
    return amount0, amount1


# ---------- the protocol fee switch ----------

@internal
def _mint_protocol_fee(r0: uint256, r1: uint256) -> bool:
    """
    @notice While the switch is on, mints the recipient LP shares worth its share of the growth of sqrt(k)
            since k_last (the fees the LPs earned since the last liquidity event); returns whether it is on.
    @dev With S the supply, s the share (bps), R = isqrt(r0 * r1) and L = isqrt(k_last), the recipient should
         own, after the mint of m shares, s / BPS of the growth R - L of the pool's value measured in sqrt(k):
             m / (S + m) = (s / BPS) * (R - L) / R
         so m * (BPS * R - s * (R - L)) = S * s * (R - L), i.e.
             m = S * s * (R - L) / (R * (BPS - s) + s * L)
         rounded down (never more than the share). With s = BPS / 6 it is Uniswap V2's _mintFee:
         S * (R - L) / (5 * R + L). The value of a share in sqrt(k), R / (S + m) = (R - s * (R - L) / BPS) / S
         >= L / S, never falls; so S <= R < 2**112 (the first deposit mints S = R), and nothing overflows.
    """
    protocol: uint256 = self._protocol
    share: uint256 = protocol >> 160
    if share == 0:
        return False
    k_last: uint256 = self.k_last
    if k_last > 0:
        root_k: uint256 = isqrt(r0 * r1)
        root_last: uint256 = isqrt(k_last)
        if root_k > root_last:
            growth: uint256 = root_k - root_last
            minted: uint256 = self.totalSupply * share * growth // (root_k * (BPS - share) + share * root_last)
            if minted > 0:
                self._mint(convert(protocol & MASK160, address), minted)
    return True


@external
def set_protocol_fee(recipient: address, share: uint256):
    """
    @notice The controller turns the protocol fee switch on (share > 0: `recipient` is minted LP shares worth
            `share` bps of the fee growth, at each liquidity event) or off (share 0; the recipient is then
            ignored and stored as the zero address). Swaps do not pay for it.
    @dev Growth accrued under the old setting is settled (minted to the old recipient) first; k_last then
         starts from the current reserves (0 when off).
    @param recipient Who receives the protocol's LP shares (non-zero when share > 0).
    @param share The protocol's share of the LP fee growth, in bps, at most MAX_PROTOCOL_SHARE.
    """
    assert msg.sender == controller, "Unauthorized"
    assert share <= MAX_PROTOCOL_SHARE, "BadProtocolFee"
    assert share == 0 or recipient != empty(address), "BadProtocolFee"
    r0: uint256 = self._reserves & MASK112
    r1: uint256 = (self._reserves >> 112) & MASK112
    self._mint_protocol_fee(r0, r1)
    if share > 0:
        self._protocol = convert(recipient, uint256) | (share << 160)
        self.k_last = r0 * r1
        log ProtocolFeeSet(recipient=recipient, share=share)
    else:
        self._protocol = 0
        self.k_last = 0
        log ProtocolFeeSet(recipient=empty(address), share=0)


# ---------- the fee rule ----------

@view
@external
def fee_for(zero_for_one: bool) -> uint256:
    """
    @notice The fee (pips) a swap in this direction pays in this block.
    """
    return fee_math._rule_fee(not zero_for_one, block.timestamp, self._rule, self._acc, self._px, self._reserves >> 224)


@external
def set_rule(new_rule: uint256):
    """
    @notice The controller sets the fee rule: its base and caps within the pool's fee bounds, the base at most
            fee_max_step from the current base (FeeController clamps a proven rule to these before it calls).
    """
    assert msg.sender == controller, "Unauthorized"
    old: uint256 = self._rule
    fee_math._check_step(old, new_rule)
    self._rule = new_rule
    log RuleChanged(old_rule=old, new_rule=new_rule, epoch=self._acc >> 224)


# ---------- swaps ----------

@pure
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
    """
    @notice The amount out of an exact-input swap in this block, at its direction's fee.
    """
    packed: uint256 = self._reserves
    fee: uint256 = fee_math._rule_fee(
        not zero_for_one, block.timestamp, self._rule, self._acc, self._px, packed >> 224
    )
    out: uint256 = 0
    fee_amount: uint256 = 0
    out, fee_amount = self._quote(zero_for_one, amount_in, packed & MASK112, (packed >> 112) & MASK112, fee)
    return out


@external
@nonreentrant
def swap(zero_for_one: bool, amount_in: uint256, min_out: uint256, recipient: address, deadline: uint256) -> uint256:
    """
    @notice Exact-input swap: token0 for token1 if zero_for_one, else token1 for token0, at the fee the rule
            gives this direction now.
    """
    assert block.timestamp <= deadline, "Expired"
    packed: uint256 = self._reserves
    r0: uint256 = packed & MASK112
    r1: uint256 = (packed >> 112) & MASK112
    last: uint256 = packed >> 224
    acc: uint256 = self._acc
    px: uint256 = self._px
    rule: uint256 = self._rule
    fee: uint256 = fee_math._rule_fee(not zero_for_one, block.timestamp, rule, acc, px, last)
    out: uint256 = 0
    fee_amount: uint256 = 0
    out, fee_amount = self._quote(zero_for_one, amount_in, r0, r1, fee)
    assert out >= min_out, "Slippage"
    token_in: address = token0
    token_out: address = token1
    d1: int256 = -convert(out, int256)
    if not zero_for_one:
        token_in = token1
        token_out = token0
        d1 = convert(amount_in, int256)
    self._acc, self._px = fee_math._update(d1, r1, block.timestamp, last, acc, px, rule)
    if zero_for_one:
        r0 += amount_in
        r1 -= out
    else:
        r1 += amount_in
        r0 -= out
    self._reserves = r0 | (r1 << 112) | (block.timestamp << 224)
    self._pull(token_in, amount_in)
    self._push(token_out, recipient, out)
    log Swap(
        sender=msg.sender, recipient=recipient, zero_for_one=zero_for_one, amount_in=amount_in, amount_out=out,
        fee_amount=fee_amount, reserve0=r0, reserve1=r1, fee=fee,
    )
    return out


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
    @notice The feature vector at time `ts`, between the last swap and this block, and the epoch.
    """
    assert ts >= self._reserves >> 224 and ts <= block.timestamp, "BadTimestamp"
    return self._features(ts)


@view
@internal
def _features(ts: uint256) -> (int256[NFEATURES], uint256):
    return fee_math._features(ts, self._reserves >> 224, self._acc, self._px, self._rule)
