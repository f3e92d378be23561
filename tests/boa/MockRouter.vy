# pragma version 0.4.3
"""
@title MockRouter
@notice A stand-in venue for AgentVault's swap_v2 (Uniswap V2 Router02 swapExactTokensForTokens) and swap_v3
        (V3 SwapRouter exactInputSingle), for the titanoboa state machines in tests/. It pays out of its own
        balance at configurable prices, less a configurable haircut:
            amount_out = amount_in * price[token_in] // price[token_out] * (10_000 - haircut_bps) // 10_000
        where price[token] is the value of 1e18 raw units of the token in any common unit. With a zero haircut
        and the market's prices it is an honest venue; with a haircut, an adversarial one. It can also pull less
        than it was approved (pull_bps < 10_000), which leaves an allowance behind for the vault to clear.
        Tests only: never deploy.
"""

from ethereum.ercs import IERC20

BPS: constant(uint256) = 10_000

struct ExactInputSingleParams:
    tokenIn: address
    tokenOut: address
    fee: uint24
    recipient: address
    deadline: uint256
    amountIn: uint256
    amountOutMinimum: uint256
    sqrtPriceLimitX96: uint160

price: public(HashMap[address, uint256])
haircut_bps: public(uint256)
pull_bps: public(uint256)


@deploy
def __init__():
    self.pull_bps = BPS


@external
def set_price(token: address, price_wad: uint256):
    self.price[token] = price_wad


@external
def set_terms(haircut_bps: uint256, pull_bps: uint256):
    assert haircut_bps <= BPS and pull_bps <= BPS
    self.haircut_bps = haircut_bps
    self.pull_bps = pull_bps


@internal
def _swap(token_in: address, token_out: address, amount_in: uint256, min_out: uint256, to: address,
          deadline: uint256) -> uint256:
    assert block.timestamp <= deadline, "Expired"
    p_in: uint256 = self.price[token_in]
    p_out: uint256 = self.price[token_out]
    assert p_in > 0 and p_out > 0, "NoPrice"
    pulled: uint256 = amount_in * self.pull_bps // BPS
    if pulled > 0:
        assert extcall IERC20(token_in).transferFrom(msg.sender, self, pulled, default_return_value=True)
    out: uint256 = amount_in * p_in // p_out * (BPS - self.haircut_bps) // BPS
    assert out >= min_out, "InsufficientOutput"
    if out > 0:
        assert extcall IERC20(token_out).transfer(to, out, default_return_value=True)
    return out


@external
def swapExactTokensForTokens(amountIn: uint256, amountOutMin: uint256, path: DynArray[address, 2], to: address,
                             deadline: uint256) -> DynArray[uint256, 2]:
    assert len(path) == 2, "BadPath"
    out: uint256 = self._swap(path[0], path[1], amountIn, amountOutMin, to, deadline)
    return [amountIn, out]


@external
def exactInputSingle(params: ExactInputSingleParams) -> uint256:
    return self._swap(params.tokenIn, params.tokenOut, params.amountIn, params.amountOutMinimum, params.recipient,
                      params.deadline)
