"""A federated client: its shard's counterfactual values, and one round of local training from the global policy.

A client replays its own market once along the path of the round-zero policy's action (the base), trying every
point of the action grid at each step and following it for a few steps (agents/training/policy_search.py
`deviation_values`: common random numbers, so the market's noise cancels between actions). That table is its
training data for every round. Local training is gradient ascent of the value of the policy's action (read off
the table, multilinearly) from the global parameters, for a fixed number of epochs with a fresh Adam; the
update is the change of the parameters, sent as fixed point (agents/fl/fixed_point.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from agents.fl.policy import PolicyShape, actor_module, load_vector, module_vector
from agents.training.policy_search import action_grid, deviation_values, interpolate
from envs.market import Market
from envs.rule_map import RuleMap
from envs.simulation import FeeSimConfig


@dataclass
class ClientData:
    """A shard's training table: observations (n x 8) and the value of each grid action there (n x K),
    centred per step and scaled to unit spread (only differences between actions matter)."""

    obs: np.ndarray
    values: np.ndarray
    grid_shape: tuple[int, ...]

    @property
    def steps(self) -> int:
        return len(self.obs)


def prepare(
    market: Market, sim: FeeSimConfig, rule_map: RuleMap, base: np.ndarray, grid_points: int, horizon: int
) -> ClientData:
    grid, shape = action_grid(rule_map, grid_points)
    obs, values = deviation_values(market, sim, rule_map, base, grid, horizon)
    values = values - values.mean(axis=1, keepdims=True)
    return ClientData(obs, values / (float(values.std()) or 1.0), shape)


def corrupted(data: ClientData, how: str, seed: int) -> ClientData:
    """The shard as a data-poisoning client or a noisy one sees it: "reversed" rewards (every action's value
    negated: it learns the worst fee), "random" values, or "noise:S" (Gaussian noise of S spreads added)."""
    rng = np.random.default_rng(seed)
    if how == "reversed":
        values = -data.values
    elif how == "random":
        values = rng.standard_normal(data.values.shape)
    elif how.startswith("noise:"):
        values = data.values + float(how.split(":", 1)[1]) * rng.standard_normal(data.values.shape)
    else:
        raise ValueError(f"corruption {how!r}: use reversed, random or noise:S")
    return ClientData(data.obs, values, data.grid_shape)


def local_update(
    shape: PolicyShape,
    global_params: np.ndarray,
    data: ClientData,
    epochs: int,
    learning_rate: float,
    batch_size: int,
    seed: int,
) -> np.ndarray:
    """The parameter change (float) after `epochs` of ascent on the shard, starting at the global policy."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = actor_module(shape)
    load_vector(net, global_params)
    x = torch.as_tensor(data.obs)
    v = torch.as_tensor(data.values, dtype=torch.float32)
    optimiser = torch.optim.Adam(net.parameters(), lr=learning_rate)
    for _ in range(epochs):
        order = torch.as_tensor(rng.permutation(data.steps))
        for i in range(0, data.steps, batch_size):
            batch = order[i : i + batch_size]
            loss = -interpolate(v[batch], data.grid_shape, net(x[batch]).clamp(-1.0, 1.0)).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return module_vector(net) - np.asarray(global_params, dtype=np.float64)
