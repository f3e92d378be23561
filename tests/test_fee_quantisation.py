"""Quantisation honesty for the shipped policy: the fee FeeController receives (the proven action on its fee grid)
equals the ONNX policy's fee on the same features within one grid step."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from agents.zk.circuit import ZkModel
from agents.zk.prover import proven_action
from envs.features import OBS_CLIP, OBS_SCALE, WAD, observation, quantised_observation
from envs.synthetic import feature_samples
from strategies.learned import LearnedFee

SHIPPED = Path(__file__).resolve().parents[1] / "models" / "fee-arbitrum"


def box_samples(n: int) -> list[list[int]]:
    """Features whose observations lie anywhere in the clipped box."""
    obs = np.random.default_rng(1).uniform(-OBS_CLIP, OBS_CLIP, (n, len(OBS_SCALE)))
    obs[:, 0] = np.abs(obs[:, 0])  # a fee is never negative
    return [[int(v) for v in row / OBS_SCALE * WAD] for row in obs]


def test_the_proven_fee_is_the_onnx_fee_within_one_grid_step():
    zk = ZkModel.load(SHIPPED / "zk")
    policy = LearnedFee(SHIPPED)
    grid = zk.grid
    worst = 0.0
    for features in feature_samples(60, seed=7) + box_samples(20):
        onnx_pips = float(policy.fee_bps(observation(features))[0]) * 100
        proven = grid.fee(proven_action(zk, features))
        steps = abs(np.log(proven / onnx_pips)) / np.log1p(grid.step)
        worst = max(worst, steps)
        assert abs(proven - onnx_pips) <= onnx_pips * grid.step + 0.5, (features, proven, onnx_pips)
    assert worst > 0  # the comparison saw quantisation at all


def test_quantised_observations_match_the_float_observation():
    for features in feature_samples(20, seed=2) + box_samples(20):
        q = np.array(quantised_observation(features, 10)) / 2**10
        assert np.max(np.abs(q - observation(features))) <= 2**-11 + 1e-6
