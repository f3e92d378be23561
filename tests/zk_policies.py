"""A small policy for proof tests, which sets two parameters of the fee rule (a base fee that moves with
volatility, and a constant skew gain), and its circuit."""

from __future__ import annotations

import math
from pathlib import Path

import torch

from agents.training.export import export_onnx
from agents.zk.circuit import build_circuit
from envs.amm import NFEATURES
from envs.fee_rule import FeeRule
from envs.rule_map import OutputMap, RuleMap

RULE_MAP = RuleMap(
    FeeRule(3000, skew_cap=4500, skew_tau=600),
    (OutputMap("base", 100, 10_000), OutputMap("skew_gain", 0, 4000, log=False)),
)


class VolatilityPolicy(torch.nn.Module):
    """A small ReLU policy: its first action rises with short-term volatility (observation 1) from `base`, its
    second is the constant `gain`."""

    def __init__(self, base: float, slope: float, gain: float = 0.0):
        super().__init__()
        self.hidden = torch.nn.Linear(NFEATURES, 2)
        self.out = torch.nn.Linear(2, 2)
        with torch.no_grad():
            self.hidden.weight.zero_()
            self.hidden.bias.zero_()
            self.hidden.weight[0, 1], self.hidden.weight[1, 1] = 1.0, -1.0
            self.out.weight.zero_()
            self.out.weight[0] = torch.tensor([slope, -slope])
            self.out.bias[:] = torch.tensor([base, gain])

    def forward(self, obs):
        return torch.clamp(self.out(torch.relu(self.hidden(obs))), -1.0, 1.0)


def action_for_fee(bps: float) -> float:
    """The action whose fee on the 1..100 bps log-linear map is `bps`."""
    return 2 * math.log(bps) / math.log(100) - 1


def volatility_circuit(folder: Path, base_bps: float = 40.0, slope: float = 0.01, gain: float = 0.0):
    """The circuit of VolatilityPolicy (fee `base_bps` at zero volatility; skew gain 2 at gain 0) in folder/zk."""
    policy = VolatilityPolicy(action_for_fee(base_bps), slope, gain)
    graph = export_onnx(policy, NFEATURES, folder / "graph.onnx", batch=1)
    return build_circuit(graph, folder / "zk", RULE_MAP, log=lambda _: None)
