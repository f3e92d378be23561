"""Asset prices in a numeraire at the portfolio's decision interval: from a price file or synthetic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

NUMERAIRE_COLUMNS = ("USDT", "USDC", "DAI", "USD")  # columns that are the numeraire itself (price ~1)


@dataclass
class PriceSeries:
    times: np.ndarray  # int64 unix seconds, one per decision
    prices: np.ndarray  # float64 [T, N], numeraire per unit of each asset
    assets: list[str]
    interval: int  # seconds between decisions

    @property
    def steps_per_year(self) -> float:
        return 365 * 86400 / self.interval

    def window(self, first: int, last: int) -> PriceSeries:
        return PriceSeries(self.times[first:last], self.prices[first:last], self.assets, self.interval)


def parse_interval(text: str) -> int:
    """'1h', '15m', '60s', '1d' -> seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = text.strip().lower()
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit() or int(text[:-1]) <= 0:
        raise ValueError(f"interval {text!r} is not understood: use e.g. 1m, 15m, 1h, 1d")
    return int(text[:-1]) * units[text[-1]]


def load_price_series(
    path: str | Path,
    start: date | None = None,
    end: date | None = None,
    interval: str = "1h",
    assets: list[str] | None = None,
) -> PriceSeries:
    """Prices from a file (envs.data.load_prices: a time column and one column per asset), sampled at every
    `interval` from the first row: the price at the start of each decision interval, never a later one."""
    from envs.data import load_prices

    frame = load_prices(path, start, end)
    seconds = parse_interval(interval)
    names = assets or [c for c in frame.columns if c.upper() not in NUMERAIRE_COLUMNS]
    missing = [a for a in names if a not in frame.columns]
    if missing:
        raise ValueError(f"--assets: {', '.join(missing)} not in {path} (it has {', '.join(frame.columns)})")
    times = frame.index.values.astype("datetime64[s]").astype(np.int64)
    step = np.diff(times)
    base = int(np.median(step)) if len(step) else seconds
    if seconds % base:
        raise ValueError(f"interval {interval} is not a multiple of the data's {base} s rows")
    keep = np.arange(0, len(times), seconds // base)
    return PriceSeries(times[keep], frame[names].to_numpy(np.float64)[keep], list(names), seconds)


def synthetic_prices(n_assets: int = 4, days: float = 60, interval: str = "1h", seed: int = 0) -> PriceSeries:
    """Correlated geometric Brownian motions with per-asset drift and volatility (crypto-like, 40-110%/yr)."""
    seconds = parse_interval(interval)
    steps = int(days * 86400 / seconds)
    rng = np.random.default_rng(seed)
    dt = seconds / (365 * 86400)
    vol = rng.uniform(0.4, 1.1, n_assets)
    drift = rng.normal(0.1, 0.3, n_assets)
    corr = 0.5 + 0.5 * np.eye(n_assets)
    shocks = rng.standard_normal((steps, n_assets)) @ np.linalg.cholesky(corr).T
    log_returns = (drift - vol**2 / 2) * dt + vol * np.sqrt(dt) * shocks
    start_prices = rng.uniform(1, 3000, n_assets)
    prices = start_prices * np.exp(np.vstack([np.zeros(n_assets), np.cumsum(log_returns, axis=0)]))
    times = 1_700_000_000 + seconds * np.arange(steps + 1, dtype=np.int64)
    return PriceSeries(times, prices, [f"A{i}" for i in range(n_assets)], seconds)
