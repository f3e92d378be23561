"""A small policy for proof tests, whose fee moves with volatility, and its circuit."""

from __future__ import annotations

import math
from pathlib import Path

import torch

from agents.training.export import export_action_onnx
from agents.zk.circuit import build_circuit
from envs.amm import NFEATURES


class VolatilityPolicy(torch.nn.Module):
    """A small ReLU policy whose action rises with short-term volatility (observation 1) from `base`."""

    def __init__(self, base: float, slope: float):
        super().__init__()
        self.hidden = torch.nn.Linear(NFEATURES, 2)
        self.out = torch.nn.Linear(2, 1)
        with torch.no_grad():
            self.hidden.weight.zero_()
            self.hidden.bias.zero_()
            self.hidden.weight[0, 1], self.hidden.weight[1, 1] = 1.0, -1.0
            self.out.weight[:] = torch.tensor([[slope, -slope]])
            self.out.bias[:] = base

    def forward(self, obs):
        return torch.clamp(self.out(torch.relu(self.hidden(obs))), -1.0, 1.0)


def action_for_fee(bps: float) -> float:
    """The action whose fee on the 1..100 bps log-linear map is `bps`."""
    return 2 * math.log(bps) / math.log(100) - 1


def volatility_circuit(folder: Path, base_bps: float = 40.0, slope: float = 0.01):
    """The circuit of VolatilityPolicy (fee `base_bps` at zero volatility) built in `folder`/zk."""
    graph = export_action_onnx(VolatilityPolicy(action_for_fee(base_bps), slope), NFEATURES, folder / "graph.onnx")
    return build_circuit(graph, folder / "zk", fee_lo=100, fee_hi=10_000, log=lambda _: None)
