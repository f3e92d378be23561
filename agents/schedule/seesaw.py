"""`seesaw:low=0.4,high=0.6`: a demo and test strategy for scheduled runs that trades on every run.

Each asset is sent to `high` when it holds less than the midpoint of low and high, else to `low`, so a run
always finds the vault away from its target and every run makes one trade per asset. It reads only the
current weights (no history), so it behaves the same in a fresh process on each run. Not an investment
strategy: it exists to show (and test) that a schedule trades, records and reconciles.
"""

from __future__ import annotations

import numpy as np

from strategies.portfolio import PortfolioStrategy


class Seesaw(PortfolioStrategy):
    def __init__(self, low: float = 0.4, high: float = 0.6):
        if not 0 <= low < high <= 1:
            raise ValueError("seesaw: 0 <= low < high <= 1")
        self.low, self.high = low, high
        self.name = f"seesaw:low={low:g},high={high:g}"

    def target(self, t, prices, weights):
        if self.high * len(weights) > 1 + 1e-12:
            raise ValueError(f"seesaw: high {self.high:g} for each of {len(weights)} assets is more than the whole")
        mid = (self.low + self.high) / 2
        return np.where(np.asarray(weights) < mid, self.high, self.low)


def parse_strategy(spec: str):
    """A portfolio strategy spec (strategies.portfolio), or seesaw[:low=X,high=Y]."""
    from strategies.portfolio_spec import parse_portfolio_strategy

    kind, _, rest = spec.partition(":")
    if kind != "seesaw":
        return parse_portfolio_strategy(spec)
    options = {}
    for item in filter(None, rest.split(",")):
        key, sep, value = item.partition("=")
        if not sep or key not in ("low", "high"):
            raise ValueError(f"--strategy {spec}: seesaw takes low=X,high=Y (weights), e.g. seesaw:low=0.4,high=0.6")
        try:
            options[key] = float(value)
        except ValueError:
            raise ValueError(f"--strategy {spec}: {key}={value!r} is not a number") from None
    try:
        return Seesaw(**options)
    except ValueError as e:
        raise ValueError(f"--strategy {spec}: {e}") from None
