"""The native vector environment: the same results as single environments, to the unit, on every path.

The oracle for one environment is the replay it wraps, stepped here in Python (start_replay, the rule map, the
PnL, the shaping and the shadow pool, as DynamicFeeEnv did before it stepped in C); the oracle for the vector
env is Gymnasium's SyncVectorEnv over single environments; the oracle for training is SB3's DummyVecEnv.
"""

from __future__ import annotations

import dataclasses

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv

import envs  # noqa: F401  (registers the environments)
from agents.training.config import TrainConfig
from agents.training.fee import _new_model, _vec_env, episode_steps
from envs.amm import NFEATURES, STEP_COLUMNS
from envs.features import observation_from_words
from envs.fee_batch import FeeBatch
from envs.fee_env import DynamicFeeEnv, default_market
from envs.fee_rule import FeeRule
from envs.fee_vec_env import DynamicFeeVecEnv
from envs.rule_map import OutputMap, RuleMap
from envs.simulation import FeeSimConfig, bps_to_pips, start_replay, step_pnl_bps

TWO = RuleMap(
    FeeRule(1500, skew_cap=4500, skew_tau=600),
    (OutputMap("base", 100, 10_000), OutputMap("skew_gain", 0, 40_000, log=False)),
)
DEBT, TVL = STEP_COLUMNS.index("debt"), STEP_COLUMNS.index("tvl")


@pytest.fixture(scope="module")
def market():
    return default_market(days=1, seed=5)


def reference_rollout(market, config, first, actions, rule_map, baseline, gamma):
    """DynamicFeeEnv's step before it moved to C: the replay driven from Python, one step at a time."""
    replay = start_replay(market, config, first)
    shadow = start_replay(market, dataclasses.replace(config, initial_fee_bps=baseline), first) if baseline else None
    debt = shadow_debt = 0.0
    lo, hi = np.zeros(NFEATURES, np.int64), np.zeros(NFEATURES, np.int64)

    def shaped(row, pnl, before):
        if gamma is None:
            return pnl, before
        now = float(row[0, DEBT] / row[0, TVL] * 1e4)
        return pnl + before - gamma * now, now

    out = []
    for k, action in zip(range(first, first + len(actions)), actions, strict=True):
        row = replay.run(market.step_end[k : k + 1], rule_map.rule(action).as_array()[None])
        reward, debt = shaped(row, float(step_pnl_bps(row)[0]), debt)
        if shadow is not None:
            srow = shadow.run(market.step_end[k : k + 1], np.array([bps_to_pips(baseline)]))
            shadow_reward, shadow_debt = shaped(srow, float(step_pnl_bps(srow)[0]), shadow_debt)
            reward -= shadow_reward
        replay.pool.features_into(int(market.step_time[k]), lo, hi)
        out.append((observation_from_words(lo, hi), reward, row[0].copy()))
    return out


@pytest.mark.parametrize(
    "rule_map, baseline, gamma",
    [(None, None, None), (None, 30.0, 0.9), (TWO, 30.0, None), (TWO, None, 0.95)],
)
def test_one_environment_steps_exactly_as_the_replay_it_wraps(market, rule_map, baseline, gamma):
    config = FeeSimConfig()
    env = DynamicFeeEnv(market, config, 300, baseline, gamma, rule_map)
    env.reset(seed=11)
    first = int(env._batch.step_index[0])
    rng = np.random.default_rng(3)
    actions = rng.uniform(-1.3, 1.3, size=(300, env.action_space.shape[0])).astype(np.float32)  # some clipped
    expected = reference_rollout(market, config, first, actions, env.rule_map, baseline, gamma)
    for t, (action, (obs, reward, row)) in enumerate(zip(actions, expected, strict=True)):
        got_obs, got_reward, terminated, truncated, info = env.step(action)
        assert np.array_equal(got_obs, obs) and got_reward == reward, t
        assert [info[c] for c in STEP_COLUMNS] == row.tolist(), t
        assert info["hedged_pnl_bps"] == float(step_pnl_bps(row[None])[0])
        assert not terminated and truncated == (t == 299)


