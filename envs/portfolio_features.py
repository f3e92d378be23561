"""The portfolio policy's observation and its action -> weights map, shared by the environment and the learned
strategy so that what is trained is what runs.

Per asset: log returns over the last 1, 24 and 168 decisions and the realised volatility of the last 24
(fixed scales, no statistics of the data), then the current weights of the assets and of the numeraire. Only
prices up to the decision are read. The action tilts the current weights, so doing nothing is the default.
"""

from __future__ import annotations

import numpy as np

LOOKBACKS = (1, 24, 168)
VOL_WINDOW = 24
RETURN_SCALE = 10.0  # a 10% move reads 1.0
OBS_CLIP = 10.0
ACTION_TEMPERATURE = 3.0  # an action of +-1 multiplies a weight's odds by e**3
WEIGHT_FLOOR = 1e-3  # so that a position at zero can be re-entered


def observation_size(n_assets: int) -> int:
    return n_assets * (len(LOOKBACKS) + 1) + n_assets + 1


def price_features(prices: np.ndarray, t: int) -> np.ndarray:
    """The price part of the observation at decision t (rows after t are never read)."""
    logp = np.log(prices[max(0, t - max(LOOKBACKS[-1], VOL_WINDOW)) : t + 1])
    last = logp[-1]
    parts = [(last - logp[max(0, len(logp) - 1 - k)]) * RETURN_SCALE for k in LOOKBACKS]
    recent = np.diff(logp[-(VOL_WINDOW + 1) :], axis=0)
    parts.append(recent.std(axis=0) * np.sqrt(VOL_WINDOW) * RETURN_SCALE if len(recent) > 1 else np.zeros_like(last))
    return np.concatenate(parts)


def observe(features: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Observation from the price features and the current asset weights (the numeraire's is the rest)."""
    obs = np.concatenate([features, weights, [1.0 - float(np.sum(weights))]])
    return np.clip(obs, -OBS_CLIP, OBS_CLIP).astype(np.float32)


def portfolio_observation(prices: np.ndarray, t: int, weights: np.ndarray) -> np.ndarray:
    """prices [T, N] (rows after t are never read), current asset weights [N] -> float32 observation."""
    return observe(price_features(prices, t), weights)


def weights_from_action(action: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Action in [-1, 1]^(N+1) -> target weights of the N assets: the current weights (the numeraire's last)
    tilted in log space, so the zero action keeps the portfolio as it is and trading is a decision."""
    current = np.append(weights, 1.0 - float(np.sum(weights)))
    z = np.log(np.maximum(current, 0.0) + WEIGHT_FLOOR) + ACTION_TEMPERATURE * np.clip(
        np.asarray(action, np.float64), -1, 1
    )
    e = np.exp(z - z.max())
    return (e / e.sum())[:-1]
