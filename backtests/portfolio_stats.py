"""Honest uncertainty for portfolio comparisons, over the days of a backtest.

Each strategy's value series becomes daily log returns (UTC days). Its Sharpe ratio (annualised, 365 days) and
total return get stationary block-bootstrap 95% intervals (backtests.bootstrap: days resampled in blocks, so
volatility clusters survive); its difference from the best constant mix (by Sharpe, on the same days) is
bootstrapped paired, resampling the same days for both. The deflated Sharpe ratio (Bailey and Lopez de Prado,
2014) is the probability that the true Sharpe exceeds the best one expected by luck among `trials`
configurations whose true Sharpe is zero, given the sample's length, skewness and kurtosis:
    DSR = Phi((SR - SR0) sqrt(T - 1) / sqrt(1 - g3 SR + (g4 - 1) / 4 SR^2)),  SR and SR0 per day,
    SR0 = sqrt(V) ((1 - e) Phi^-1(1 - 1/N) + e Phi^-1(1 - 1/(N exp(1)))),  e = Euler-Mascheroni,
where V, the variance of the trials' Sharpe estimates, is at least the estimator's own under the null (1/T) and
at least the spread of the Sharpes of the strategies compared. N = 1 gives the probabilistic Sharpe ratio.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from backtests.bootstrap import Interval, bootstrap

DAYS_PER_YEAR = 365.0
EULER_GAMMA = 0.5772156649015329
NORMAL = NormalDist()


def daily_log_returns(values: np.ndarray, times: np.ndarray, capital: float) -> np.ndarray:
    """Log returns from the close of each UTC day to the next (the first from `capital`); `values` are the
    portfolio's value after each row."""
    values, times = np.asarray(values, dtype=np.float64), np.asarray(times, dtype=np.int64)
    if len(values) != len(times) or not len(values):
        raise ValueError("values and times must be non-empty and of one length")
    days = times // 86_400
    closes = values[np.flatnonzero(np.diff(days, append=days[-1] + 1))]
    return np.diff(np.log(np.concatenate([[capital], closes])))


def annual_sharpe(r: np.ndarray) -> np.ndarray:
    """Annualised Sharpe of each row of daily log returns (0 where they do not vary)."""
    sd = r.std(axis=-1)
    return np.where(sd > 0, r.mean(axis=-1) / np.where(sd > 0, sd, 1.0), 0.0) * math.sqrt(DAYS_PER_YEAR)


def expected_max_sharpe(trials: int, variance: float) -> float:
    """The Sharpe (per day) the best of `trials` zero-Sharpe configurations shows by luck."""
    if trials < 1:
        raise ValueError("trials must be at least 1")
    if trials == 1:
        return 0.0
    z = NORMAL.inv_cdf
    return math.sqrt(variance) * ((1 - EULER_GAMMA) * z(1 - 1 / trials) + EULER_GAMMA * z(1 - 1 / (trials * math.e)))


def deflated_sharpe(r: np.ndarray, trials: int, variance: float | None = None) -> float:
    """Probability that the true Sharpe of daily returns `r` beats the best of `trials` luck-only configurations."""
    r = np.asarray(r, dtype=np.float64)
    n = len(r)
    if n < 3 or r.std() == 0:
        return float("nan")
    sr = r.mean() / r.std()
    null = max(variance or 0.0, 1.0 / n)
    sr0 = expected_max_sharpe(trials, null)
    z = (r - r.mean()) / r.std()
    g3, g4 = float(np.mean(z**3)), float(np.mean(z**4))  # skewness, kurtosis (3 for a normal)
    spread = max(1 - g3 * sr + (g4 - 1) / 4 * sr**2, 1e-12)
    return float(NORMAL.cdf((sr - sr0) * math.sqrt(n - 1) / math.sqrt(spread)))


def compare_portfolios(
    returns: dict[str, np.ndarray],
    trials: int | None = None,
    block_days: float = 5.0,
    draws: int = 2000,
    seed: int = 0,
) -> dict:
    """Per strategy (daily log returns on the same days): Sharpe and total return with intervals, the paired
    difference from the best constant mix, and the deflated Sharpe for `trials` configurations (default: the
    strategies compared). Returns {"best_mix": spec or None, "trials": N, "strategies": {spec: figures}}."""
    specs = list(returns)
    lengths = {len(r) for r in returns.values()}
    if len(lengths) != 1 or not specs:
        raise ValueError("every strategy needs daily returns over the same days")
    days = lengths.pop()
    trials = trials or len(specs)
    daily_sharpes = [float(r.mean() / r.std()) if r.std() > 0 else 0.0 for r in returns.values()]
    spread = float(np.var(daily_sharpes)) if len(specs) > 1 else 0.0
    mixes = [s for s in specs if s.startswith("mix")]
    best = max(mixes, key=lambda s: float(annual_sharpe(returns[s]))) if mixes else None
    out = {}
    for spec, r in returns.items():
        figures = _figures(r, days, block_days, draws, seed)
        figures["deflated_sharpe"] = deflated_sharpe(r, trials, spread)
        if best is not None and spec != best:
            figures["vs_best_mix"] = _paired(r, returns[best], days, block_days, draws, seed)
        out[spec] = figures
    return {"best_mix": best, "trials": trials, "days": days, "block_days": block_days, "strategies": out}


def _figures(r: np.ndarray, days: int, block: float, draws: int, seed: int) -> dict:
    return {
        "sharpe": bootstrap(lambda i: annual_sharpe(r[i]), days, block, draws, seed=seed).as_dict(),
        "total_return": bootstrap(lambda i: np.expm1(r[i].sum(axis=1)), days, block, draws, seed=seed).as_dict(),
    }


def _paired(r: np.ndarray, ref: np.ndarray, days: int, block: float, draws: int, seed: int) -> dict:
    """The difference from `ref` on the same resampled days: Sharpe, and mean daily log return in bps."""
    return {
        "sharpe": bootstrap(
            lambda i: annual_sharpe(r[i]) - annual_sharpe(ref[i]), days, block, draws, seed=seed
        ).as_dict(),
        "daily_return_bps": bootstrap(
            lambda i: (r[i] - ref[i]).mean(axis=1) * 1e4, days, block, draws, seed=seed
        ).as_dict(),
    }


def interval_text(i: dict | Interval, fmt: str, bound_fmt: str | None = None) -> str:
    """'estimate [low, high]': the estimate in `fmt`, the bounds in `bound_fmt` (default `fmt`)."""
    i = i.as_dict() if isinstance(i, Interval) else i
    b = bound_fmt or fmt
    return f"{fmt.format(i['estimate'])} [{b.format(i['low'])}, {b.format(i['high'])}]"
