"""`learned:PATH` for portfolios: a trained allocation policy run from its ONNX graph (observation -> weights)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from envs.portfolio_features import LOOKBACKS, portfolio_observation
from strategies.onnx_policy import onnx_session
from strategies.portfolio import PortfolioStrategy


class LearnedPortfolio(PortfolioStrategy):
    """Starts in equal weights, then decides every `every` steps (policy.json; 1 when absent) from the policy's
    targets; trades only when some weight is more than the policy's band away from its target."""

    def __init__(self, path: str | Path):
        folder = Path(path)
        graph, meta = folder / "policy.onnx", folder / "policy.json"
        if not graph.is_file() or not meta.is_file():
            raise FileNotFoundError(
                f"learned:{path}: no policy.onnx and policy.json (train one with lamm train portfolio)"
            )
        info = json.loads(meta.read_text())
        self.assets, self.band = info["assets"], float(info["band"])
        self.every = int(info.get("every", 1))
        card = json.loads((folder / "card.json").read_text()) if (folder / "card.json").is_file() else {}
        self.interval = info.get("interval") or card.get("interval")  # seconds between decisions, as trained
        self.history_needed = max(LOOKBACKS)  # the observation's longest lookback, in decisions
        self._session = onnx_session(graph)
        self.name = f"learned:{path}"

    def check_assets(self, symbols: list[str]) -> None:
        """Refuses a vault whose assets are not the policy's, in the policy's order (a wrapped token counts as
        its asset: WETH as ETH, WBTC as BTC)."""
        held = [_asset_name(s) for s in symbols]
        if held != [a.upper() for a in self.assets]:
            raise ValueError(
                f"{self.name} allocates {', '.join(self.assets)} in that order; the vault holds "
                f"{', '.join(symbols)}: whitelist the policy's assets, in its order, or train a policy for these"
            )

    def reset(self, n_assets: int) -> None:
        if n_assets != len(self.assets):
            raise ValueError(
                f"{self.name} allocates {len(self.assets)} assets ({', '.join(self.assets)}), not {n_assets}"
            )
        super().reset(n_assets)

    def target(self, t, prices, weights):
        if t == 0:  # the policy tilts an invested portfolio: it starts in equal weights, as in training
            return np.full(len(weights), 1.0 / len(weights))
        if t % self.every:
            return None
        obs = portfolio_observation(prices, t, weights)[None]
        goal = self._session.run(["weights"], {"observation": obs})[0][0].astype(np.float64)
        return goal if np.max(np.abs(weights - goal)) > self.band else None


def _asset_name(symbol: str) -> str:
    """The asset a vault token stands for: its symbol without a label suffix, a wrapper's W dropped."""
    name = symbol.split("@")[0].upper()
    return name[1:] if name in ("WETH", "WBTC", "WBNB", "WAVAX") else name
