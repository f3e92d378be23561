"""Portfolio backtests: strategies decide target weights at each step, rebalances trade through pools."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from envs.portfolio_execution import ExecutionConfig, rebalance
from envs.price_series import PriceSeries
from strategies.portfolio import PortfolioStrategy

PORTFOLIO_METRICS = (
    "total_return",
    "annual_return",
    "annual_volatility",
    "sharpe",
    "max_drawdown",
    "turnover_per_year",
    "costs_paid",
    "costs_bps",
    "fees_paid",
    "impact_paid",
    "gas_paid",
    "trades",
    "final_value",
)


@dataclass
class PortfolioRun:
    values: np.ndarray  # portfolio value at mid prices after each step's trades
    weights: np.ndarray  # [T, N] weights after each step's trades
    traded: np.ndarray  # value traded per step (mid)
    fees: float
    impact: float
    gas: float
    trades: int


def run_portfolio(
    series: PriceSeries,
    strategy: PortfolioStrategy,
    cfg: ExecutionConfig,
    capital: float = 1_000_000.0,
    compiled: bool = True,
) -> PortfolioRun:
    """Replays `strategy`; strategies that decide from prices alone run in the C kernel (compiled=False: the
    Python loop, the reference the kernel is tested against)."""
    prices = series.prices
    steps, n = prices.shape
    strategy.reset(n)
    planned = strategy.plan(prices) if compiled else None
    if planned is not None:
        from envs.portfolio_kernel import run_kernel

        values, weights, traded, (fees, impact, gas, trades) = run_kernel(prices, planned[0], planned[1], cfg, capital)
        return PortfolioRun(values, weights, traded, float(fees), float(impact), float(gas), int(trades))
    holdings, cash = np.zeros(n), float(capital)
    values, weights, traded = np.empty(steps), np.empty((steps, n)), np.zeros(steps)
    fees = impact = gas = 0.0
    trades = 0
    for t in range(steps):
        p = prices[t]
        held = holdings * p
        value = cash + held.sum()
        target = strategy.target(t, prices, held / value)
        if target is not None:
            fill = rebalance(holdings, cash, p, np.asarray(target, dtype=np.float64), cfg)
            holdings = holdings + fill.units
            cash += fill.cash_delta
            traded[t] = fill.traded_value
            fees, impact, gas, trades = fees + fill.fees, impact + fill.impact, gas + fill.gas, trades + fill.trades
            held = holdings * p
            value = cash + held.sum()
        values[t] = value
        weights[t] = held / value
    return PortfolioRun(values, weights, traded, fees, impact, gas, trades)


def max_drawdown(values: np.ndarray) -> float:
    peak = np.maximum.accumulate(values)
    return float(np.max(1.0 - values / peak)) if len(values) else 0.0


def portfolio_metrics(series: PriceSeries, run: PortfolioRun, capital: float) -> dict[str, float]:
    values = np.concatenate([[capital], run.values])
    log_returns = np.diff(np.log(values))
    years = len(run.values) / series.steps_per_year
    sd = float(np.std(log_returns))
    costs = run.fees + run.impact + run.gas
    return {
        "total_return": float(values[-1] / capital - 1.0),
        "annual_return": float((values[-1] / capital) ** (1 / years) - 1.0) if years > 0 else 0.0,
        "annual_volatility": sd * np.sqrt(series.steps_per_year),
        "sharpe": float(np.mean(log_returns) / sd * np.sqrt(series.steps_per_year)) if sd > 0 else 0.0,
        "max_drawdown": max_drawdown(values),
        "turnover_per_year": float(run.traded.sum() / np.mean(values) / years) if years > 0 else 0.0,
        "costs_paid": costs,
        "costs_bps": costs / capital * 1e4,
        "fees_paid": run.fees,
        "impact_paid": run.impact,
        "gas_paid": run.gas,
        "trades": float(run.trades),
        "final_value": float(values[-1]),
    }
