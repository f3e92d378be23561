# pragma version 0.4.3
# pragma evm-version cancun
"""
@title DynamicFeeHook
@notice A Uniswap v4 hook that runs DynamicFeePool's fee rule and features on v4 dynamic-fee pools: before each
        swap it overrides the LP fee with the fee of the swap's direction (fee_math's rule, from the parameters
        the controller set for that pool); after it, it updates the pool's feature accumulators exactly as
        DynamicFeePool does, with token1's virtual reserve before the swap (L * sqrtP / 2**96) as the reserve
        and the swap's token1 delta as its move. Each pool key has its own rule and state; only the controller
        changes a rule, only the PoolManager calls the hooks, and only the owner initialises pools on the hook.
@dev Permissions (the low 14 bits of the hook's address): beforeInitialize, beforeSwap, afterSwap (0x20C0);
     `lamm deploy hook` finds a CREATE2 salt that gives them.
"""

import fee_math

initializes: fee_math
exports: (
    fee_math.fee_min, fee_math.fee_max, fee_math.fee_max_step, fee_math.tau_fast, fee_math.tau_slow,
    fee_math.tau_flow, fee_math.tau_twap,
)

NFEATURES: constant(uint256) = fee_math.NFEATURES
DYNAMIC_FEE_FLAG: constant(uint24) = 8388608  # 0x800000: the pool key's fee of a dynamic-fee pool
OVERRIDE_FEE_FLAG: constant(uint24) = 4194304  # 0x400000: beforeSwap's fee overrides the LP fee for this swap
PERMISSIONS: constant(uint256) = 8384  # 0x20C0: beforeInitialize (1 << 13), beforeSwap (1 << 7), afterSwap (1 << 6)
ALL_PERMISSIONS: constant(uint256) = 2**14 - 1
POOLS_SLOT: constant(uint256) = 6  # PoolManager's mapping of pool states (v4-core StateLibrary)
LIQUIDITY_OFFSET: constant(uint256) = 3
Q96: constant(uint256) = 2**96
MASK160: constant(uint256) = 2**160 - 1
MASK128: constant(int256) = 2**128 - 1

struct PoolKey:
    currency0: address
    currency1: address
    fee: uint24
    tickSpacing: int24
    hooks: address

struct SwapParams:
    zeroForOne: bool
    amountSpecified: int256
    sqrtPriceLimitX96: uint160

interface PoolManager:
    def extsload(slot: bytes32) -> bytes32: view

event PoolRegistered:
    pool_id: indexed(bytes32)
    currency0: address
    currency1: address
    tick_spacing: int24
    rule: uint256

event RuleChanged:
    pool_id: indexed(bytes32)
    old_rule: uint256
    new_rule: uint256
    epoch: uint256

pool_manager: public(immutable(address))
controller: public(immutable(address))
owner: public(immutable(address))
initial_rule: public(immutable(uint256))

# per pool id: the accumulators, prices and rule (fee_math's words) and the time of the last swap (0: no pool)
_acc: HashMap[bytes32, uint256]
_px: HashMap[bytes32, uint256]
_rule: HashMap[bytes32, uint256]
_last: HashMap[bytes32, uint256]
# token1's virtual reserve before the swap in progress, from beforeSwap to afterSwap
_reserve1: transient(uint256)


@deploy
def __init__(
    _pool_manager: address, _controller: address, _owner: address, _rule: uint256, _fee_min: uint256,
    _fee_max: uint256, _fee_max_step: uint256, _taus: int256[4],
):
    assert _pool_manager != empty(address) and _controller != empty(address), "BadAddress"
    assert convert(self, uint256) & ALL_PERMISSIONS == PERMISSIONS, "HookAddressNotValid"
    fee_math.__init__(_fee_min, _fee_max, _fee_max_step, _taus)
    fee_math._check_rule(_rule)
    pool_manager = _pool_manager
    controller = _controller
    owner = _owner
    initial_rule = _rule


@pure
@external
def pool_id(key: PoolKey) -> bytes32:
    """
    @notice v4's PoolId of `key`: keccak256(abi.encode(key)).
    """
    return keccak256(abi_encode(key))


@view
@internal
def _known(id: bytes32) -> uint256:
    last: uint256 = self._last[id]
    assert last != 0, "UnknownPool"
    return last


# ---------- hooks (the PoolManager's calls) ----------

@external
def beforeInitialize(sender: address, key: PoolKey, sqrtPriceX96: uint160) -> bytes4:
    """
    @notice Registers a new pool on this hook: the owner's, dynamic-fee, with this hook; it starts with the
            initial rule and no history.
    """
    assert msg.sender == pool_manager, "NotPoolManager"
    assert sender == owner, "Unauthorized"
    assert key.hooks == self, "WrongHook"
    assert key.fee == DYNAMIC_FEE_FLAG, "NotDynamicFee"
    id: bytes32 = keccak256(abi_encode(key))
    self._rule[id] = initial_rule
    self._acc[id] = fee_math.ACC0
    self._px[id] = fee_math.PX0
    self._last[id] = block.timestamp
    log PoolRegistered(
        pool_id=id, currency0=key.currency0, currency1=key.currency1, tick_spacing=key.tickSpacing, rule=initial_rule
    )
    return method_id("beforeInitialize(address,(address,address,uint24,int24,address),uint160)", output_type=bytes4)


