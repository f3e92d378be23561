"""Order flow: which real swaps are uninformed, and how much of them a fee keeps.

Classification by markout. A swap is *informed* when the venue's price, at the end of the step the swap
falls in, has moved further in the swap's direction than the swap itself left it (positive markout from the
post-trade price). Arbitrage and informed trades are replaced in the simulation by the endogenous
arbitrageur; only uninformed swaps are offered to the simulated pool. The markout horizon ends with the
step, so flow in step t is labelled with data up to the end of step t and nothing later.

Fee response. A router splits uninformed flow between our pool and the competing venue in proportion to
depth times a logit weight on the fee:  share = L e^{-beta f} / (L e^{-beta f} + L_v e^{-beta f_v}),
where L is liquidity (sqrt(x*y), the depth a small trade sees). `beta` is calibrated from the two Ethereum
WETH/USDT pools (data README): the 0.05% pool took 70% of volume with 66M TVL against the 0.30% pool's 30%
with 176M TVL, so 0.7/0.3 = (66/176) e^{beta (0.0030 - 0.0005)}, beta = 731 per unit fee (a 10 bps fee
premium halves the weight).
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


def flow_share(depth: float, fee: float, venue_depth: float, venue_fee: float, beta: float = BETA) -> float:
    """The share of an uninformed swap routed to a pool of `depth` and `fee` against the venue."""
    w = depth * math.exp(-beta * (fee - venue_fee))
    return w / (w + venue_depth)


def uninformed_mask(price: np.ndarray, amount0: np.ndarray, mark: np.ndarray) -> np.ndarray:
    """1 for swaps whose markout to the end of their markout window (the price of swap mark[i]) is not
    positive, else 0 (uint8)."""
    if len(price) == 0:
        return np.zeros(0, dtype=np.uint8)
    direction = np.where(amount0 < 0, 1.0, -1.0)  # buying token0 pushes its price up
    markout = direction * (np.log(price[mark]) - np.log(price))
    return (markout <= 0).astype(np.uint8)
