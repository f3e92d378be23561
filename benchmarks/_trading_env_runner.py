"""Peer side of the environment-throughput benchmark (run with benchmarks/.venv-trading-envs's python).

Builds each peer's standard environment on the same synthetic random-walk OHLCV frame of --bars
one-minute bars (numpy, seeded; no files, no downloads):

    gym-trading-env  gymnasium.make("TradingEnv", df=..., positions=[-1, 0, 1], verbose=0), observing
                     the frame's feature_* columns (returns, high/close, low/close, relative volume)
                     plus its two default dynamic features;
    gym-anytrading   gymnasium.make("stocks-v0", df=..., window_size=10, frame_bound=(10, bars)).

Each is stepped --steps times with pre-drawn random valid actions (reset when an episode ends), once
through the env gymnasium.make returns and once through env.unwrapped, after a short warm-up. The
stepping loop is timed with time.perf_counter, resets excluded. Prints one JSON object on stdout:
{peer: {"steps_per_s", "steps", "version", "note"}} with steps_per_s the make() figure, plus
"raw_steps_per_s" when the unwrapped env is more than 10% apart from it.

Venv requirements (installed pinned by benchmarks/trading_env_peers.py, Python 3.11):
    gym-trading-env==0.3.5 gym-anytrading==2.0.0 gymnasium==1.4.0 numpy==2.4.6 pandas==3.1.1

Usage: python _trading_env_runner.py [--steps 200000] [--bars 100000]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import sys
import time
import warnings

import gymnasium
import numpy as np
import pandas as pd

# gym_trading_env runs warnings.filterwarnings("error") at import, turning every warning in the process
# into an exception; keep that from leaking into the other peer and into gymnasium.
with warnings.catch_warnings():
    import gym_trading_env  # noqa: F401  (registers "TradingEnv")
    import gym_trading_env.environments  # noqa: F401  (the module that sets the filter; make() imports it)
import gym_anytrading  # noqa: E402, F401  (registers "stocks-v0")

SEED, WARMUP, NOTABLE = 20240501, 2_000, 0.10


def ohlcv(bars: int, seed: int = SEED) -> pd.DataFrame:
    """Random-walk one-minute OHLCV bars (lower-case columns, DatetimeIndex)."""
    rng = np.random.default_rng(seed)
    close = 2_000.0 * np.exp(np.cumsum(rng.normal(0.0, 5e-4, bars)))
    open_ = np.concatenate(([2_000.0], close[:-1]))
    wick = np.abs(rng.normal(0.0, 3e-4, (2, bars)))
    high = np.maximum(open_, close) * (1.0 + wick[0])
    low = np.minimum(open_, close) * (1.0 - wick[1])
    volume = rng.lognormal(3.0, 1.0, bars)
    index = pd.date_range("2024-01-01", periods=bars, freq="1min", name="date")
    return pd.DataFrame({"open": open_, "high": high, "low": low, "close": close, "volume": volume}, index=index)


def trading_env_df(bars: pd.DataFrame) -> pd.DataFrame:
    """gym-trading-env's frame: OHLCV plus feature_* columns (its observation), NaN rows dropped."""
    df = bars.copy()
    df["feature_return"] = df["close"].pct_change()
    df["feature_high"] = df["high"] / df["close"]
    df["feature_low"] = df["low"] / df["close"]
    df["feature_volume"] = df["volume"] / df["volume"].rolling(60).max()
    return df.dropna()


def make_trading_env(bars: pd.DataFrame) -> gymnasium.Env:
    return gymnasium.make("TradingEnv", df=trading_env_df(bars), positions=[-1, 0, 1], verbose=0)


def make_anytrading(bars: pd.DataFrame) -> gymnasium.Env:
    df = bars.rename(columns=str.capitalize)  # StocksEnv reads "Close"
    return gymnasium.make("stocks-v0", df=df, window_size=10, frame_bound=(10, len(df)))


def steps_per_second(env: gymnasium.Env, steps: int, seed: int = SEED) -> float:
    """Step `env` `steps` times with random valid actions after a warm-up; resets are not timed."""
    np.random.seed(seed)  # gym-trading-env draws its initial position from the global numpy RNG
    n = env.action_space.n
    actions = np.random.default_rng(seed).integers(0, n, WARMUP + steps).tolist()
    env.reset(seed=seed)
    step = env.step
    for a in actions[:WARMUP]:
        _, _, terminated, truncated, _ = step(a)
        if terminated or truncated:
            env.reset()
    excluded = 0.0
    t0 = time.perf_counter()
    for a in actions[WARMUP:]:
        _, _, terminated, truncated, _ = step(a)
        if terminated or truncated:
            r0 = time.perf_counter()
            env.reset()
            excluded += time.perf_counter() - r0
    return steps / (time.perf_counter() - t0 - excluded)


def wrappers(env: gymnasium.Env) -> str:
    names = []
    while isinstance(env, gymnasium.Wrapper):
        names.append(type(env).__name__)
        env = env.env
    return " > ".join(names) or "none"


def measure(name: str, dist: str, build, bars: pd.DataFrame, steps: int, desc: str) -> dict:
    env = build(bars)
    made = steps_per_second(env, steps)
    raw = steps_per_second(env.unwrapped, steps)
    env.close()
    out = {
        "steps_per_s": made,
        "steps": steps,
        "version": importlib.metadata.version(dist),
        "note": (
            f"{desc}; {len(bars)} synthetic 1-min bars; make() wrappers: {wrappers(env)}; "
            f"make() {made:,.0f} steps/s, unwrapped {raw:,.0f} steps/s"
        ),
    }
    if abs(raw - made) > NOTABLE * made:
        out["raw_steps_per_s"] = raw
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=200_000, help="timed env.step calls per peer and variant")
    ap.add_argument("--bars", type=int, default=100_000, help="one-minute bars in the synthetic frame")
    args = ap.parse_args()
    bars = ohlcv(args.bars)
    peers = (
        ("gym-trading-env", "gym-trading-env", make_trading_env, "TradingEnv, positions [-1, 0, 1], 4 features"),
        ("gym-anytrading", "gym-anytrading", make_anytrading, "stocks-v0 (StocksEnv), window_size 10"),
    )
    with contextlib.redirect_stdout(sys.stderr):  # any peer printing stays off the JSON line
        result = {name: measure(name, dist, build, bars, args.steps, desc) for name, dist, build, desc in peers}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
