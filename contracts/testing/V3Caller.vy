# pragma version 0.4.3
"""
@title V3Caller
@notice Mints liquidity in and swaps against a Uniswap V3 pool, paying in its callbacks from its own balance
        (fund it first). For tests and local chains only.
"""

from ethereum.ercs import IERC20

interface V3Pool:
    def token0() -> address: view
    def token1() -> address: view
    def mint(recipient: address, tickLower: int24, tickUpper: int24, amount: uint128, data: Bytes[32]) -> (uint256, uint256): nonpayable
    def swap(recipient: address, zeroForOne: bool, amountSpecified: int256, sqrtPriceLimitX96: uint160, data: Bytes[32]) -> (int256, int256): nonpayable

MIN_SQRT_RATIO: constant(uint160) = 4295128739
MAX_SQRT_RATIO: constant(uint160) = 1461446703485210103287273052203988822378723970342

pool: public(address)


@external
def mint(pool: address, tick_lower: int24, tick_upper: int24, amount: uint128):
    self.pool = pool
    extcall V3Pool(pool).mint(self, tick_lower, tick_upper, amount, b"")


@external
def swap(pool: address, zero_for_one: bool, amount_in: uint256):
    self.pool = pool
    limit: uint160 = MIN_SQRT_RATIO + 1
    if not zero_for_one:
        limit = MAX_SQRT_RATIO - 1
    extcall V3Pool(pool).swap(self, zero_for_one, convert(amount_in, int256), limit, b"")


@internal
def _pay(amount0: uint256, amount1: uint256):
    assert msg.sender == self.pool, "NotPool"
    if amount0 > 0:
        extcall IERC20(staticcall V3Pool(msg.sender).token0()).transfer(msg.sender, amount0)
    if amount1 > 0:
        extcall IERC20(staticcall V3Pool(msg.sender).token1()).transfer(msg.sender, amount1)


@external
def uniswapV3MintCallback(amount0: uint256, amount1: uint256, data: Bytes[32]):
    self._pay(amount0, amount1)


@external
def uniswapV3SwapCallback(amount0: int256, amount1: int256, data: Bytes[32]):
    self._pay(convert(max(amount0, 0), uint256), convert(max(amount1, 0), uint256))
