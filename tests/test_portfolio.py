"""Portfolio economics and backtests: constant-product execution costs, no look-ahead, the environment and the
backtester agree, strategies behave, and `lamm backtest portfolio` / `lamm train portfolio` run end to end."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import requires_shared_data, shared_data

from backtests.portfolio_engine import PORTFOLIO_METRICS, run_portfolio
from envs.portfolio_env import PortfolioEnv
from envs.portfolio_execution import ExecutionConfig, amount_out, rebalance
from envs.portfolio_features import portfolio_observation
from envs.price_series import synthetic_prices
from strategies.portfolio import BuyAndHold, ConstantMix, Momentum
from strategies.portfolio_spec import parse_portfolio_strategy


def lamm(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lamm.cli", *args], capture_output=True, text=True, timeout=600)


def test_a_rebalance_costs_exactly_fee_impact_and_gas():
    prices = np.array([2500.0, 60_000.0, 1.5])
    cfg = ExecutionConfig(fee=0.003, depth=5_000_000.0, gas=2.0)
    fill = rebalance(np.zeros(3), 1_000_000.0, prices, np.array([0.3, 0.3, 0.3]), cfg)
    value_after = 1_000_000.0 + fill.cash_delta + float(fill.units @ prices)
    assert fill.trades == 3 and fill.gas == 6.0
    assert value_after == pytest.approx(1_000_000.0 - fill.fees - fill.impact - fill.gas, rel=1e-12)
    # each buy is the constant-product output of what it paid, in a pool of the configured depth
    spent = (1_000_000.0 - 6.0 - (1_000_000.0 + fill.cash_delta)) / 3
    for units, p in zip(fill.units, prices, strict=True):
        assert units == pytest.approx(amount_out(spent, 5_000_000.0, 5_000_000.0 / p, 0.003), rel=1e-9)
    # deeper pools, less impact; no depth, no impact and the fee alone
    deeper = rebalance(np.zeros(3), 1_000_000.0, prices, np.full(3, 0.3), dataclasses.replace(cfg, depth=5e8))
    assert 0 < deeper.impact < fill.impact
    flat = rebalance(np.zeros(3), 1_000_000.0, prices, np.full(3, 0.3), ExecutionConfig(fee=0.003))
    assert flat.impact == pytest.approx(0.0, abs=1e-6) and flat.fees == pytest.approx(0.003 * 900_000 / 0.997)


def test_buys_never_spend_more_than_the_portfolio_holds():
    prices = np.array([100.0, 200.0])
    fill = rebalance(np.zeros(2), 1000.0, prices, np.array([0.5, 0.5]), ExecutionConfig(fee=0.01, gas=1.0))
    assert 1000.0 + fill.cash_delta == pytest.approx(0.0, abs=1e-9)
    assert np.all(fill.units > 0)


def test_observations_and_decisions_never_read_later_prices():
    series = synthetic_prices(n_assets=3, days=20, seed=1)
    t = 200
    altered = series.prices.copy()
    altered[t + 1 :] *= np.random.default_rng(0).uniform(0.5, 2.0, altered[t + 1 :].shape)
    w = np.array([0.2, 0.3, 0.1])
    assert np.array_equal(portfolio_observation(series.prices, t, w), portfolio_observation(altered, t, w))
    momentum = Momentum(lookback=24, top=2, every=1)
    momentum.reset(3)
    assert np.array_equal(momentum.target(t, series.prices, w), momentum.target(t, altered, w))


def test_strategies_trade_when_they_should():
    series = synthetic_prices(n_assets=4, days=30, seed=2)
    cfg = ExecutionConfig(fee=0.001)
    hold = run_portfolio(series, BuyAndHold(), cfg)
    assert hold.trades == 4 and np.count_nonzero(hold.traded) == 1
    band = run_portfolio(series, ConstantMix(band=0.05), cfg)
    daily = run_portfolio(series, ConstantMix(every=24), cfg)
    hourly = run_portfolio(series, ConstantMix(every=1), cfg)
    assert np.count_nonzero(band.traded) < np.count_nonzero(daily.traded) < np.count_nonzero(hourly.traded)
    # between band rebalances every weight stays within the band of 1/N (up to one step's move)
    drift = np.abs(band.weights - 0.25).max(axis=1)
    assert np.all(drift[band.traded > 0] < 1e-9 + 0.25 * 0.01)


def test_the_environment_and_the_backtester_agree(tmp_path):
    from agents.training.portfolio import PortfolioTrainConfig, train_portfolio
    from strategies.learned_portfolio import LearnedPortfolio

    series = synthetic_prices(n_assets=3, days=40, seed=3)
    cfg = PortfolioTrainConfig(
        timesteps=2048, n_envs=1, n_steps=512, episode_days=10, fee_bps=10, depth=2e6, every=6, band=0.01
    )
    model, _ = train_portfolio(series, cfg, tmp_path)
    env = PortfolioEnv(series, cfg.execution, band=cfg.band, every=cfg.every)
    obs, _ = env.reset()
    values = []
    done = False
    while not done:
        with torch.no_grad():
            action = model.policy.mlp_extractor.policy_net(torch.from_numpy(obs[None]))
            action = model.policy.action_net(action)[0].numpy()
        obs, _, _, done, info = env.step(action)
        values.append(info["value"])
    run = run_portfolio(series, LearnedPortfolio(tmp_path), cfg.execution)
    # both invest in equal weights at row 0; the environment's k-th decision is the backtester's row
    # (k + 1) * every; the environment values the portfolio at the next decision's row before its trades,
    # the backtester after each row's trades (none between decisions)
    e = cfg.every
    backtest_next = [
        run.values[t]
        + float((run.weights[t] * run.values[t] / series.prices[t]) @ (series.prices[t + 1] - series.prices[t]))
        for t in range(2 * e - 1, (len(values) + 2) * e - 1, e)
    ]
    assert np.allclose(values, backtest_next, rtol=1e-5)
    assert np.count_nonzero(run.traded[1:][np.arange(1, len(run.traded)) % e != 0]) == 0
    # a reloaded model acts identically, and the ONNX weights are the torch ones
    from stable_baselines3 import PPO

    from agents.training.portfolio import DeterministicWeights

    reloaded = PPO.load(tmp_path / "model.zip", device="cpu")
    probe = torch.from_numpy(np.stack([portfolio_observation(series.prices, t, np.full(3, 0.2)) for t in range(50)]))
    with torch.no_grad():
        ours = DeterministicWeights(model, 3)(probe).numpy()
        again = DeterministicWeights(reloaded, 3)(probe).numpy()
    assert np.array_equal(ours, again)
    from agents.training.export import onnx_session

    onnx = onnx_session(tmp_path / "policy.onnx").run(["weights"], {"observation": probe.numpy()})[0]
    assert np.max(np.abs(onnx - ours)) < 1e-5


def test_backtest_env_portfolio_writes_json_report_and_csv(tmp_path):
    specs = ["hold", "mix:every=24", "mix:band=0.05", "momentum:lookback=48,top=2"]
    args = ["backtest", "portfolio", "--data", "synthetic", "--synthetic-days", "20"]
    args += ["--report", str(tmp_path / "rep"), "--json", str(tmp_path / "m.json"), "--pool-depth", "1e7"]
    for s in specs:
        args += ["--strategy", s]
    res = lamm(*args)
    assert res.returncode == 0, res.stderr
    doc = json.loads((tmp_path / "m.json").read_text())
    assert list(doc["strategies"]) == specs
    for metrics in doc["strategies"].values():
        assert set(metrics) == set(PORTFOLIO_METRICS)
        assert metrics["costs_paid"] > 0 and metrics["final_value"] > 0
    assert (tmp_path / "rep" / "report.html").is_file() and (tmp_path / "rep" / "steps.csv").is_file()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--strategy", "mixx"], "unknown portfolio strategy"),
        (["--strategy", "mix:band=2"], "band in (0, 1)"),
        (["--interval", "7x"], "interval '7x' is not understood"),
        (["--assets", "ETH", "--data", "synthetic"], None),
    ],
)
def test_portfolio_bad_input_is_one_clear_line_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "m.json"
    res = lamm("backtest", "portfolio", "--data", "synthetic", "--json", str(out), *args)
    if message is None:  # --assets is ignored on the synthetic market, which names its own assets
        assert res.returncode == 0, res.stderr
        return
    assert res.returncode == 2 and message in res.stderr, res.stderr
    assert not out.exists()


@requires_shared_data
def test_prices_file_assets_and_interval(tmp_path):
    prices = shared_data() / "binance-1m-usdt" / "prices.parquet"
    res = lamm(
        "backtest",
        "portfolio",
        "--data",
        str(prices),
        "--from",
        "2024-12-01",
        "--to",
        "2024-12-07",
        "--interval",
        "1h",
        "--assets",
        "ETH,BTC",
        "--strategy",
        "hold",
        "--json",
        str(tmp_path / "m.json"),
    )
    assert res.returncode == 0, res.stderr
    meta = json.loads((tmp_path / "m.json").read_text())["meta"]
    assert meta["assets"] == "ETH,BTC" and meta["steps"] == 7 * 24
    res = lamm("backtest", "portfolio", "--data", str(prices), "--assets", "ETH,NOPE")
    assert res.returncode == 2 and "NOPE not in" in res.stderr


def test_unknown_portfolio_spec_is_refused_before_any_work():
    with pytest.raises(ValueError, match="unknown portfolio strategy"):
        parse_portfolio_strategy("static:30")


@pytest.mark.parametrize("spec", ["hold", "mix", "mix:every=24", "mix:band=0.05", "momentum:lookback=24,top=2,every=6"])
@pytest.mark.parametrize("cfg", [ExecutionConfig(fee=0.001), ExecutionConfig(fee=0.003, depth=2e6, gas=3.0)])
def test_the_c_kernel_replays_exactly_what_the_python_loop_does(spec, cfg):
    series = synthetic_prices(n_assets=5, days=40, seed=4)
    fast = run_portfolio(series, parse_portfolio_strategy(spec), cfg)
    slow = run_portfolio(series, parse_portfolio_strategy(spec), cfg, compiled=False)
    assert np.allclose(fast.values, slow.values, rtol=1e-12) and np.allclose(fast.weights, slow.weights, atol=1e-12)
    assert np.allclose(fast.traded, slow.traded, rtol=1e-12, atol=1e-9) and fast.trades == slow.trades
    assert fast.fees == pytest.approx(slow.fees, rel=1e-12) and fast.impact == pytest.approx(slow.impact, abs=1e-6)
