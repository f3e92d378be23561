"""`learned:PATH` for portfolios: a trained allocation policy run from its ONNX graph (observation -> weights)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from envs.portfolio_features import portfolio_observation
from strategies.onnx_policy import onnx_session
from strategies.portfolio import PortfolioStrategy


class LearnedPortfolio(PortfolioStrategy):
    """Starts in equal weights, then targets from the policy; trades only when some weight is more than the
    policy's band away from its target."""

    def __init__(self, path: str | Path):
        folder = Path(path)
        graph, meta = folder / "policy.onnx", folder / "policy.json"
        if not graph.is_file() or not meta.is_file():
            raise FileNotFoundError(
                f"learned:{path}: no policy.onnx and policy.json (train one with lamm train portfolio)"
            )
        info = json.loads(meta.read_text())
        self.assets, self.band = info["assets"], float(info["band"])
        self._session = onnx_session(graph)
        self.name = f"learned:{path}"

    def reset(self, n_assets: int) -> None:
        if n_assets != len(self.assets):
            raise ValueError(
                f"{self.name} allocates {len(self.assets)} assets ({', '.join(self.assets)}), not {n_assets}"
            )
        super().reset(n_assets)

    def target(self, t, prices, weights):
        if t == 0:  # the policy tilts an invested portfolio: it starts in equal weights, as in training
            return np.full(len(weights), 1.0 / len(weights))
        obs = portfolio_observation(prices, t, weights)[None]
        goal = self._session.run(["weights"], {"observation": obs})[0][0].astype(np.float64)
        return goal if np.max(np.abs(weights - goal)) > self.band else None
