"""A fixed-point policy replayed on real days: the evaluators' scores and the final figure."""

from __future__ import annotations

import numpy as np

from agents.fl.fixed_point import decode
from agents.fl.policy import VectorPolicy
from backtests.evaluation import daily_pnl
from envs.market import Market


def pnl_per_day(fed, market: Market, params: np.ndarray, spec: str = "federated") -> float:
    """Mean hedged PnL per day (bps of TVL) of the fixed-point policy `params` replayed over `market`."""
    policy = VectorPolicy(fed.shape, decode(params), fed.cfg.rules, fed.interval_s, spec)
    return float(np.mean(daily_pnl(market, policy, fed.cfg.sim)[1]))
