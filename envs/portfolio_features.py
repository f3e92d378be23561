"""The portfolio policy's observation and its action -> weights map, shared by the environment and the learned
strategy so that what is trained is what runs.

Per asset: log returns over the last 1, 24 and 168 decisions and the realised volatility of the last 24
(fixed scales, no statistics of the data), then the current weights of the assets and of the numeraire. Only
prices up to the decision are read. The action tilts a constant equal mix (the anchor) and may move part of
the portfolio to the numeraire: the zero action is the equal mix itself, and with the trading band around the
target (envs.portfolio_env) holding still is what a small action does.
"""

from __future__ import annotations

import numpy as np

LOOKBACKS = (1, 24, 168)
VOL_WINDOW = 24
RETURN_SCALE = 10.0  # a 10% move reads 1.0
OBS_CLIP = 10.0
TILT = 1.0  # an asset action of +-1 multiplies its weight's odds in the anchor mix by e**1


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


def weights_from_action(action: np.ndarray, n_assets: int) -> np.ndarray:
    """Action in [-1, 1]^(N+1) -> target weights of the N assets: (1 - cash) * softmax(TILT * action[:N]), where
    cash = max(action[N], 0) is the numeraire's share. The zero action is the constant equal mix."""
    a = np.clip(np.asarray(action, np.float64), -1.0, 1.0)
    z = TILT * a[:n_assets]
    e = np.exp(z - z.max())
    return (1.0 - max(float(a[n_assets]), 0.0)) * e / e.sum()
