"""Quantisation honesty for the shipped policy: the rule FeeController receives (the proven actions on its grid)
equals the ONNX policy's rule on the same features within one grid step of each parameter."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from agents.zk.circuit import ZkModel
from agents.zk.prover import proven_actions
from envs.features import OBS_CLIP, OBS_SCALE, WAD, observation, quantised_observation
from envs.synthetic import feature_samples
from strategies.learned import LearnedFee

SHIPPED = Path(__file__).resolve().parents[1] / "models" / "fee-arbitrum"


def box_samples(n: int) -> list[list[int]]:
    """Features whose observations lie anywhere in the clipped box."""
    obs = np.random.default_rng(1).uniform(-OBS_CLIP, OBS_CLIP, (n, len(OBS_SCALE)))
    obs[:, 0] = np.abs(obs[:, 0])  # a fee is never negative
    return [[int(v) for v in row / OBS_SCALE * WAD] for row in obs]


def test_the_proven_rule_is_the_onnx_rule_within_one_grid_step():
    zk = ZkModel.load(SHIPPED / "zk")
    policy = LearnedFee(SHIPPED)
    grid = zk.grid
    assert grid.rule_map == policy.rule_map
    seen_rounding = False
    for features in feature_samples(60, seed=7, rule=grid.rule_map.template) + box_samples(20):
        onnx = policy.decide(observation(features))
        proven = grid.rule(proven_actions(zk, features))
        for output in grid.rule_map.outputs:
            want, got = getattr(onnx, output.field), getattr(proven, output.field)
            step = grid.step(output)
            tolerance = want * step + 1 if output.log else step + 1
            assert abs(got - want) <= tolerance, (output.field, features, got, want)
            seen_rounding |= got != want
        for field in ("skew_cap", "skew_tau", "vol_gain", "twap_gain", "surge_fee"):
            assert getattr(proven, field) == getattr(onnx, field)  # the template's
    assert seen_rounding  # the comparison saw quantisation at all


def test_quantised_observations_match_the_float_observation():
    for features in feature_samples(20, seed=2) + box_samples(20):
        q = np.array(quantised_observation(features, 10)) / 2**10
        assert np.max(np.abs(q - observation(features))) <= 2**-11 + 1e-6
