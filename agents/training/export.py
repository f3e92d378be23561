"""The deployable fee policy: an SB3 policy's deterministic path as a small torch module and an ONNX graph.

The graph maps the observation (envs.features) to the fee in basis points: the actor's mean action,
squashed (SAC) or clipped (PPO) to [-1, 1] exactly as SB3 acts deterministically, then the environment's
log-linear map onto [fee_min, fee_max]. The pool's clamp (max change per update) is applied outside.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from torch import nn

from strategies.onnx_policy import ONNX_INPUT, ONNX_OUTPUT, onnx_session


class DeterministicFeePolicy(nn.Module):
    """observation -> fee (bps) of a trained PPO or SAC policy."""

    def __init__(self, model, fee_min_pips: int, fee_max_pips: int):
        super().__init__()
        policy = model.policy
        if hasattr(policy, "actor"):  # SAC: tanh-squashed Gaussian
            self.latent, self.head, self.squash = policy.actor.latent_pi, policy.actor.mu, True
        else:  # PPO: Gaussian, clipped to the action bounds
            self.latent, self.head, self.squash = policy.mlp_extractor.policy_net, policy.action_net, False
        self.log_min = math.log(max(fee_min_pips, 1))
        self.log_span = math.log(fee_max_pips) - self.log_min

    def action(self, obs: torch.Tensor) -> torch.Tensor:
        a = self.head(self.latent(obs))
        return torch.tanh(a) if self.squash else torch.clamp(a, -1.0, 1.0)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        a = self.action(obs)
        return torch.exp(self.log_min + (a + 1.0) * (0.5 * self.log_span)) / 100.0


class ActionGraph(nn.Module):
    """observation -> action in [-1, 1]: what the circuit proves (the fee map runs in FeeController.vy)."""

    def __init__(self, policy: DeterministicFeePolicy):
        super().__init__()
        self.policy = policy

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.policy.action(obs)


def export_action_onnx(module: nn.Module, n_features: int, path: Path) -> Path:
    """Writes a batch-1 ONNX graph of `module` (EZKL needs every dimension fixed)."""
    torch.onnx.export(
        module.eval(),
        (torch.zeros(1, n_features, dtype=torch.float32),),
        str(path),
        input_names=[ONNX_INPUT],
        output_names=["action"],
        opset_version=17,
        dynamo=False,
    )
    return path


def parameter_count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def export_onnx(policy: DeterministicFeePolicy, n_features: int, path: Path) -> Path:
    """Writes the ONNX graph (batch dimension dynamic, opset 17)."""
    policy = policy.eval()
    example = torch.zeros(1, n_features, dtype=torch.float32)
    torch.onnx.export(
        policy,
        (example,),
        str(path),
        input_names=[ONNX_INPUT],
        output_names=[ONNX_OUTPUT],
        dynamic_axes={ONNX_INPUT: {0: "batch"}, ONNX_OUTPUT: {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    return path


def parity(policy: DeterministicFeePolicy, onnx_path: Path, observations: np.ndarray) -> float:
    """Largest relative difference between the torch and the ONNX fee on the observations (float32 holds
    about 7 digits, so this is the meaningful measure for fees from 1 to 100 bps)."""
    obs = np.ascontiguousarray(observations, dtype=np.float32)
    with torch.no_grad():
        ours = policy(torch.from_numpy(obs)).numpy().astype(np.float64)
    theirs = onnx_session(onnx_path).run([ONNX_OUTPUT], {ONNX_INPUT: obs})[0].astype(np.float64)
    return float(np.max(np.abs(ours - theirs) / ours))
