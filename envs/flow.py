"""Order flow: which real swaps are informed, and how much of each swap our pool wins against the venue.

Classification by markout. A swap is *informed* when the venue's price at the end of its markout window
(the minute it falls in, envs.market.MARKOUT_SECONDS) has moved further in the swap's direction than the swap
itself left it (positive markout from the post-trade price); the others are *uninformed*. The label uses data
up to the end of the swap's minute and nothing later.

Two flow models (`--flow`):

* `route` (the default; Campbell, Bergault, Milionis & Nutz 2025): every real swap, informed or not, is a
  trader choosing between our pool and the venue by the all-in cost of its whole trade at each, in log units:
  the fee of its side, the price impact at the pool's depth (exact for constant product), and the signed gap
  between the pool's price and the venue's. Our pool wins the logit share
  share = L e^{-beta c} / (L e^{-beta c} + L_v e^{-beta c_v}), L and L_v the depths (sqrt(x*y)), and books
  the trade at its markout: valued at the fair price at the end of its minute, so flow that knows where the
  price goes pays for it, whichever side is cheap. Revenue and volume then depend on the all-in price only:
  a cheap side offered at a stale price is a cheap all-in price, and wins no more than that.
* `logit` (for comparison and the symmetric-fee theory test): uninformed swaps only, on fee and depth alone,
  booked at the fair price of the moment. Two-sided fees game it: a near-zero fee on one side pulls flow in
  at a stale price the model does not charge for.

Calibration (data README: on Ethereum WETH/USDT the 0.05% pool took 70% of the two pools' volume with 66M
TVL against the 0.30% pool's 30% with 176M TVL). `logit`: 0.7/0.3 = (66/176) e^{beta (0.0030 - 0.0005)},
beta = 731 per unit fee. `route` adds impact, so large trades narrow the gap between the pools: solving the
same split with the trade sizes and the active depth of the Ethereum USDC/WETH 0.05% sample day (virtual
reserve $925M; the 0.30% pool 176/66 times deeper) gives beta = 862 (`calibrate_route_beta`); the yearly
splits 59% and 87% give 627 and 1,434, which `--flow-scale 0.5` and `2` bracket.
"""

from __future__ import annotations

import math

import numpy as np


def calibrate_beta(
    share_low: float = 0.70,
    fee_low: float = 0.0005,
    fee_high: float = 0.0030,
    tvl_low: float = 66e6,
    tvl_high: float = 176e6,
) -> float:
    """Logit slope from the volume split of two venues with different fees and depths."""
    if not 0 < share_low < 1 or fee_high <= fee_low:
        raise ValueError("need 0 < share < 1 and fee_high > fee_low")
    odds = math.log(share_low / (1 - share_low)) - math.log(tvl_low / tvl_high)
    return odds / (fee_high - fee_low)


BETA = calibrate_beta()
BETA_ROUTE = 862.0  # calibrate_route_beta() on the Ethereum sample day (tests/test_flow.py recomputes it)


def calibrate_route_beta(
    trade_sizes: np.ndarray,
    depth_low: float,
    share_low: float = 0.70,
    fee_low: float = 0.0005,
    fee_high: float = 0.0030,
    tvl_low: float = 66e6,
    tvl_high: float = 176e6,
) -> float:
    """The logit slope of the route model that gives the low-fee pool `share_low` of the volume of trades of
    `trade_sizes` (in the numeraire), the low-fee pool's virtual reserve being `depth_low` and the high-fee
    pool's tvl_high / tvl_low times that; depth weights in the ratio of the TVLs. Bisection on beta."""
    q = np.asarray(trade_sizes, dtype=np.float64)
    depth_high = depth_low * tvl_high / tvl_low

    def share(beta: float) -> float:
        c_low = -math.log1p(-fee_low) + np.log1p(q * (1 - fee_low) / depth_low)
        c_high = -math.log1p(-fee_high) + np.log1p(q * (1 - fee_high) / depth_high)
        pi = 1 / (1 + tvl_high / tvl_low * np.exp(np.minimum(-beta * (c_high - c_low), 700)))
        return float((q * pi).sum() / q.sum())

    lo, hi = 1.0, 1e5
    if not share(lo) < share_low < share(hi):
        raise ValueError(f"no logit slope gives the low-fee pool {share_low:.0%} of these trades")
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if share(mid) < share_low else (lo, mid)
    return (lo + hi) / 2


def uninformed_mask(price: np.ndarray, amount0: np.ndarray, mark: np.ndarray) -> np.ndarray:
    """1 for swaps whose markout to the end of their markout window (the price of swap mark[i]) is not
    positive, else 0 (uint8)."""
    if len(price) == 0:
        return np.zeros(0, dtype=np.uint8)
    direction = np.where(amount0 < 0, 1.0, -1.0)  # buying token0 pushes its price up
    markout = direction * (np.log(price[mark]) - np.log(price))
    return (markout <= 0).astype(np.uint8)
