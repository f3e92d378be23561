"""The deployable fee policy: an SB3 policy's deterministic path as a small torch module and an ONNX graph.

The graph maps the observation (envs.features) to the action, one value in [-1, 1] per output of the rule map
(envs.rule_map): the actor's mean action, squashed (SAC) or clipped (PPO) to [-1, 1] exactly as SB3 acts
deterministically. `policy.json` beside the graph holds the rule map that turns the action into the pool's
fee rule; the pool's clamp (max change of the base per update) is applied outside. The same graph, at batch
size 1, is what the zero-knowledge circuit proves.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from envs.rule_map import RuleMap
from strategies.learned import MAP_FILE
from strategies.onnx_policy import ONNX_INPUT, ONNX_OUTPUT, onnx_session


class DeterministicPolicy(nn.Module):
    """observation -> action in [-1, 1]^m of a trained PPO or SAC policy."""

    def __init__(self, model):
        super().__init__()
        policy = model.policy
        if hasattr(policy, "actor"):  # SAC: tanh-squashed Gaussian
            self.latent, self.head, self.squash = policy.actor.latent_pi, policy.actor.mu, True
        else:  # PPO: Gaussian, clipped to the action bounds
            self.latent, self.head, self.squash = policy.mlp_extractor.policy_net, policy.action_net, False

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        a = self.head(self.latent(obs))
        return torch.tanh(a) if self.squash else torch.clamp(a, -1.0, 1.0)


def parameter_count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def export_onnx(policy: nn.Module, n_features: int, path: Path, batch: int | None = None) -> Path:
    """Writes the ONNX graph (opset 17): the batch dimension dynamic, or fixed at `batch` (EZKL needs every
    dimension fixed)."""
    policy = policy.eval()
    dynamic = None if batch else {ONNX_INPUT: {0: "batch"}, ONNX_OUTPUT: {0: "batch"}}
    torch.onnx.export(
        policy,
        (torch.zeros(batch or 1, n_features, dtype=torch.float32),),
        str(path),
        input_names=[ONNX_INPUT],
        output_names=[ONNX_OUTPUT],
        dynamic_axes=dynamic,
        opset_version=17,
        dynamo=False,
    )
    return path


def write_rule_map(rule_map: RuleMap, graph: Path, interval_s: int | None = None) -> Path:
    """policy.json beside the graph: the rule map, and how often the policy decides (seconds)."""
    path = graph.with_name(MAP_FILE)
    path.write_text(json.dumps({"rule_map": rule_map.as_dict(), "interval_s": interval_s}, indent=2) + "\n")
    return path


def parity(policy: nn.Module, onnx_path: Path, observations: np.ndarray) -> float:
    """Largest absolute difference between the torch and the ONNX action on the observations."""
    obs = np.ascontiguousarray(observations, dtype=np.float32)
    with torch.no_grad():
        ours = policy(torch.from_numpy(obs)).numpy().astype(np.float64)
    theirs = onnx_session(onnx_path).run([ONNX_OUTPUT], {ONNX_INPUT: obs})[0].astype(np.float64)
    return float(np.max(np.abs(ours - theirs)))
