"""Learned fee policies: training end to end, artifacts, ONNX parity, learning that works, folds, errors."""

import json
import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
import torch

from agents.training.artifact import MODEL_FILE
from agents.training.config import TrainConfig
from agents.training.export import DeterministicFeePolicy, parity
from agents.training.fee import load_model
from agents.training.jobs import TrainingJob, run_training_job
from agents.training.walk_forward import folds
from envs.fee_env import DynamicFeeEnv, default_market
from envs.market import MarketSpec
from envs.simulation import FeeSimConfig
from strategies.learned import LearnedFee

FAST = TrainConfig(timesteps=4096, n_steps=1024, batch_size=256, n_epochs=4, eval_every=2048, checkpoint_every=2048)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("model")
    card = run_training_job(TrainingJob("synthetic", None, None, MarketSpec(), FAST, out))
    return out, card


def test_training_writes_every_artifact(trained):
    out, card = trained
    for name in ("model.zip", "policy.onnx", "card.json", "card.md", "checkpoints/last.zip"):
        assert (out / name).is_file(), name
    assert any((out / "tb").rglob("events.out.tfevents*"))
    on_disk = json.loads((out / "card.json").read_text())
    assert on_disk["training"]["timesteps"] == 4096 and on_disk["policy"]["parameters"] <= 5000
    assert {"static:16", "vol", "directional", f"learned:{out}"} <= set(on_disk["evaluation"]["metrics"])
    assert "margin over the best baseline" in (out / "card.md").read_text()


def test_reloaded_model_acts_identically(trained):
    out, _ = trained
    a, b = load_model(out / MODEL_FILE, "ppo"), load_model(out / MODEL_FILE, "ppo")
    obs = np.random.default_rng(1).uniform(-2, 2, (256, 7)).astype(np.float32)
    np.testing.assert_array_equal(a.predict(obs, deterministic=True)[0], b.predict(obs, deterministic=True)[0])


def test_onnx_fee_matches_torch_on_1000_observations(trained):
    out, card = trained
    model = load_model(out / MODEL_FILE, "ppo")
    policy = DeterministicFeePolicy(model, 100, 10_000)
    obs = np.random.default_rng(2).uniform(-3, 3, (1000, 7)).astype(np.float32)
    assert parity(policy, out / "policy.onnx", obs) < 1e-5
    assert card["policy"]["onnx_parity_max_relative"] < 1e-5
    # the deployed strategy acts as SB3 does, to the pip
    env = DynamicFeeEnv(default_market(days=1))
    strategy = LearnedFee(out)
    for o in obs[:50]:
        assert abs(strategy.decide(o) - env.fee_for_action(model.predict(o, deterministic=True)[0])) <= 1
    with torch.no_grad():
        fee = policy(torch.from_numpy(obs[:5])).numpy()[:, 0]
    np.testing.assert_allclose(strategy.fee_bps(obs[:5]), fee, rtol=1e-5)


def test_resume_continues_from_the_last_checkpoint(tmp_path):
    job = TrainingJob("synthetic", None, None, MarketSpec(), replace(FAST, timesteps=2048), tmp_path)
    run_training_job(job)
    card = run_training_job(replace(job, config=replace(FAST, timesteps=4096), resume=True))
    assert card["training"]["timesteps"] == 4096


CPS = replace(FAST, algo="cps", learning_rate=3e-3, batch_size=1024, cps_grid=12, cps_horizon=5, cps_epochs=20)


def _mean_learned_fee(tmp_path: Path, beta: float, algo: str = "ppo") -> float:
    """Trains where flow is fee-elastic (beta high: low fees win) or inelastic (beta low: high fees win)."""
    base = FAST if algo == "ppo" else CPS
    cfg = replace(base, timesteps=12_288, sim=FeeSimConfig(beta=beta), eval_every=10**9, log_std_init=-0.5)
    out = tmp_path / f"{algo}-beta-{beta:g}"
    run_training_job(TrainingJob("synthetic", None, None, MarketSpec(), cfg, out))
    obs = []
    env = DynamicFeeEnv(default_market(days=1, seed=1), cfg.sim, episode_steps=300)
    o, _ = env.reset(seed=0)
    strategy = LearnedFee(out)
    for _ in range(300):
        obs.append(o)
        o, *_ = env.step(env.action_for_fee(strategy.decide(o)))
    return float(np.mean(strategy.fee_bps(np.array(obs))))


@pytest.mark.parametrize("algo", ["ppo", "cps"])
def test_learning_raises_the_fee_where_high_fees_pay(tmp_path, algo):
    low = _mean_learned_fee(tmp_path, beta=5000.0, algo=algo)  # revenue-optimal fee 1/beta = 2 bps
    high = _mean_learned_fee(tmp_path, beta=50.0, algo=algo)  # flow barely reacts: the highest fee pays
    assert high > 2 * low, (low, high)


