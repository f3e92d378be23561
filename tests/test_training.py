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
from conftest import requires_shared_data, shared_data

from agents.training.artifact import MODEL_FILE
from agents.training.config import TrainConfig
from agents.training.export import DeterministicPolicy, parity
from agents.training.fee import Period, load_model
from agents.training.jobs import TrainingJob, run_training_job
from agents.training.walk_forward import folds
from envs.features import FEATURE_NAMES
from envs.fee_env import DynamicFeeEnv, default_market
from envs.fee_rule import FeeRule
from envs.market import MarketSpec
from envs.rule_map import OutputMap, RuleMap
from envs.simulation import FeeSimConfig
from strategies.learned import LearnedFee

NF = len(FEATURE_NAMES)
FAST = TrainConfig(timesteps=4096, n_steps=1024, batch_size=256, n_epochs=4, eval_every=2048, checkpoint_every=2048)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("model")
    card = run_training_job(TrainingJob("synthetic", None, None, MarketSpec(), FAST, out))
    return out, card


def test_training_writes_every_artifact(trained):
    out, card = trained
    for name in ("model.zip", "policy.onnx", "policy.json", "card.json", "card.md", "checkpoints/last.zip"):
        assert (out / name).is_file(), name
    assert any((out / "tb").rglob("events.out.tfevents*"))
    on_disk = json.loads((out / "card.json").read_text())
    assert on_disk["training"]["timesteps"] == 4096 and on_disk["policy"]["parameters"] <= 5000
    ev = on_disk["evaluation"]
    assert {"static:20", "vol", "directional", "ewma", "nezlobin", f"learned:{out}"} <= set(ev["metrics"])
    assert ev["best_static_hindsight"] in ev["metrics"] and ev["best_heuristic"] in ev["metrics"]
    low, high = ev["paired"]["gain_vs_static_pct"]["low"], ev["paired"]["gain_vs_static_pct"]["high"]
    assert low <= ev["paired"]["gain_vs_static_pct"]["estimate"] <= high
    assert "over the best static fee" in (out / "card.md").read_text()


def test_reloaded_model_acts_identically(trained):
    out, _ = trained
    a, b = load_model(out / MODEL_FILE, "ppo"), load_model(out / MODEL_FILE, "ppo")
    obs = np.random.default_rng(1).uniform(-2, 2, (256, NF)).astype(np.float32)
    np.testing.assert_array_equal(a.predict(obs, deterministic=True)[0], b.predict(obs, deterministic=True)[0])


def test_onnx_action_matches_torch_on_1000_observations(trained):
    out, card = trained
    model = load_model(out / MODEL_FILE, "ppo")
    policy = DeterministicPolicy(model)
    obs = np.random.default_rng(2).uniform(-3, 3, (1000, NF)).astype(np.float32)
    assert parity(policy, out / "policy.onnx", obs) < 1e-6
    assert card["policy"]["onnx_parity_max_abs"] < 1e-6
    # the deployed strategy acts as SB3 does, to the pip
    env = DynamicFeeEnv(default_market(days=1))
    strategy = LearnedFee(out)
    for o in obs[:50]:
        want = env.rule_for_action(model.predict(o, deterministic=True)[0]).base
        assert abs(strategy.decide(o).base - want) <= 1
    with torch.no_grad():
        action = policy(torch.from_numpy(obs[:5])).numpy()
    np.testing.assert_allclose(strategy.actions(obs[:5]), action, atol=1e-6)


def test_resume_continues_from_the_last_checkpoint(tmp_path):
    job = TrainingJob("synthetic", None, None, MarketSpec(), replace(FAST, timesteps=2048), tmp_path)
    run_training_job(job)
    card = run_training_job(replace(job, config=replace(FAST, timesteps=4096), resume=True))
    assert card["training"]["timesteps"] == 4096


CPS = replace(FAST, algo="cps", learning_rate=3e-3, batch_size=1024, cps_grid=12, cps_horizon=5, cps_epochs=20)


