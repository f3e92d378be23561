"""The fee simulation's economics: closed-form LVR, interior optimum on real data, exact conservation,
and no look-ahead."""

import numpy as np
import pyarrow as pa
import pytest
from conftest import requires_shared_data, shared_data

from backtests.engine import run_fee_strategy
from envs.data.swaps import load_swaps
from envs.fee_env import DynamicFeeEnv
from envs.market import build_market
from envs.simulation import FeeSimConfig, step_pnl_bps
from envs.synthetic import gbm_swaps, generate_swaps
from strategies.fee import StaticFee

ARBITRUM = shared_data("arbitrum-univ3-weth-usdt-005", "swaps")


def test_zero_fee_lp_loss_matches_closed_form_lvr():
    """No uninformed flow, no fee, no gas, arbitrage every block of a GBM path: the hedged LP loses
    sigma^2/8 of pool value per unit time (Milionis et al. 2022). Tolerance: 5%."""
    sigma, days = 0.8, 2
    market = build_market(gbm_swaps(days=days, annual_vol=sigma, seed=11), step="60s")
    market.uninformed[:] = 0
    config = FeeSimConfig(fee_min_bps=0, initial_fee_bps=0, gas_quote=0.0, flow="logit")  # no flow at all
    run = run_fee_strategy(market, StaticFee(0), config)
    loss_bps = -step_pnl_bps(run.steps).sum()
    expected_bps = sigma**2 / 8 * days / 365 * 1e4
    assert loss_bps == pytest.approx(expected_bps, rel=0.05)


def test_fee_reduces_arbitrage_loss_on_the_same_path():
    market = build_market(gbm_swaps(days=1, annual_vol=0.8, seed=12), step="60s")
    market.uninformed[:] = 0
    loss = []
    for bps in (0, 5, 30):
        cfg = FeeSimConfig(fee_min_bps=0, initial_fee_bps=bps, gas_quote=0.0, flow="logit")
        loss.append(-step_pnl_bps(run_fee_strategy(market, StaticFee(bps), cfg).steps).sum())
    assert loss[0] > loss[1] > loss[2] > 0


@requires_shared_data
def test_best_static_fee_is_interior_on_real_swaps():
    market = build_market(load_swaps(ARBITRUM))
    pnl = {
        bps: step_pnl_bps(run_fee_strategy(market, StaticFee(bps), FeeSimConfig()).steps).sum()
        for bps in (1, 5, 10, 30, 100)
    }
    best = max(pnl, key=pnl.get)
    assert best not in (1, 100), pnl
    logit = FeeSimConfig(flow="logit")
    pnl = {bps: step_pnl_bps(run_fee_strategy(market, StaticFee(bps), logit).steps).sum() for bps in (1, 20, 100)}
    assert pnl[20] > max(pnl[1], pnl[100]), pnl


def _conserves(run):
    (a0, a1), (b0, b1), lg = run.initial_reserves, run.reserves, run.ledger
    return b0 - a0 == lg.trader0 + lg.arb0 + lg.gap0 and b1 - a1 == lg.trader1 + lg.arb1 + lg.gap1


@requires_shared_data
def test_token_balances_conserve_to_the_wei_over_a_replay_day():
    market = build_market(load_swaps(ARBITRUM / "2025-06-02.parquet"))
    run = run_fee_strategy(market, StaticFee(5), FeeSimConfig())
    lg = run.ledger
    assert lg.trader0 != 0 and lg.arb0 != 0 and lg.gap0 == 0  # both parties traded; no hole in one day
    assert _conserves(run)


def test_conservation_holds_across_holes_in_the_data():
    table = generate_swaps(days=2, seed=5)
    ts = table["timestamp"].to_numpy()
    keep = (ts < ts[0] + 30_000) | (ts > ts[0] + 80_000)  # a 14-hour hole
    market = build_market(table.filter(pa.array(keep)))
    assert market.gap.sum() == 1
    run = run_fee_strategy(market, StaticFee(30), FeeSimConfig())
    assert run.ledger.gap0 != 0 and _conserves(run)


def _rollout(market, steps):
    env = DynamicFeeEnv(market)
    obs, _ = env.reset(seed=0)
    out = [obs]
    rewards = []
    for k in range(steps):
        obs, reward, *_ = env.step(np.array([np.sin(k)], dtype=np.float32))
        out.append(obs)
        rewards.append(reward)
    return np.array(out), np.array(rewards)


def test_no_look_ahead_observations_ignore_later_data():
    """Rewriting every swap after step t (prices, sizes, directions) leaves observations and rewards up to
    step t unchanged."""
    table = generate_swaps(days=1, seed=9)
    market = build_market(table)
    t = 300
    cut = int(market.step_time[t])
    later = table["timestamp"].to_numpy() >= cut
    sqrt_price = [
        str(int(v) * 103 // 100) if x else v for v, x in zip(table["sqrt_price_x96"].to_pylist(), later, strict=False)
    ]
    amount0 = [str(-int(v)) if x else v for v, x in zip(table["amount0"].to_pylist(), later, strict=False)]
    altered = table
    for name, values in (("sqrt_price_x96", sqrt_price), ("amount0", amount0)):
        i = altered.schema.get_field_index(name)
        altered = altered.set_column(i, name, pa.array(values, pa.large_string()))
    other = build_market(altered)
    assert not np.array_equal(other.price, market.price)
    obs_a, rew_a = _rollout(market, t + 5)
    obs_b, rew_b = _rollout(other, t + 5)
    np.testing.assert_array_equal(obs_a[: t + 1], obs_b[: t + 1])
    np.testing.assert_array_equal(rew_a[:t], rew_b[:t])
    assert not np.array_equal(obs_a[t + 1 :], obs_b[t + 1 :])
