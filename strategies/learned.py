"""`learned:PATH`: a trained fee policy, run from its exported ONNX graph (what is deployed and proved).

The graph maps the observation to the action (one value in [-1, 1] per output); `policy.json` beside it holds
the rule map (envs.rule_map) that turns the action into the pool's fee rule, as FeeController does on chain.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from envs.fee_rule import FeeRule
from envs.rule_map import RuleMap
from strategies.base import FeeStrategy
from strategies.onnx_policy import ONNX_INPUT, ONNX_OUTPUT, onnx_session

POLICY_FILE = "policy.onnx"
MAP_FILE = "policy.json"


def policy_path(path: str | Path) -> Path:
    """The ONNX graph of a model folder (models/NAME) or an .onnx file."""
    p = Path(path)
    if p.is_dir():
        p = p / POLICY_FILE
    if not p.is_file():
        raise FileNotFoundError(f"learned:{path}: no {POLICY_FILE} there (train one with `lamm train fee`)")
    return p


def load_policy_meta(graph: Path) -> tuple[RuleMap, int | None]:
    """The rule map beside the graph, and how often (seconds) the policy was trained to decide."""
    meta = graph.with_name(MAP_FILE)
    if not meta.is_file():
        raise FileNotFoundError(f"learned:{graph.parent}: no {MAP_FILE} (the rule map) beside {graph.name}")
    doc = json.loads(meta.read_text())
    return RuleMap.from_dict(doc["rule_map"]), doc.get("interval_s")


class LearnedFee(FeeStrategy):
    """The rule the ONNX policy's action sets, on the observation; decided every `interval_s` seconds."""

    def __init__(self, path: str | Path):
        self.path = policy_path(path)
        self.rule_map, self.interval_s = load_policy_meta(self.path)
        self._session = onnx_session(self.path)

    def actions(self, observations: np.ndarray) -> np.ndarray:
        obs = np.ascontiguousarray(np.atleast_2d(observations), dtype=np.float32)
        return self._session.run([ONNX_OUTPUT], {ONNX_INPUT: obs})[0]

    def decide(self, observation: np.ndarray) -> FeeRule:
        return self.rule_map.rule(self.actions(observation)[0])
