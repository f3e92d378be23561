"""PPO learning curves on the vector env: 2 environments (the former default) against 16, same budget.

Trains `lamm train fee`'s PPO (agents/training/configs/fee-ppo.toml) on the shared Arbitrum swaps
2025-05-04..07-05 with the training environments stepped by FeeVecEnv, and replays the whole validation period
2025-07-06..07-30 with the deterministic policy every `--every` steps: the learning curve, in hedged PnL bps of
TVL per day. Per seed and environment count; training steps per second alongside (the validation replays
timed apart). With 2 environments
the run is bit-identical to the former SubprocVecEnv set-up (tests/test_fee_vec_env.py), so its curve is
today's curve.

    .venv/bin/python benchmarks/ppo_vector_quality.py [--seeds 0,1,2] [--envs 2,16] [--timesteps 300000]
        [--every 50000] [--json benchmarks/out/ppo_vector_quality.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "arbitrum-univ3-weth-usdt-005" / "swaps"
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from stable_baselines3.common.callbacks import EvalCallback  # noqa: E402

from agents.training.config import load_train_config  # noqa: E402
from agents.training.fee import _eval_env, _new_model, _vec_env  # noqa: E402
from backtests.sources import load_swap_table  # noqa: E402
from envs.market import build_market  # noqa: E402


def market(start: str, end: str):
    return build_market(load_swap_table(str(DATA), date.fromisoformat(start), date.fromisoformat(end)))


class TimedEval(EvalCallback):
    """EvalCallback that also keeps the seconds its validation replays take (not training time)."""

    seconds = 0.0

    def _on_step(self) -> bool:
        t0 = time.perf_counter()
        try:
            return super()._on_step()
        finally:
            self.seconds += time.perf_counter() - t0


def curve(train, val, n_envs: int, seed: int, timesteps: int, every: int) -> dict:
    cfg = load_train_config(
        ROOT / "agents" / "training" / "configs" / "fee-ppo.toml", n_envs=n_envs, seed=seed, timesteps=timesteps
    )
    env = _vec_env(train, cfg)
    model = _new_model(cfg, env, None)
    with tempfile.TemporaryDirectory() as tmp:
        evaluator = TimedEval(
            _eval_env(val, cfg), n_eval_episodes=1, eval_freq=max(every // n_envs, 1), log_path=tmp, verbose=0
        )
        t0 = time.perf_counter()
        model.learn(timesteps, callback=evaluator)
        seconds = time.perf_counter() - t0
        log = np.load(Path(tmp) / "evaluations.npz")
    days = val.days
    return {
        "timesteps": log["timesteps"].tolist(),
        "validation_bps_per_day": (log["results"][:, 0] / days).tolist(),
        "seconds": seconds,
        "training_seconds": seconds - evaluator.seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--envs", default="2,16")
    parser.add_argument("--timesteps", type=int, default=300_000)
    parser.add_argument("--every", type=int, default=50_000)
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "out" / "ppo_vector_quality.json")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"shared data not found at {DATA}")
    torch.set_num_threads(1)
    seeds = [int(s) for s in args.seeds.split(",")]
    counts = [int(n) for n in args.envs.split(",")]
    train, val = market("2025-05-04", "2025-07-05"), market("2025-07-06", "2025-07-30")
    runs: dict = {}
    for n in counts:
        for seed in seeds:
            runs[f"{n}/{seed}"] = r = curve(train, val, n, seed, args.timesteps, args.every)
            print(
                f"envs {n:3} seed {seed}: {args.timesteps / r['training_seconds']:7,.0f} steps/s training "
                f"({args.timesteps / r['seconds']:,.0f} with the validation replays), validation bps/day "
                + " ".join(f"{v:+.4f}" for v in r["validation_bps_per_day"]),
                flush=True,
            )
    print(f"\nmean over seeds {seeds} (validation hedged PnL, bps of TVL per day), at each checkpoint")
    ticks = runs[f"{counts[0]}/{seeds[0]}"]["timesteps"]
    print(f"{'envs':>5} {'steps/s':>8} " + " ".join(f"{t:>9,}" for t in ticks) + f" {'final spread':>13}")
    summary = {}
    for n in counts:
        curves = np.array([runs[f"{n}/{s}"]["validation_bps_per_day"] for s in seeds])
        speed = statistics.mean(args.timesteps / runs[f"{n}/{s}"]["training_seconds"] for s in seeds)
        finals = curves[:, -1]
        summary[n] = {"mean_curve": curves.mean(0).tolist(), "steps_per_s": speed, "finals": finals.tolist()}
        print(
            f"{n:>5} {speed:8,.0f} "
            + " ".join(f"{v:+9.4f}" for v in curves.mean(0))
            + f" {finals.min():+.4f}..{finals.max():+.4f}"
        )
    if len(counts) == 2:
        a, b = counts
        gaps = [
            runs[f"{b}/{s}"]["validation_bps_per_day"][-1] - runs[f"{a}/{s}"]["validation_bps_per_day"][-1]
            for s in seeds
        ]
        print(f"\nfinal, {b} minus {a} environments, per seed: " + " ".join(f"{g:+.4f}" for g in gaps))
        print(f"speed-up {summary[b]['steps_per_s'] / summary[a]['steps_per_s']:.2f}x")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"runs": runs, "summary": summary, "seeds": seeds}, indent=1))


if __name__ == "__main__":
    main()