def _mean_learned_fee(tmp_path: Path, beta: float, algo: str = "ppo") -> float:
    """Trains where flow is fee-elastic (beta high: low fees win) or inelastic (beta low: high fees win)."""
    base = FAST if algo == "ppo" else CPS
    sim = FeeSimConfig(beta=beta, flow="logit")  # uninformed flow only: its elasticity alone sets the fee
    cfg = replace(base, timesteps=12_288, sim=sim, eval_every=10**9, log_std_init=-0.5)
    out = tmp_path / f"{algo}-beta-{beta:g}"
    run_training_job(TrainingJob("synthetic", None, None, MarketSpec(), cfg, out))
    obs = []
    env = DynamicFeeEnv(default_market(days=1, seed=1), cfg.sim, episode_steps=300)
    o, _ = env.reset(seed=0)
    strategy = LearnedFee(out)
    for _ in range(300):
        obs.append(o)
        o, *_ = env.step(env.action_for_rule(strategy.decide(o)))
    return float(np.mean([strategy.decide(x).base / 100 for x in obs]))


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
    assert card["algo"] == "cps" and card["policy"]["onnx_parity_max_abs"] < 1e-6
    record = json.loads((tmp_path / "checkpoints" / "cps.json").read_text())
    assert record["grid_shape"] == [CPS.cps_grid] and -1 <= record["best_epoch"] < CPS.cps_epochs
    assert record["holdout_value"] >= record["holdout_value_of_base"]  # never worse than where it started
    obs = np.random.default_rng(3).uniform(-2, 2, (200, NF)).astype(np.float32)
    actions = LearnedFee(tmp_path).actions(obs)
    assert record["best_epoch"] == -1 or np.ptp(actions) > 0.01, "the fitted policy ignores its observation"
    with pytest.raises(ValueError, match="keeps no checkpoints"):
        run_training_job(TrainingJob("synthetic", None, None, MarketSpec(), CPS, tmp_path, resume=True))


def test_counterfactual_search_fits_a_policy_that_sets_two_rule_parameters(tmp_path):
    """With a rule map of two outputs (base fee and skew gain) the search runs on a grid over both, starts at
    the best grid point, and the artifact's strategy sets both parameters within their ranges."""
    rule_map = RuleMap(
        FeeRule(1500, skew_gain=2000, skew_cap=4500, skew_tau=600),
        (OutputMap("base", 500, 4500), OutputMap("skew_gain", 0, 4000, log=False)),
    )
    cfg = replace(CPS, cps_grid=5, cps_horizon=3, cps_epochs=10, rule_map=rule_map, step="5m")
    run_training_job(TrainingJob("synthetic", None, None, MarketSpec(), cfg, tmp_path))
    record = json.loads((tmp_path / "checkpoints" / "cps.json").read_text())
    assert record["grid_shape"] == [5, 5] and len(record["base_action"]) == 2
    strategy = LearnedFee(tmp_path)
    assert strategy.interval_s == 300 and strategy.rule_map == rule_map
    for o in np.random.default_rng(4).uniform(-2, 2, (50, NF)).astype(np.float32):
        rule = strategy.decide(o)
        assert 500 <= rule.base <= 4500 and 0 <= rule.skew_gain <= 4000 and rule.skew_tau == 600


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


@requires_shared_data
def test_theory_one_symmetric_fee_under_logit_flow_ties_the_best_static_fee(tmp_path):
    """With one symmetric fee and flow whose fee elasticity is constant (the logit model) the optimal fee is
    static: the best learned policy (cps, trained on the training days) ties the best static fee chosen with
    hindsight on the validation days, within 0.5%."""
    sim = FeeSimConfig(flow="logit")
    cfg = replace(CPS, sim=sim, step="5m", cps_grid=24, cps_horizon=4, cps_epochs=30, batch_size=512)
    swaps = str(shared_data("arbitrum-univ3-weth-usdt-005", "swaps"))
    train, val = Period(date(2025, 5, 4), date(2025, 7, 5)), Period(date(2025, 7, 6), date(2025, 7, 30))
    card = run_training_job(TrainingJob(swaps, train, val, MarketSpec(), cfg, tmp_path))
    paired = card["evaluation"]["paired"]
    assert card["policy"]["outputs"] == ["base"]
    assert abs(paired["gain_vs_static_pct"]["estimate"]) <= 0.5, paired["gain_vs_static_pct"]
