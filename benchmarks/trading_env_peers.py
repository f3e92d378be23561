"""Peer benchmark helper: Gymnasium trading-environment throughput (env steps per second) of the peers.

Runs gym-trading-env's TradingEnv and gym-anytrading's stocks-v0 (in their own virtual environment,
benchmarks/.venv-trading-envs, created with pinned versions on first use and reused afterwards) through
benchmarks/_trading_env_runner.py, each on the same seeded synthetic random-walk frame of one-minute
OHLCV bars and stepped with random valid actions; only the stepping is timed. Other scripts call
`peer_steps_per_second(...)`, which returns the runner's JSON ({peer: {steps_per_s, steps, version,
note}}); run directly it prints that dict:

    .venv/bin/python benchmarks/trading_env_peers.py [--steps 200000] [--bars 100000]
"""

from __future__ import annotations

import argparse
import json
import pprint
import sys
from pathlib import Path

from peer_venv import peer_python, run

REPO = Path(__file__).resolve().parents[1]
VENV = REPO / "benchmarks" / ".venv-trading-envs"
RUNNER = REPO / "benchmarks" / "_trading_env_runner.py"
# Newest releases with the gymnasium/numpy/pandas pip resolved for them on Python 3.11; pinned so that
# timings are reproducible. Keep in sync with the runner's docstring.
PEER_REQS = (
    "gym-trading-env==0.3.5",
    "gym-anytrading==2.0.0",
    "gymnasium==1.4.0",
    "numpy==2.4.6",
    "pandas==3.1.1",
)


def venv_python() -> Path:
    """Python of the peers' venv, creating the venv and installing the pinned packages if needed."""
    pins = {r.split("==")[0]: r.split("==")[1] for r in PEER_REQS}
    check = (
        "import importlib.metadata as m, gym_anytrading, gym_trading_env, gymnasium\n"
        f"assert all(m.version(k) == v for k, v in {pins!r}.items())"
    )
    return peer_python(VENV, PEER_REQS, check)


def peer_steps_per_second(steps: int = 200_000, bars: int = 100_000) -> dict:
    """Run the runner in the peers' venv and return its JSON: {peer: {steps_per_s, steps, version, note}}.

    steps_per_s is through the env gymnasium.make returns; "raw_steps_per_s" (env.unwrapped) is added
    when it differs by more than 10%, and the note always carries both.
    """
    py = venv_python()
    proc = run([str(py), str(RUNNER), "--steps", str(steps), "--bars", str(bars)])
    if proc.returncode != 0:
        raise RuntimeError(f"trading-env peer run failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=200_000, help="timed env steps per peer (and per variant)")
    ap.add_argument("--bars", type=int, default=100_000, help="one-minute bars in the synthetic frame")
    args = ap.parse_args()
    pprint.pprint(peer_steps_per_second(args.steps, args.bars), sort_dicts=False, width=120)
    return 0


if __name__ == "__main__":
    sys.exit(main())
