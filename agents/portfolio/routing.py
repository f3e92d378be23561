"""Quoting and routing: what each venue pays for a trade, and which venue a trade goes to.

Uniswap V2 is predicted with its own integer getAmountOut (997/1000, the math of
envs/portfolio_execution.amount_out at fee 0.003); a Uniswap V3 pool with QuoterV2.quoteExactInputSingle (a
static call). A trade goes to the venue with the larger output (V2 on a tie), recorded as its `venue`: 'v2'
or 'v3:FEE'.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Protocol

from agents.chain.npm_artifacts import UNISWAP_V3_PERIPHERY, npm_contract

V3_FEE_TIERS = (100, 500, 3000, 10_000)  # Uniswap V3's enabled fee tiers on mainnet, hundredths of a bp

Quote = Callable[[str, str, int, int], int]
"""A V3 quote: (token_in, token_out, fee, amount_in) -> amount out (0 where the pool cannot fill it)."""


class Venues(Protocol):
    """What routing needs of a token (agents.portfolio.state.Holding has it): its V2 reserves against the
    numeraire and its V3 pools with the numeraire by fee."""

    token: str
    reserve_token: int
    reserve_numeraire: int
    v3_pools: dict[int, str]


def get_amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    """Uniswap V2's getAmountOut (UniswapV2Library), 0.3% fee, integer arithmetic."""
    if amount_in <= 0 or reserve_in <= 0 or reserve_out <= 0:
        return 0
    with_fee = amount_in * 997
    return with_fee * reserve_out // (reserve_in * 1000 + with_fee)


def get_amount_in(amount_out: int, reserve_in: int, reserve_out: int) -> int:
    """Uniswap V2's getAmountIn: the least input that yields `amount_out`."""
    if amount_out <= 0:
        return 0
    if amount_out >= reserve_out:
        raise ValueError("the pair does not hold that much")
    return reserve_in * amount_out * 1000 // ((reserve_out - amount_out) * 997) + 1


@cache
def v3_contract(kind: str):
    """Ape containers for Uniswap V3's periphery: swap_router (SwapRouter) or quoter (QuoterV2)."""
    paths = {"swap_router": ("SwapRouter.sol", "SwapRouter.json"), "quoter": ("lens", "QuoterV2.sol", "QuoterV2.json")}
    return npm_contract(UNISWAP_V3_PERIPHERY.joinpath(*paths[kind]))


def venue_fee(venue: str) -> int | None:
    """The V3 fee of a venue ('v3:500' -> 500), None for V2."""
    return int(venue.removeprefix("v3:")) if venue.startswith("v3:") else None


def route(asset: Venues, numeraire: str, side: str, amount: int, quote: Quote | None = None) -> tuple[str, int]:
    """The venue giving the most output for `amount` in ('v2' on a tie) and that output: V2's getAmountOut on the
    pair's reserves against `quote` on each of the token's V3 pools."""
    if side == "sell":
        best = ("v2", get_amount_out(amount, asset.reserve_token, asset.reserve_numeraire))
        token_in, token_out = asset.token, numeraire
    else:
        best = ("v2", get_amount_out(amount, asset.reserve_numeraire, asset.reserve_token))
        token_in, token_out = numeraire, asset.token
    for fee in sorted(asset.v3_pools) if quote and amount > 0 else ():
        out = quote(token_in, token_out, fee, amount)
        if out > best[1]:
            best = (f"v3:{fee}", out)
    return best


class V3Quoter:
    """QuoterV2's outputs for exact-input swaps, cached until `clear()` (quotes hold for one chain state)."""

    def __init__(self, quoter):
        self.quoter = quoter
        self._quotes: dict[tuple, int] = {}

    def clear(self) -> None:
        self._quotes.clear()

    def __call__(self, token_in: str, token_out: str, fee: int, amount_in: int) -> int:
        """The output of the V3 pool at `fee` (a static call; the quoter reverts inside to undo its swap); 0 where
        the quoter reverts."""
        from ape.exceptions import ContractLogicError

        key = (token_in, token_out, fee, amount_in)
        if key not in self._quotes:
            try:
                result = self.quoter.quoteExactInputSingle.call((token_in, token_out, amount_in, fee, 0))
                self._quotes[key] = int(result[0])
            except ContractLogicError:
                self._quotes[key] = 0
        return self._quotes[key]
