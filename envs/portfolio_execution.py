"""What a rebalance costs when it trades through constant-product pools: the math the executor meets on-chain.

Each asset trades against the numeraire in its own pool holding `depth` numeraire and depth / price of the
asset (depth None: infinitely deep, no price impact). The LP fee is taken from the input, as in Uniswap V2;
each executed trade also pays `gas` in the numeraire. A rebalance sells first, then buys with what the vault
holds: buys are scaled down together when the cash does not cover them, and a buy takes at most half of a
pool's asset reserve (beyond that the constant-product price runs away).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_POOL_SHARE = 0.5  # the largest fraction of a pool's asset reserve one buy may take


@dataclass(frozen=True)
class ExecutionConfig:
    fee: float = 0.003  # LP fee, fraction of the input
    depth: float | None = None  # numeraire reserve of each asset's pool; None: no price impact
    gas: float = 0.0  # numeraire per executed trade
    min_trade: float = 0.0  # trades worth less than this (or than the gas) are skipped

    def __post_init__(self):
        if not 0 <= self.fee < 1:
            raise ValueError(f"fee {self.fee} must be in [0, 1)")
        if self.depth is not None and self.depth <= 0:
            raise ValueError(f"depth {self.depth} must be positive (or none for no price impact)")
        if self.gas < 0 or self.min_trade < 0:
            raise ValueError("gas and min_trade must not be negative")


def amount_out(amount_in: np.ndarray, reserve_in: np.ndarray, reserve_out: np.ndarray, fee: float) -> np.ndarray:
    """Constant-product output for an exact input, the fee taken from the input (Uniswap V2's getAmountOut)."""
    net = amount_in * (1.0 - fee)
    return reserve_out * net / (reserve_in + net)


def amount_in_for(amount_out_: np.ndarray, reserve_in: np.ndarray, reserve_out: np.ndarray, fee: float) -> np.ndarray:
    """Input needed for an exact output (Uniswap V2's getAmountIn, without its rounding)."""
    return reserve_in * amount_out_ / ((reserve_out - amount_out_) * (1.0 - fee))


@dataclass
class Fill:
    """One rebalance: units bought (+) or sold (-) per asset, cash change, and what it cost."""

    units: np.ndarray
    cash_delta: float
    traded_value: float  # at mid prices
    fees: float  # numeraire
    impact: float  # numeraire lost to price impact beyond the fee
    gas: float
    trades: int


def rebalance(holdings: np.ndarray, cash: float, prices: np.ndarray, weights: np.ndarray, cfg: ExecutionConfig) -> Fill:
    """Trades that take (holdings, cash) toward target `weights` (per asset; the rest stays in cash)."""
    value = cash + float(holdings @ prices)
    current = holdings * prices
    delta = weights * value - current  # numeraire at mid: + buy, - sell
    delta[np.abs(delta) < max(cfg.min_trade, cfg.gas, 1e-12 * value)] = 0.0  # never a trade worth less than its gas
    units = np.zeros_like(holdings)
    if cfg.depth is None:
        reserve_num = reserve_asset = None
    else:
        reserve_num = np.full_like(prices, cfg.depth)
        reserve_asset = cfg.depth / prices
    n_trades = int(np.count_nonzero(delta))
    gas = cfg.gas * n_trades
    if gas >= value:  # what is left would not even pay for the transactions
        return Fill(np.zeros_like(holdings), 0.0, 0.0, 0.0, 0.0, 0.0, 0)
    sells = delta < 0
    sold_units = -delta[sells] / prices[sells]
    if reserve_num is None:
        proceeds = sold_units * prices[sells] * (1.0 - cfg.fee)
    else:
        proceeds = amount_out(sold_units, reserve_asset[sells], reserve_num[sells], cfg.fee)
    units[sells] = -sold_units
    available = cash + float(proceeds.sum()) - gas
    buys = delta > 0
    want_units = delta[buys] / prices[buys]
    if reserve_num is None:
        cost = want_units * prices[buys] / (1.0 - cfg.fee)
    else:
        want_units = np.minimum(want_units, MAX_POOL_SHARE * reserve_asset[buys])
        cost = amount_in_for(want_units, reserve_num[buys], reserve_asset[buys], cfg.fee)
    spend = float(cost.sum())
    if spend > available and spend > 0:
        scale = max(available, 0.0) / spend
        cost = cost * scale
        want_units = (
            cost * (1.0 - cfg.fee) / prices[buys]
            if reserve_num is None
            else amount_out(cost, reserve_num[buys], reserve_asset[buys], cfg.fee)
        )
    units[buys] = want_units
    cash_delta = float(proceeds.sum()) - float(cost.sum()) - gas
    traded = float(np.abs(units) @ prices)
    fees = cfg.fee * (float(sold_units @ prices[sells]) + float(cost.sum()))
    # what the trades lost at mid prices, beyond fees and gas, is price impact
    impact = max(-(float(units @ prices) + cash_delta) - fees - gas, 0.0)
    return Fill(units, cash_delta, traded, fees, impact, gas, n_trades)
