"""The federated fee policy: the deployed MLP's parameters as one flat vector, and the policy they make.

The network is the actor of the SB3 PPO models `lamm train fee` saves (observation -> hidden ReLU layers ->
one action in [-1, 1] per rule-map output), flattened in the state-dict order of that actor, so a federated
policy is written out as the same artifact (agents/fl/artifact.py) and goes through ONNX export and the zk path
unchanged."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from envs.amm import NFEATURES
from envs.fee_rule import FeeRule
from envs.rule_map import RuleMap
from strategies.base import FeeStrategy

# SB3 state-dict names of the actor's layers, in order: hidden layers then the action layer
HIDDEN_KEY = "mlp_extractor.policy_net.{}"
ACTION_KEY = "action_net"


@dataclass(frozen=True)
class PolicyShape:
    """The network's layer widths: observation, hidden..., outputs."""

    hidden: tuple[int, ...]
    outputs: int

    @property
    def widths(self) -> tuple[int, ...]:
        return (NFEATURES, *self.hidden, self.outputs)

    @property
    def dims(self) -> int:
        w = self.widths
        return sum(w[i] * w[i + 1] + w[i + 1] for i in range(len(w) - 1))

    def state_keys(self) -> list[str]:
        """SB3 state-dict keys of each weight and bias, in the vector's order."""
        keys = []
        for i in range(len(self.hidden)):
            keys += [HIDDEN_KEY.format(2 * i) + ".weight", HIDDEN_KEY.format(2 * i) + ".bias"]
        return keys + [ACTION_KEY + ".weight", ACTION_KEY + ".bias"]

    def layers(self, params: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """(weight out x in, bias) per layer, from the flat vector."""
        params = np.asarray(params, dtype=np.float64)
        if params.shape != (self.dims,):
            raise ValueError(f"policy parameters: shape {params.shape}, expected ({self.dims},)")
        out, at, w = [], 0, self.widths
        for i in range(len(w) - 1):
            n_w = w[i] * w[i + 1]
            out.append((params[at : at + n_w].reshape(w[i + 1], w[i]), params[at + n_w : at + n_w + w[i + 1]]))
            at += n_w + w[i + 1]
        return out

    def initial(self, action: np.ndarray, seed: int) -> np.ndarray:
        """A network that (nearly) always takes `action`: default-initialised hidden layers, a last layer
        shrunk to 1% with the action as its bias (as the cps trainer starts)."""
        torch.manual_seed(seed)
        net = actor_module(self)
        with torch.no_grad():
            net[-1].weight.mul_(0.01)
            net[-1].bias.copy_(torch.as_tensor(np.asarray(action, dtype=np.float32)))
        return module_vector(net)


def actor_module(shape: PolicyShape) -> torch.nn.Sequential:
    """The actor as a torch module (ReLU between layers; the output is clamped by the caller)."""
    layers: list[torch.nn.Module] = []
    w = shape.widths
    for i in range(len(w) - 1):
        layers.append(torch.nn.Linear(w[i], w[i + 1]))
        if i < len(w) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def module_vector(net: torch.nn.Sequential) -> np.ndarray:
    """The module's parameters as the flat float64 vector (weights then bias, layer by layer)."""
    return np.concatenate([p.detach().double().numpy().ravel() for p in net.parameters()])


def load_vector(net: torch.nn.Sequential, params: np.ndarray) -> None:
    at = 0
    with torch.no_grad():
        for p in net.parameters():
            n = p.numel()
            p.copy_(torch.as_tensor(params[at : at + n], dtype=torch.float32).reshape(p.shape))
            at += n


def act(shape: PolicyShape, params: np.ndarray, observations: np.ndarray) -> np.ndarray:
    """Actions in [-1, 1] for a batch of observations (float32 arithmetic, as the exported graph)."""
    x = np.atleast_2d(np.asarray(observations, dtype=np.float32))
    layers = shape.layers(params)
    for i, (w, b) in enumerate(layers):
        x = x @ w.astype(np.float32).T + b.astype(np.float32)
        if i < len(layers) - 1:
            x = np.maximum(x, 0.0)
    return np.clip(x, -1.0, 1.0)


class VectorPolicy(FeeStrategy):
    """A fee strategy from a parameter vector: decides like `learned:` every `interval_s` seconds."""

    def __init__(self, shape: PolicyShape, params: np.ndarray, rule_map: RuleMap, interval_s: int, spec: str):
        self.shape, self.params, self.rule_map, self.interval_s, self.spec = shape, params, rule_map, interval_s, spec
        shape.layers(params)  # refuses a wrong shape here, not mid-replay

    def decide(self, observation: np.ndarray) -> FeeRule:
        return self.rule_map.rule(act(self.shape, self.params, observation)[0])