@external
def beforeSwap(sender: address, key: PoolKey, params: SwapParams, hookData: Bytes[1024]) -> (bytes4, int256, uint24):
    """
    @notice The LP fee of this swap: the rule's fee for its direction now, as an override.
    """
    assert msg.sender == pool_manager, "NotPoolManager"
    id: bytes32 = keccak256(abi_encode(key))
    last: uint256 = self._known(id)
    fee: uint256 = fee_math._rule_fee(
        not params.zeroForOne, block.timestamp, self._rule[id], self._acc[id], self._px[id], last
    )
    slot: uint256 = convert(keccak256(concat(id, convert(POOLS_SLOT, bytes32))), uint256)
    sqrt_price: uint256 = convert(staticcall PoolManager(pool_manager).extsload(convert(slot, bytes32)), uint256) & MASK160
    liquidity: uint256 = convert(
        staticcall PoolManager(pool_manager).extsload(convert(slot + LIQUIDITY_OFFSET, bytes32)), uint256
    ) & convert(MASK128, uint256)
    self._reserve1 = liquidity * sqrt_price // Q96
    return (
        method_id("beforeSwap(address,(address,address,uint24,int24,address),(bool,int256,uint160),bytes)", output_type=bytes4),
        0,
        convert(fee, uint24) | OVERRIDE_FEE_FLAG,
    )


@external
def afterSwap(sender: address, key: PoolKey, params: SwapParams, delta: int256, hookData: Bytes[1024]) -> (bytes4, int128):
    """
    @notice Updates the pool's accumulators with the swap's move of token1's reserve (the swapper's token1
            delta, negated) against its virtual reserve before the swap.
    """
    assert msg.sender == pool_manager, "NotPoolManager"
    id: bytes32 = keccak256(abi_encode(key))
    last: uint256 = self._known(id)
    amount1: int256 = delta & MASK128  # the low 128 bits: the swapper's token1 delta (int128)
    if amount1 > MASK128 >> 1:
        amount1 -= MASK128 + 1
    r1: uint256 = self._reserve1
    if r1 > 0 and amount1 != 0:
        self._acc[id], self._px[id] = fee_math._update(
            -amount1, r1, block.timestamp, last, self._acc[id], self._px[id], self._rule[id]
        )
        self._last[id] = block.timestamp
    return (
        method_id(
            "afterSwap(address,(address,address,uint24,int24,address),(bool,int256,uint160),int256,bytes)",
            output_type=bytes4,
        ),
        0,
    )


# ---------- the controller ----------

@external
def set_rule(id: bytes32, new_rule: uint256):
    """
    @notice The controller sets pool `id`'s fee rule: its base and caps within the hook's fee bounds, the base
            at most fee_max_step from the current base (FeeController clamps a proven rule to these first).
    """
    assert msg.sender == controller, "Unauthorized"
    self._known(id)
    old: uint256 = self._rule[id]
    fee_math._check_step(old, new_rule)
    self._rule[id] = new_rule
    log RuleChanged(pool_id=id, old_rule=old, new_rule=new_rule, epoch=self._acc[id] >> 224)


# ---------- views, per pool id ----------

@view
@external
def rule(id: bytes32) -> uint256:
    """
    @notice Pool `id`'s fee rule, packed (envs/fee_rule.py FeeRule.unpack reads it).
    """
    self._known(id)
    return self._rule[id]


@view
@external
def fee(id: bytes32) -> uint256:
    """
    @notice Pool `id`'s base fee (pips).
    """
    self._known(id)
    return self._rule[id] & fee_math.BASE_MASK


@view
@external
def last_ts(id: bytes32) -> uint256:
    """
    @notice When pool `id` last swapped (or was initialised).
    """
    return self._known(id)


@view
@external
def epoch(id: bytes32) -> uint256:
    """
    @notice Pool `id`'s swap count (mod 2**32).
    """
    self._known(id)
    return self._acc[id] >> 224


@view
@external
def state(id: bytes32) -> (uint256, uint256, uint256, uint256):
    """
    @notice Pool `id`'s packed words: accumulators, prices, rule (fee_math's layout) and last swap time.
    """
    return self._acc[id], self._px[id], self._rule[id], self._known(id)


@view
@external
def fee_for(id: bytes32, zero_for_one: bool) -> uint256:
    """
    @notice The fee (pips) a swap in this direction pays on pool `id` in this block.
    """
    last: uint256 = self._known(id)
    return fee_math._rule_fee(not zero_for_one, block.timestamp, self._rule[id], self._acc[id], self._px[id], last)


@view
@external
def features(id: bytes32) -> (int256[NFEATURES], uint256):
    """
    @notice Pool `id`'s feature vector at this block (WAD integers, see envs/features.py) and its epoch.
    """
    last: uint256 = self._known(id)
    return fee_math._features(max(block.timestamp, last), last, self._acc[id], self._px[id], self._rule[id])


@view
@external
def features_at(id: bytes32, ts: uint256) -> (int256[NFEATURES], uint256):
    """
    @notice Pool `id`'s feature vector at time `ts`, between its last swap and this block, and its epoch.
    """
    last: uint256 = self._known(id)
    assert ts >= last and ts <= block.timestamp, "BadTimestamp"
    return fee_math._features(ts, last, self._acc[id], self._px[id], self._rule[id])
