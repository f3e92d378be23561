"""Training the portfolio policy at the costs it executes at: the anchored action map, decisions every N rows,
the turnover penalty, synthetic regime markets, the quality bar, and `lamm train portfolio` with its cost flags
and walk-forward folds."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from agents.training.portfolio_bar import daily_log_returns, met, quality_bar
from envs.portfolio_env import PortfolioEnv
from envs.portfolio_execution import ExecutionConfig
from envs.portfolio_features import weights_from_action
from envs.price_series import synthetic_prices
from envs.synthetic_regimes import REGIMES, regime_path, synthetic_regimes


def test_the_zero_action_is_the_equal_mix_and_the_last_entry_moves_to_the_numeraire():
    assert np.allclose(weights_from_action(np.zeros(5), 4), 0.25)
    assert np.allclose(weights_from_action(np.array([0, 0, 0, 0, -1.0]), 4), 0.25)  # no short numeraire
    half = weights_from_action(np.array([0, 0, 0, 0, 0.5]), 4)
    assert np.allclose(half, 0.125) and half.sum() == pytest.approx(0.5)
    tilted = weights_from_action(np.array([1.0, -1.0, 0, 0, 0]), 4)
    assert tilted[0] > 0.25 > tilted[1] and tilted.sum() == pytest.approx(1.0)
    assert np.allclose(weights_from_action(np.full(5, 7.0), 4), weights_from_action(np.ones(5), 4))  # clipped


def test_regime_markets_are_seeded_and_crash():
    a, b = synthetic_regimes(4, days=60, seed=1), synthetic_regimes(4, days=60, seed=1)
    assert np.array_equal(a.prices, b.prices) and a.prices.shape == (60 * 24 + 1, 4)
    assert not np.array_equal(a.prices, synthetic_regimes(4, days=60, seed=2).prices)
    path = regime_path(200_000, 3600, np.random.default_rng(0))
    assert set(path) == set(REGIMES)
    after = {path[i + 1] for i in range(len(path) - 1) if path[i] == "crash" and path[i + 1] != "crash"}
    assert after <= {"bear", "sideways"}
    # a crash hour falls on average far more than a bull hour
    prices = synthetic_regimes(3, days=2000, seed=3).prices
    market = np.diff(np.log(prices), axis=0).mean(axis=1)
    names = np.array(regime_path(len(market), 3600, np.random.default_rng(3)))
    assert market[names == "crash"].mean() < 0 < market[names == "bull"].mean()


def test_decisions_every_n_rows_pay_the_execution_model_and_the_penalty():
    series = synthetic_prices(n_assets=3, days=20, seed=5)
    cfg = ExecutionConfig(fee=0.003, depth=1e7, gas=3.0)
    still = PortfolioEnv(series, cfg, band=0.99, every=24)
    obs, info = still.reset()
    assert info["step"] == 24
    rewards = []
    done = False
    while not done:
        obs, r, _, done, step = still.step(np.zeros(4))
        rewards.append(r)
        assert step["traded"] == 0.0  # inside the band nothing trades
    assert len(rewards) == 19  # decisions at rows 24, 48, ..., 456: the last one reaches row 480
    # leaving everything for the numeraire trades, pays fee, impact and gas, and the penalty on top
    plain = PortfolioEnv(series, cfg, band=0.0, every=24)
    braked = PortfolioEnv(series, cfg, band=0.0, every=24, turnover_penalty=0.01)
    plain.reset(seed=0), braked.reset(seed=0)
    exit_all = np.array([0, 0, 0, 1.0])
    before = plain._cash + float(plain._holdings @ series.prices[plain._t])
    _, r0, _, _, i0 = plain.step(exit_all)
    _, r1, _, _, i1 = braked.step(exit_all)
    assert i0["traded"] > 0 and i0["cost"] > 3 * 3.0 and i0["cost"] > 0.003 * i0["traded"]
    assert i1["value"] == i0["value"] and r0 == pytest.approx(np.log(i0["value"] / before), rel=1e-12)
    assert r0 - r1 == pytest.approx(0.01 * i0["traded"] / before, rel=1e-9)
    with pytest.raises(ValueError, match="every"):
        PortfolioEnv(series, cfg, every=0)


def test_episodes_draw_from_every_market_in_proportion():
    real, fake = synthetic_prices(n_assets=3, days=20, seed=6), synthetic_regimes(3, days=20, seed=6)
    env = PortfolioEnv([real, fake], ExecutionConfig(), episode_steps=5, every=24, mix=[0.25, 0.75])
    env.reset(seed=0)
    draws = [env.reset()[1]["series"] for _ in range(400)]
    assert 0.65 < np.mean(draws) < 0.85
    with pytest.raises(ValueError, match="mix"):
        PortfolioEnv([real, fake], mix=[1.0])


def test_daily_returns_and_the_quality_bar():
    times = 1_700_006_400 + 3600 * np.arange(72)  # three whole UTC days
    values = 1e6 * np.exp(np.cumsum(np.full(72, 1e-4)))
    r = daily_log_returns(values, times, 1e6)
    assert r.shape == (3,) and np.allclose(r, 24e-4)
    rng = np.random.default_rng(0)
    times = 1_700_006_400 + 3600 * np.arange(24 * 60)
    hold = 1e6 * np.exp(np.cumsum(rng.normal(0, 0.01, len(times))))
    metrics = {
        "learned": {"sharpe": 1.0, "turnover_per_year": 10.0},
        "hold": {"sharpe": 0.5, "turnover_per_year": 5.0},
        "mix:band=0.05": {"sharpe": 0.8, "turnover_per_year": 3.0},
        "momentum": {"sharpe": 9.0, "turnover_per_year": 1.0},  # not a baseline of the bar
    }
    values = {"learned": hold * np.exp(np.cumsum(np.full(len(times), 1e-3 / 24))), "hold": hold, "mix:band=0.05": hold}
    bar = quality_bar(times, metrics, values, "learned", 1e6)
    assert bar["best_baseline"] == "mix:band=0.05" and not met(bar)  # 10x turnover > 3 x 3x
    assert bar["days"] == 60 and bar["daily_log_return_difference_bps"]["estimate"] == pytest.approx(10.0, rel=1e-3)
    metrics["learned"]["turnover_per_year"] = 9.0
    assert met(quality_bar(times, metrics, values, "learned", 1e6))


def test_train_portfolio_cli_records_its_costs_and_walks_forward(tmp_path):
    out = tmp_path / "pf"
    args = ["train", "portfolio", "--data", "synthetic", "--timesteps", "256", "--out", str(out)]
    args += ["--trade-fee-bps", "30", "--pool-depth", "1e7", "--trade-gas", "3", "--every", "12"]
    args += ["--synthetic", "2", "--walk-forward", "2", "--trials", "40"]
    res = subprocess.run([sys.executable, "-m", "lamm.cli", *args], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    card = json.loads((out / "card.json").read_text())
    assert (card["config"]["fee_bps"], card["config"]["depth"], card["config"]["gas"]) == (30.0, 1e7, 3.0)
    assert card["config"]["every"] == 12 and card["config"]["synthetic"] == 2
    assert json.loads((out / "policy.json").read_text())["every"] == 12
    assert [f["fold"] for f in card["walk_forward"]] == [0, 1]
    assert card["bar"]["best_baseline"] in card["metrics"]
    assert "walk-forward fold 1" in (out / "card.md").read_text()
    comparison = card["bar"]["comparison"]  # every strategy with intervals, deflated for the 40 tried
    assert comparison["trials"] == 40 and set(comparison["strategies"]) == set(card["metrics"])
    assert "deflated Sharpe for 40 configurations" in (out / "card.md").read_text()
