"""Seeded synthetic markets with regimes, for training augmentation: a market factor that switches between
bull, bear, sideways and crash (a Markov chain of random durations), assets with their own betas, volatilities
and drifts that change at every switch (so which assets lead changes too)."""

from __future__ import annotations

import numpy as np

from envs.price_series import PriceSeries, parse_interval

# name: (market drift per year, market volatility per year, mean duration in days)
REGIMES = {
    "bull": (1.5, 0.55, 25.0),
    "bear": (-1.2, 0.75, 20.0),
    "sideways": (0.0, 0.45, 25.0),
    "crash": (-60.0, 1.6, 2.0),  # about -30% over two days
}
_NAMES = list(REGIMES)
_AFTER_CRASH = ("bear", "sideways")


def regime_path(steps: int, seconds: int, rng: np.random.Generator) -> list[str]:
    """One regime name per step: switches with probability dt / mean duration; a crash is followed by a bear
    or sideways market, any other regime by a crash one time in eight."""
    out, current = [], str(rng.choice(_NAMES[:3]))
    day = seconds / 86400
    for _ in range(steps):
        out.append(current)
        if rng.random() < day / REGIMES[current][2]:
            if current == "crash":
                current = str(rng.choice(_AFTER_CRASH))
            elif rng.random() < 1 / 8:
                current = "crash"
            else:
                current = str(rng.choice([r for r in _NAMES[:3] if r != current]))
    return out


def synthetic_regimes(n_assets: int = 10, days: float = 240, interval: str = "1h", seed: int = 0) -> PriceSeries:
    """Prices of `n_assets` over `days`: beta * market + idiosyncratic moves, regimes from `regime_path`."""
    seconds = parse_interval(interval)
    steps = int(days * 86400 / seconds)
    rng = np.random.default_rng(seed)
    dt = seconds / (365 * 86400)
    regimes = regime_path(steps, seconds, rng)
    beta = rng.uniform(0.6, 1.5, n_assets)
    idio_vol = rng.uniform(0.25, 0.7, n_assets)
    alpha = rng.normal(0.0, 0.6, n_assets)
    log_returns = np.empty((steps, n_assets))
    market_shocks = rng.standard_normal(steps)
    shocks = rng.standard_normal((steps, n_assets))
    for t, name in enumerate(regimes):
        if t and name != regimes[t - 1]:
            alpha = rng.normal(0.0, 0.6, n_assets)  # leaders and laggards change with the regime
        drift, vol, _ = REGIMES[name]
        market = (drift - vol**2 / 2) * dt + vol * np.sqrt(dt) * market_shocks[t]
        log_returns[t] = beta * market + (alpha - idio_vol**2 / 2) * dt + idio_vol * np.sqrt(dt) * shocks[t]
    start = rng.uniform(0.1, 3000, n_assets)
    prices = start * np.exp(np.vstack([np.zeros(n_assets), np.cumsum(log_returns, axis=0)]))
    times = 1_600_000_000 + seconds * np.arange(steps + 1, dtype=np.int64)
    return PriceSeries(times, prices, [f"S{i}" for i in range(n_assets)], seconds)