def same(a, b, where: str) -> None:
    if isinstance(a, tuple | list):
        assert len(a) == len(b), where
        for x, y in zip(a, b, strict=True):
            same(x, y, where)
    elif isinstance(a, dict):
        assert set(a) == set(b), (where, sorted(set(a) ^ set(b)))
        for key in a:
            same(a[key], b[key], f"{where}/{key}")
    elif isinstance(a, np.ndarray) and a.dtype == object:
        for x, y in zip(a, b, strict=True):
            assert (x is None and y is None) or np.array_equal(x, y), where
    else:
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype and np.array_equal(a, b), (where, a, b)


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
def test_the_vector_entry_point_equals_n_single_environments(market, mode):
    """make_vec's vector entry point against SyncVectorEnv over DynamicFeeEnv: observations, rewards, flags
    and every info (with its mask), across several autoresets of 40-step windows."""
    kw = dict(market=market, episode_steps=40, reward_baseline_bps=30.0, reward_shaping_gamma=0.9, rule_map=TWO)
    vec = gym.make_vec("lamm/DynamicFee-v0", 5, vectorization_mode="vector_entry_point", autoreset_mode=mode, **kw)
    assert isinstance(vec.unwrapped, DynamicFeeVecEnv) and vec.metadata["autoreset_mode"] == mode
    ref = SyncVectorEnv([lambda: DynamicFeeEnv(**kw) for _ in range(5)], autoreset_mode=mode)
    assert vec.observation_space == ref.observation_space and vec.action_space == ref.action_space
    same(vec.reset(seed=7), ref.reset(seed=7), "reset")
    rng = np.random.default_rng(1)
    for t in range(130):
        actions = rng.uniform(-1, 1, size=(5, 2)).astype(np.float32)
        got, want = vec.step(actions), ref.step(actions)
        assert vec.observation_space.contains(got[0])
        for name, x, y in zip(("obs", "reward", "terminated", "truncated", "info"), got, want, strict=True):
            same(x, y, f"step {t} {name}")
    same(vec.reset(seed=[3, None, 4, None, 5]), ref.reset(seed=[3, None, 4, None, 5]), "reseed")


def test_threads_do_not_change_a_step(market):
    def run(threads):
        batch = FeeBatch(market, FeeSimConfig(), 70, 25, TWO, 30.0, 0.9, threads=threads)
        rng = np.random.default_rng(0)
        for e in range(70):
            batch.reset_env(e, rng)
        batch.active[:] = 1
        trace = []
        for t in range(60):
            batch.action[:] = np.sin(np.arange(140).reshape(70, 2) * (t + 1))
            done = batch.step()
            trace.append(np.concatenate([batch.obs.ravel(), batch.reward, batch.rows.ravel()]))
            for e in np.flatnonzero(done):
                batch.reset_env(int(e), rng)
        return np.array(trace)

    one = run(1)
    for threads in (2, 3, 70):
        assert np.array_equal(run(threads), one), threads


def test_training_on_the_vector_env_is_bit_identical_to_single_environments(market):
    """PPO on FeeVecEnv (one C call) ends with exactly the parameters it reaches on a DummyVecEnv of
    Monitor(scaled DynamicFeeEnv), as training ran before: same windows, rewards, dones and bootstraps."""
    torch.set_num_threads(1)
    cfg = TrainConfig(timesteps=1024, n_envs=4, n_steps=256, batch_size=64, n_epochs=2, episode_days=0.05)
    steps = episode_steps(market, cfg)

    def single():
        env = DynamicFeeEnv(market, cfg.sim, steps, cfg.reward_baseline_bps, cfg.gamma, cfg.rules)
        return Monitor(gym.wrappers.TransformReward(env, lambda r: r * cfg.reward_scale))

    params = []
    for env in (DummyVecEnv([single] * cfg.n_envs), _vec_env(market, cfg)):
        model = _new_model(cfg, env, None)
        model.learn(cfg.timesteps)
        params.append(torch.nn.utils.parameters_to_vector(model.policy.parameters()).detach().numpy())
        assert len(model.ep_info_buffer) >= cfg.n_envs  # episodes ended (72-step windows) and were recorded
    assert np.array_equal(params[0], params[1])


def test_bad_actions_and_misuse_are_refused_with_one_clear_message(market):
    vec = DynamicFeeVecEnv(3, market, episode_steps=5)
    with pytest.raises(RuntimeError, match="reset"):
        vec.step(np.zeros((3, 1)))
    vec.reset(seed=0)
    with pytest.raises(ValueError, match=r"shape \(3, 1\)"):
        vec.step(np.zeros((2, 1)))
    before = vec.batch.step_index.copy()
    with pytest.raises(ValueError, match="environment 1: its action .* not finite"):
        vec.step(np.array([[0.0], [np.nan], [0.0]]))
    assert np.array_equal(vec.batch.step_index, before)  # nothing stepped, nothing lost
    vec.step(np.zeros((3, 1)))
    assert np.array_equal(vec.batch.step_index, before + 1)
    with pytest.raises(ValueError, match="2 seeds for 3 environments"):
        vec.reset(seed=[1, 2])
    with pytest.raises(ValueError, match="same_step"):
        DynamicFeeVecEnv(2, market, autoreset_mode=AutoresetMode.DISABLED)
    single = DynamicFeeEnv(market, episode_steps=2)
    single.reset(seed=0)
    for _ in range(2):
        single.step([0.0])
    with pytest.raises(RuntimeError, match="end of its window: reset it"):
        single.step([0.0])
    with pytest.raises(ValueError, match="2 action values for 1 outputs"):
        single.step([0.0, 0.0])
