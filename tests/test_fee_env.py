"""DynamicFeeEnv: API conformance, determinism, and agreement with the backtester."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import envs  # noqa: F401  (registers the environment)
from backtests.engine import run_fee_strategy
from envs.fee_env import DynamicFeeEnv, default_market
from envs.fee_rule import FeeRule
from envs.rule_map import OutputMap, RuleMap
from envs.simulation import FeeSimConfig, bps_to_pips, start_replay, step_pnl_bps
from strategies.spec import parse_fee_strategy


@pytest.fixture(scope="module")
def market():
    return default_market(days=1, seed=3)


def test_passes_gymnasium_and_sb3_checks(market):
    check_env(DynamicFeeEnv(market, episode_steps=50), skip_render_check=True)
    sb3_check_env(DynamicFeeEnv(market, episode_steps=50), warn=False)


def test_registered_under_lamm_namespace(market):
    env = gym.make("lamm/DynamicFee-v0", market=market, episode_steps=10)
    obs, _ = env.reset(seed=0)
    assert env.observation_space.contains(obs)


def test_deterministic_under_seed(market):
    def rollout(seed):
        env = DynamicFeeEnv(market, episode_steps=200)
        obs, _ = env.reset(seed=seed)
        rng = np.random.default_rng(seed)
        total, trace = 0.0, [obs]
        for _ in range(200):
            obs, r, _, trunc, _ = env.step(rng.uniform(-1, 1, 1).astype(np.float32))
            total += r
            trace.append(obs)
            if trunc:
                break
        return total, np.array(trace)

    a, b, c = rollout(7), rollout(7), rollout(8)
    assert a[0] == b[0] and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])


def test_action_rule_mapping_round_trips_and_spans_the_bounds(market):
    env = DynamicFeeEnv(market)
    cfg = env.config.pool
    assert env.rule_for_action([-1.0]).base == cfg.fee_min and env.rule_for_action([1.0]).base == cfg.fee_max
    for pips in (100, 500, 1234, 3000, 10_000):
        assert env.rule_for_action(env.action_for_rule(pips)) == FeeRule(pips)
    two = RuleMap(
        FeeRule(1500, skew_cap=4500, skew_tau=600),
        (OutputMap("base", 500, 4500), OutputMap("skew_gain", 0, 4000, log=False)),
    )
    env = DynamicFeeEnv(market, rule_map=two)
    assert env.action_space.shape == (2,)
    rule = FeeRule(1500, skew_gain=2000, skew_cap=4500, skew_tau=600)
    assert env.rule_for_action(env.action_for_rule(rule)) == rule
    assert env.rule_for_action([1.0, -1.0]) == FeeRule(4500, skew_gain=0, skew_cap=4500, skew_tau=600)


@pytest.mark.parametrize("spec", ["static:30", "vol", "directional"])
def test_env_loop_and_backtester_agree(market, spec):
    """The same strategy, driven through env.step and through the backtest engine, earns the same PnL."""
    config = FeeSimConfig()
    strategy = parse_fee_strategy(spec)
    env = DynamicFeeEnv(market, config)
    obs, _ = env.reset(seed=0)
    rewards = []
    truncated = False
    while not truncated:
        obs, reward, _, truncated, _ = env.step(env.action_for_rule(strategy.decide(obs)))
        rewards.append(reward)
    run = run_fee_strategy(market, strategy, config)
    assert len(rewards) == market.n_steps
    np.testing.assert_array_equal(np.array(rewards), step_pnl_bps(run.steps))


def test_clamp_limits_fee_moves_per_step(market):
    env = DynamicFeeEnv(market, FeeSimConfig(initial_fee_bps=30, max_fee_change_bps=5))
    env.reset(seed=0)
    fees = [env.step([1.0])[4]["fee_pips"] for _ in range(20)]
    assert fees[0] == 3500 and np.all(np.diff(fees)[:13] == 500) and fees[-1] == 10_000


def test_env_rewards_add_up_to_what_lamm_backtest_reports(tmp_path):
    """The env loop and the `lamm backtest` command agree on a static strategy's hedged PnL."""
    import json
    import subprocess
    import sys

    days, seed = 1, 4
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "lamm.cli",
            "backtest",
            "--data",
            "synthetic",
            "--synthetic-days",
            str(days),
            "--seed",
            str(seed),
            "--strategy",
            "static:10",
            "--json",
            str(tmp_path / "m.json"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    reported = json.loads((tmp_path / "m.json").read_text())["strategies"]["static:10"]
    market = default_market(days=days, seed=seed)
    env = DynamicFeeEnv(market)
    env.reset(seed=0)
    total, truncated = 0.0, False
    while not truncated:
        _, reward, _, truncated, _ = env.step(env.action_for_rule(1000))
        total += reward
    assert total / market.days == pytest.approx(reported["hedged_pnl_bps_per_day"], rel=1e-12)


@pytest.mark.parametrize("step", ["block", "20blocks", "5m"])
def test_steps_by_blocks_or_seconds_partition_the_swaps(market, step):
    from envs.market import build_market
    from envs.synthetic import generate_swaps

    m = build_market(generate_swaps(days=1, seed=3), step=step)
    bounds = np.r_[0, m.step_end]
    assert bounds[-1] == len(m.price) and np.all(np.diff(bounds) >= 0)
    if step.endswith("blocks") or step == "block":
        n = 1 if step == "block" else 20
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            if b > a:
                assert (m.block[a:b] - m.block[0]).max() // n == (m.block[a:b] - m.block[0]).min() // n
    check_env(DynamicFeeEnv(m, episode_steps=20), skip_render_check=True)


def test_what_if_steps_leave_no_trace(market):
    """A counterfactual step (the same step from the same state at another fee) changes nothing: the replay
    goes on exactly as one that never tried it, to the wei and the feature."""
    cfg = FeeSimConfig()
    probed, plain = start_replay(market, cfg), start_replay(market, cfg)
    fee = np.array([bps_to_pips(18)], dtype=np.int64)
    for k in range(60):
        bounds = market.step_end[k : k + 1]
        with probed.what_if() as trial:
            trial.run(market.step_end[k : k + 5], np.full(5, bps_to_pips(3), dtype=np.int64))
        np.testing.assert_array_equal(probed.run(bounds, fee), plain.run(bounds, fee))
    assert probed.pool.state == plain.pool.state and probed.ledger == plain.ledger
    assert probed.position == plain.position and probed.fair_price == plain.fair_price
