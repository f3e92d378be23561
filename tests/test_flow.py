"""The flow models: the route model's calibration from data, and what a cheap side at a stale price buys."""

import math

import numpy as np
import pandas as pd
import pytest
from conftest import requires_shared_data, shared_data

from backtests.metrics import fee_metrics
from envs.amm import Pool, flow_share
from envs.fee_env import default_market
from envs.fee_rule import FeeRule
from envs.flow import BETA, BETA_ROUTE, calibrate_beta, calibrate_route_beta
from envs.simulation import FeeSimConfig, start_replay


def test_logit_slope_is_the_fee_tier_split():
    assert BETA == pytest.approx(math.log(0.7 / 0.3 * 176 / 66) / 0.0025)
    assert calibrate_beta() == BETA


@requires_shared_data
def test_route_slope_is_recomputed_from_the_ethereum_sample_day():
    """The shipped constant is what the calibration gives on the sample day's trade sizes and active depth."""
    path = next((shared_data() / "ethereum-univ3-usdc-weth-005-sample").glob("*.tick.csv"))
    swaps = pd.read_csv(path).query("tx_type == 'SWAP'")
    sizes = np.abs(swaps["amount0"].astype(float).to_numpy()) / 1e6  # USDC
    sqrt_p = swaps["sqrtPriceX96"].astype(float).to_numpy() / 2**96
    depth = float(np.median(swaps["total_liquidity"].astype(float).to_numpy() / sqrt_p / 1e6))  # USDC reserve
    assert 5e8 < depth < 2e9
    assert calibrate_route_beta(sizes, depth) == pytest.approx(BETA_ROUTE, abs=1.0)
    # without impact (infinitely deep pools) it is the logit model's slope (fees as -log(1 - f) there)
    assert calibrate_route_beta(sizes, 1e30) == pytest.approx(BETA, rel=3e-3)
    low, high = calibrate_route_beta(sizes, depth, 0.59), calibrate_route_beta(sizes, depth, 0.87)
    assert BETA_ROUTE / 2 < low < BETA_ROUTE < high < 2 * BETA_ROUTE  # --flow-scale 0.5 and 2 bracket the years


def _pool_at(price: float, rule: FeeRule, liquidity: float = 1e18) -> Pool:
    return Pool(int(liquidity / math.sqrt(price)), int(liquidity * math.sqrt(price)), rule, now=0)


@pytest.mark.parametrize("gap_bps", [2.0, 10.0, 25.0])
def test_a_cheap_side_at_a_stale_price_wins_what_the_same_all_in_price_wins(gap_bps):
    """Route model: a buyer of token0 facing our pool g above the venue at fee f - g sees the all-in price of
    fee f at no gap; it comes as often, and our pool earns the same from it, booked at the venue's price."""
    venue_price, g = 2.5e-9, gap_bps / 1e4
    fair = _pool_at(venue_price, FeeRule(3000))
    stale = _pool_at(venue_price * math.exp(g), FeeRule(3000 - int(gap_bps * 100)))
    amount = 4e9  # 4,000 USDT in
    shares = [flow_share(p, False, amount, venue_price, 1e19, 10, BETA_ROUTE, 0.0005) for p in (fair, stale)]
    assert shares[0] == pytest.approx(shares[1], rel=5e-3)  # equal to second order (fees enter as -log(1 - f))
    earned = []
    for pool, share in zip((fair, stale), shares, strict=True):
        out, _ = pool.swap(False, int(amount * share), 10)
        earned.append(amount * share - out * venue_price)  # value in minus value out, at the venue's price
    assert earned[0] == pytest.approx(earned[1], rel=5e-3)
    # under the logit model the same cheap side wins more flow, blind to the price it trades at
    logit = [flow_share(p, False, amount, venue_price, 1e19, 10, BETA, 0.0005, "logit") for p in (fair, stale)]
    assert logit[1] > logit[0] * math.exp(BETA * g * 0.9)


def test_a_skew_gains_nothing_from_uninformed_flow_at_stale_prices():
    """The artifact of the logit model: an EWMA-anchored skew pulls uninformed flow in on its cheap side at a
    stale price, and that flow's markout, a cost for a pool at a fair price, turns into a large gain. Routed
    on the all-in price, the cheap side's uninformed flow pays no more than the static fee's did."""
    market = default_market(days=2, seed=4)
    static, skew = FeeRule(1600), FeeRule(1600, skew_gain=4000, skew_cap=5000, skew_tau=300)

    def markout(rule: FeeRule, flow: str) -> float:
        rows = start_replay(market, FeeSimConfig(flow=flow)).run(
            market.step_end, np.tile(rule.as_array(), (market.n_steps, 1))
        )
        return fee_metrics(market, rows)["markout_uninformed_bps_per_day"]

    assert markout(skew, "logit") > markout(static, "logit") + 0.3  # the artifact: traders pay a stale price
    assert markout(skew, "route") <= markout(static, "route") + 0.01  # none of it when the gap is priced
