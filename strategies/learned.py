"""`learned:PATH`: a trained fee policy, run from its exported ONNX graph (what is deployed and proved)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from strategies.base import FeeStrategy
from strategies.onnx_policy import ONNX_INPUT, ONNX_OUTPUT, onnx_session

POLICY_FILE = "policy.onnx"


def policy_path(path: str | Path) -> Path:
    """The ONNX graph of a model folder (models/NAME) or an .onnx file."""
    p = Path(path)
    if p.is_dir():
        p = p / POLICY_FILE
    if not p.is_file():
        raise FileNotFoundError(f"learned:{path}: no {POLICY_FILE} there (train one with `lamm train fee`)")
    return p


class LearnedFee(FeeStrategy):
    """Fee = the ONNX policy's output on the observation, rounded to whole pips."""

    def __init__(self, path: str | Path):
        self.path = policy_path(path)
        self._session = onnx_session(self.path)
        self._input, self._output = ONNX_INPUT, ONNX_OUTPUT

    def fee_bps(self, observations: np.ndarray) -> np.ndarray:
        obs = np.ascontiguousarray(np.atleast_2d(observations), dtype=np.float32)
        return self._session.run([self._output], {self._input: obs})[0][:, 0]

    def decide(self, observation: np.ndarray) -> int:
        return int(round(float(self.fee_bps(observation)[0]) * 100))
