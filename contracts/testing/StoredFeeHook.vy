# pragma version 0.4.3
"""
@title StoredFeeHook
@notice The gas baseline of benchmarks/hook_gas.py: a v4 hook whose beforeSwap only returns a stored LP fee as an
        override (permission bit beforeSwap only, 0x80).
"""

OVERRIDE_FEE_FLAG: constant(uint24) = 4194304

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

fee: public(uint24)


@deploy
def __init__(_fee: uint24):
    self.fee = _fee


@external
def beforeSwap(sender: address, key: PoolKey, params: SwapParams, hookData: Bytes[1024]) -> (bytes4, int256, uint24):
    return (
        method_id("beforeSwap(address,(address,address,uint24,int24,address),(bool,int256,uint160),bytes)", output_type=bytes4),
        0,
        self.fee | OVERRIDE_FEE_FLAG,
    )
