"""Portfolio strategies: target weights per asset (the rest in the numeraire), decided from prices up to now.

`hold` buys equal weights once, `mix` keeps a constant equal mix (every N decisions or when a weight drifts
out of a band), `momentum` holds the assets that rose most. strategies/portfolio_spec.py builds them from
their command-line specs, and strategies/learned_portfolio.py runs a trained policy.
"""

from __future__ import annotations

import numpy as np


class PortfolioStrategy:
    name = "strategy"
    history_needed = 0  # earlier prices the strategy needs before its first decision

    def reset(self, n_assets: int) -> None:
        self.n = n_assets

    def target(self, t: int, prices: np.ndarray, weights: np.ndarray) -> np.ndarray | None:
        """Target weights at decision t (prices[: t + 1] is all it may read), or None to leave the portfolio."""
        raise NotImplementedError

    def plan(self, prices: np.ndarray) -> tuple[np.ndarray, float] | None:
        """All decisions at once when they depend on prices alone: (targets [T, N], NaN rows where `target`
        gives None; band: from the second row, trade only when a weight is that far off), else None."""
        return None


def _rows(steps: int, n: int) -> np.ndarray:
    return np.full((steps, n), np.nan)


class BuyAndHold(PortfolioStrategy):
    def __init__(self):
        self.name = "hold"

    def target(self, t, prices, weights):
        return np.full(self.n, 1.0 / self.n) if t == 0 else None

    def plan(self, prices):
        targets = _rows(*prices.shape)
        targets[0] = 1.0 / prices.shape[1]
        return targets, 0.0


class ConstantMix(PortfolioStrategy):
    def __init__(self, every: int = 1, band: float | None = None):
        if every < 1 or (band is not None and not 0 < band < 1):
            raise ValueError("mix: every must be >= 1 and band in (0, 1)")
        self.every, self.band = every, band
        self.name = "mix" + (f":band={band:g}" if band else f":every={every}" if every > 1 else "")

    def target(self, t, prices, weights):
        goal = np.full(self.n, 1.0 / self.n)
        if t == 0:
            return goal
        if self.band is not None:
            return goal if np.max(np.abs(weights - goal)) > self.band else None
        return goal if t % self.every == 0 else None

    def plan(self, prices):
        steps, n = prices.shape
        targets = _rows(steps, n)
        if self.band is not None:
            targets[:] = 1.0 / n
            return targets, self.band
        targets[:: self.every] = 1.0 / n
        return targets, 0.0


class Momentum(PortfolioStrategy):
    def __init__(self, lookback: int = 168, top: int = 3, every: int = 24):
        if lookback < 1 or top < 1 or every < 1:
            raise ValueError("momentum: lookback, top and every must be >= 1")
        self.lookback, self.top, self.every = lookback, top, every
        self.history_needed = lookback  # an agent run waits for this many earlier prices (a backtest holds cash)
        self.name = f"momentum:lookback={lookback},top={top}"

    def target(self, t, prices, weights):
        if t % self.every or t < self.lookback:
            return None if t else np.zeros(self.n)
        past = prices[t] / prices[t - self.lookback] - 1.0
        picks = [i for i in np.argsort(-past)[: self.top] if past[i] > 0]
        goal = np.zeros(self.n)
        goal[picks] = 1.0 / len(picks) if picks else 0.0
        return goal

    def plan(self, prices):
        steps, n = prices.shape
        targets = _rows(steps, n)
        targets[0] = 0.0
        for t in range(self.lookback, steps, self.every):
            if t % self.every == 0:
                targets[t] = self.target(t, prices, np.zeros(n))
        return targets, 0.0
