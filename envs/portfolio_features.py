"""The portfolio policy's observation and its action -> weights map, shared by the environment and the learned
strategy so that what is trained is what runs.

Per asset: log returns over the last 1, 24 and 168 decisions and the realised volatility of the last 24
(fixed scales, no statistics of the data), then the current weights of the assets and of the numeraire. Only
prices up to the decision are read.
"""

from __future__ import annotations

import numpy as np

LOOKBACKS = (1, 24, 168)
VOL_WINDOW = 24
RETURN_SCALE = 10.0  # a 10% move reads 1.0
OBS_CLIP = 10.0
ACTION_TEMPERATURE = 3.0  # softmax sharpness: actions in [-1, 1] span weights from even to concentrated


def observation_size(n_assets: int) -> int:
    return n_assets * (len(LOOKBACKS) + 1) + n_assets + 1


def portfolio_observation(prices: np.ndarray, t: int, weights: np.ndarray) -> np.ndarray:
    """prices [T, N] (rows after t are never read), current asset weights [N] -> float32 observation."""
    logp = np.log(prices[max(0, t - max(LOOKBACKS[-1], VOL_WINDOW)) : t + 1])
    last = logp[-1]
    parts = [(last - logp[max(0, len(logp) - 1 - k)]) * RETURN_SCALE for k in LOOKBACKS]
    recent = np.diff(logp[-(VOL_WINDOW + 1) :], axis=0)
    parts.append(recent.std(axis=0) * np.sqrt(VOL_WINDOW) * RETURN_SCALE if len(recent) > 1 else np.zeros_like(last))
    cash = 1.0 - float(np.sum(weights))
    obs = np.concatenate([*parts, weights, [cash]])
    return np.clip(obs, -OBS_CLIP, OBS_CLIP).astype(np.float32)


def weights_from_action(action: np.ndarray) -> np.ndarray:
    """Action in [-1, 1]^(N+1) -> weights of the N assets (softmax; the last entry is the numeraire's)."""
    z = ACTION_TEMPERATURE * np.clip(np.asarray(action, dtype=np.float64), -1.0, 1.0)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w[..., :-1]