def test_counterfactual_search_builds_the_same_artifact(tmp_path):
    """cps: an SB3 model, ONNX graph and card like the other algorithms, the search's record beside them, and a
    policy the fit moved away from its constant start."""
    card = run_training_job(TrainingJob("synthetic", None, None, MarketSpec(), CPS, tmp_path))
    for name in ("model.zip", "policy.onnx", "card.json", "card.md", "checkpoints/cps.json"):
        assert (tmp_path / name).is_file(), name
    assert any((tmp_path / "tb").rglob("events.out.tfevents*"))
    assert card["algo"] == "cps" and card["policy"]["onnx_parity_max_relative"] < 1e-5
    record = json.loads((tmp_path / "checkpoints" / "cps.json").read_text())
    assert record["base_fee_pips"] in record["grid_pips"] and 0 <= record["best_epoch"] < CPS.cps_epochs
    obs = np.random.default_rng(3).uniform(-2, 2, (200, 7)).astype(np.float32)
    fees = LearnedFee(tmp_path).fee_bps(obs)
    assert np.ptp(fees) > 0.01 * fees.mean(), "the fitted policy ignores its observation"
    with pytest.raises(ValueError, match="keeps no checkpoints"):
        run_training_job(TrainingJob("synthetic", None, None, MarketSpec(), CPS, tmp_path, resume=True))


def test_walk_forward_folds_never_overlap_their_evaluation():
    days = [date(2025, 5, 1) + timedelta(d) for d in range(20) if d % 7 != 3]
    for k in (1, 3, 5):
        fs = folds(days, k)
        assert len(fs) == k
        for i, (train, ev) in enumerate(fs):
            assert train.start == days[0] and train.end < ev.start
            assert all(ev.end < later.start for _, later in fs[i + 1 :])
    with pytest.raises(ValueError, match="cannot make"):
        folds(days[:3], 5)


def lamm(*args):
    return subprocess.run([sys.executable, "-m", "lamm.cli", *args], capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize(
    "args, words",
    [
        (["--algo", "dqn"], "unknown algorithm"),
        (
            [
                "--data",
                "/no/such/dir",
                "--train-from",
                "2025-01-01",
                "--train-to",
                "2025-01-02",
                "--val-from",
                "2025-01-03",
                "--val-to",
                "2025-01-04",
            ],
            "no such file",
        ),
        (
            [
                "--data",
                "/tmp",
                "--train-from",
                "2025-01-01",
                "--train-to",
                "2025-01-05",
                "--val-from",
                "2025-01-03",
                "--val-to",
                "2025-01-09",
            ],
            "overlaps",
        ),
        (
            [
                "--data",
                "/tmp",
                "--train-from",
                "2025-01-05",
                "--train-to",
                "2025-01-01",
                "--val-from",
                "2025-01-06",
                "--val-to",
                "2025-01-09",
            ],
            "ends before it starts",
        ),
        (["--data", "/tmp"], "give --train-from"),
    ],
)
def test_bad_training_input_is_refused_clearly(tmp_path, args, words):
    res = lamm("train", "fee", "--out", str(tmp_path / "m"), "--timesteps", "100", *args)
    assert res.returncode == 2 and words in res.stderr and "Traceback" not in res.stderr


def test_empty_period_is_refused(tmp_path):
    from conftest import requires_shared_data, shared_data  # noqa: F401

    data = shared_data("arbitrum-univ3-weth-usdt-005", "swaps")
    if not data.is_dir():
        pytest.skip(f"real market data not found at {data}")
    res = lamm(
        "train",
        "fee",
        "--data",
        str(data),
        "--train-from",
        "2025-05-08",
        "--train-to",
        "2025-05-10",
        "--val-from",
        "2025-07-06",
        "--val-to",
        "2025-07-07",
        "--out",
        str(tmp_path / "m"),
        "--timesteps",
        "100",
    )
    assert res.returncode == 2 and "no" in res.stderr and "2025-05-08" in res.stderr


def test_two_trial_sweep_on_a_local_ray_instance(tmp_path):
    res = lamm(
        "tune",
        "fee",
        "--data",
        "synthetic",
        "--trials",
        "2",
        "--parallel",
        "2",
        "--timesteps",
        "1024",
        "--n-envs",
        "1",
        "--backend",
        "ray",
        "--out",
        str(tmp_path / "sweep"),
    )
    assert res.returncode == 0, res.stderr[-2000:]
    summary = json.loads((tmp_path / "sweep" / "tune.json").read_text())
    assert len(summary["trials"]) == 2 and (tmp_path / "sweep" / "best.toml").is_file()
    assert all((tmp_path / "sweep" / "trials" / f"trial-{i}" / "policy.onnx").is_file() for i in range(2))
