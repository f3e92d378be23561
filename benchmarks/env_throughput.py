"""Training throughput of the fee environment, side by side in one run.

Measures steps per second of: the single environment (DynamicFeeEnv, raw and as gym.make returns it, with
Gymnasium's checkers); the native vector environment (gym.make_vec's vector entry point) at N = 16, 64, 256,
on one thread and on every core, and its C step alone; the peers gym-trading-env and gym-anytrading (in their
own venv: benchmarks/trading_env_peers.py); and PPO end to end with the fee-ppo settings, on the former
set-up (single environments in subprocesses, SubprocVecEnv, 2 of them) against FeeVecEnv with 2 and 16
environments. Peak memory of the vector env at N = 256 is measured in a fresh process (resident set growth).
Markets: one-day windows of the shared Arbitrum swaps (2025-05-04..05-31) when present, else the embedded
synthetic market; the routed flow (the default) with training's reward (baseline 30 bps, shaping), and the
logit flow for the vector env at N = 256.

    .venv/bin/python benchmarks/env_throughput.py [--seconds 3] [--ppo-steps 20480] [--no-peers] [--strict]

Bars (issue 18): single env >= 50k steps/s; vector env >= 1M env-steps/s at N = 256; PPO >= 3x the former
set-up's steps/s. --strict exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "arbitrum-univ3-weth-usdt-005" / "swaps"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402

import envs  # noqa: E402, F401  (registers the environments)
from envs.fee_env import DynamicFeeEnv, default_market  # noqa: E402
from envs.simulation import FeeSimConfig  # noqa: E402

DAY = 1440  # one-minute steps
REWARD = dict(reward_baseline_bps=30.0, reward_shaping_gamma=0.9)  # training's (agents/training/config.py)


def load_market():
    if DATA.is_dir():
        from backtests.sources import load_swap_table
        from envs.market import build_market

        return build_market(load_swap_table(str(DATA), date(2025, 5, 4), date(2025, 5, 31))), "Arbitrum 2025-05-04..31"
    return default_market(days=7), "synthetic, 7 days"


def rate(step, batch: int, seconds: float) -> float:
    """Steps per second of `step()` (each `batch` steps) over about `seconds`, after a warm-up."""
    for _ in range(20):
        step()
    done, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for _ in range(50):
            step()
        done += 50 * batch
    return done / (time.perf_counter() - t0)


def single_env(market, seconds: float, made: bool) -> float:
    kw = dict(market=market, episode_steps=DAY, **REWARD)
    env = gym.make("lamm/DynamicFee-v0", **kw) if made else DynamicFeeEnv(**kw)
    env.reset(seed=0)
    action = np.zeros(1, dtype=np.float32)

    def step():
        if env.step(action)[3]:
            env.reset()

    return rate(step, 1, seconds)


def vector_env(market, n: int, threads: int | None, seconds: float, config=None, reward=REWARD) -> float:
    env = gym.make_vec(
        "lamm/DynamicFee-v0",
        n,
        vectorization_mode="vector_entry_point",
        market=market,
        config=config,
        episode_steps=DAY,
        threads=threads,
        **reward,
    )
    env.reset(seed=0)
    actions = np.random.default_rng(0).uniform(-1, 1, size=(n, 1)).astype(np.float32)
    return rate(lambda: env.step(actions), n, seconds)


def c_step_only(market, n: int, seconds: float) -> float:
    """The C step alone (no Gymnasium wrapper): what the wrapper costs is the difference."""
    from envs.fee_batch import FeeBatch
    from envs.rule_map import RuleMap

    cfg = FeeSimConfig()
    batch = FeeBatch(market, cfg, n, DAY, RuleMap.symmetric(cfg.pool.fee_min, cfg.pool.fee_max), **REWARD)
    rng = np.random.default_rng(0)
    for e in range(n):
        batch.reset_env(e, rng)
    batch.active[:] = 1

    def step():
        for e in np.flatnonzero(batch.step()):
            batch.reset_env(int(e), rng)

    return rate(step, n, seconds)


def _status_mib(field: str) -> float:
    """A memory line of /proc/self/status (VmRSS: resident now, VmHWM: its peak), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def memory_child(n: int) -> None:
    """Run in a fresh process: resident memory of building and stepping a vector env of n (JSON)."""
    market, _ = load_market()
    before = _status_mib("VmRSS")
    env = gym.make_vec(
        "lamm/DynamicFee-v0", n, vectorization_mode="vector_entry_point", market=market, episode_steps=DAY, **REWARD
    )
    env.reset(seed=0)
    actions = np.zeros((n, 1), dtype=np.float32)
    for _ in range(2 * DAY):  # every environment resets at least once
        env.step(actions)
    doc = {"market_mib": before, "with_env_mib": _status_mib("VmRSS"), "process_peak_mib": _status_mib("VmHWM")}
    print(json.dumps(doc))


def peak_memory(n: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(n)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def ppo_rate(market, n_envs: int, former: bool, timesteps: int) -> float:
    """PPO steps per second with the fee-ppo settings: FeeVecEnv, or (former) SubprocVecEnv of single envs."""
    import torch
    from stable_baselines3.common.monitor import Monitor
    from stable_baselines3.common.vec_env import SubprocVecEnv

    from agents.training.config import load_train_config
    from agents.training.fee import _new_model, _vec_env, episode_steps

    torch.set_num_threads(1)
    config = ROOT / "agents" / "training" / "configs" / "fee-ppo.toml"
    cfg = load_train_config(config, n_envs=n_envs, timesteps=timesteps)
    if former:
        steps = episode_steps(market, cfg)

        def single():
            env = DynamicFeeEnv(market, cfg.sim, steps, cfg.reward_baseline_bps, cfg.gamma, cfg.rules)
            return Monitor(gym.wrappers.TransformReward(env, lambda r: r * cfg.reward_scale))

        env = SubprocVecEnv([single] * n_envs, start_method="fork")
    else:
        env = _vec_env(market, cfg)
    model = _new_model(cfg, env, None)
    t0 = time.perf_counter()
    model.learn(timesteps)
    seconds = time.perf_counter() - t0
    env.close()
    return timesteps / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--ppo-steps", type=int, default=20_480)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--strict", action="store_true")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        return memory_child(args.memory_child)
    market, name = load_market()
    cores = len(os.sched_getaffinity(0))
    swaps = len(market.price) / market.n_steps
    print(f"market: {name}, {market.n_steps} one-minute steps, {swaps:.1f} swaps a step; {cores} cores")
    print("reward: hedged PnL minus a 30 bps shadow pool, shaped (training's); routed flow unless noted\n")
    rows: list[tuple[str, float]] = []

    def row(label: str, value: float, unit: str = "steps/s") -> float:
        rows.append((label, value))
        print(f"{label:58} {value:>12,.0f} {unit}", flush=True)
        return value

    single = row("DynamicFeeEnv, raw", single_env(market, args.seconds, made=False))
    row("DynamicFeeEnv via gym.make (checker wrappers)", single_env(market, args.seconds, made=True))
    vec = {}
    for n in (16, 64, 256):
        vec[(n, 1)] = row(f"vector env N={n}, 1 thread", vector_env(market, n, 1, args.seconds), "env-steps/s")
        if cores > 1 and n >= 64:
            vec[(n, cores)] = row(
                f"vector env N={n}, {cores} threads", vector_env(market, n, cores, args.seconds), "env-steps/s"
            )
    best256 = max(v for (n, _), v in vec.items() if n == 256)
    c_only = row(f"C step alone N=256, {cores} threads (no Python around it)", c_step_only(market, 256, args.seconds))
    logit = row(
        f"vector env N=256, {cores} threads, logit flow",
        vector_env(market, 256, cores, args.seconds, FeeSimConfig(flow="logit")),
        "env-steps/s",
    )
    no_baseline = row(
        f"vector env N=256, {cores} threads, unshaped PnL (one pool each)",
        vector_env(market, 256, cores, args.seconds, reward={}),
        "env-steps/s",
    )
    mem = peak_memory(256)
    print(
        f"{'memory, vector env N=256 (fresh process, resident)':58} {mem['with_env_mib']:>12,.0f} MiB "
        f"(market alone {mem['market_mib']:.0f}, env +{mem['with_env_mib'] - mem['market_mib']:.0f}; "
        f"process peak {mem['process_peak_mib']:.0f})"
    )
    peers = {}
    if not args.no_peers:
        from trading_env_peers import peer_steps_per_second

        peers = peer_steps_per_second()
        for peer, doc in peers.items():
            row(f"peer {peer} {doc['version']}", doc["steps_per_s"])
    print()
    former = row("PPO, former set-up: SubprocVecEnv of 2 single envs", ppo_rate(market, 2, True, args.ppo_steps))
    ppo2 = row("PPO, FeeVecEnv, 2 environments", ppo_rate(market, 2, False, args.ppo_steps))
    ppo16 = row("PPO, FeeVecEnv, 16 environments", ppo_rate(market, 16, False, args.ppo_steps))

    print("\nratios")
    print(f"  single env / 50k bar                 {single / 50_000:6.2f}x")
    print(f"  vector env N=256 / single env        {best256 / single:6.2f}x")
    print(
        f"  vector env N=256 / 1M bar            {best256 / 1e6:6.2f}x   (logit flow {logit / 1e6:.2f}x, "
        f"unshaped one pool {no_baseline / 1e6:.2f}x)"
    )
    print(f"  vector env N=256 / its C step alone  {best256 / c_only:6.2f}x")
    for peer, doc in peers.items():
        print(f"  single env / {peer:24} {single / doc['steps_per_s']:6.2f}x")
    print(f"  PPO FeeVecEnv 2 / former set-up      {ppo2 / former:6.2f}x")
    print(f"  PPO FeeVecEnv 16 / former set-up     {ppo16 / former:6.2f}x   (bar 3x)")
    missed = [
        name
        for name, ok in (
            ("single env >= 50k steps/s", single >= 50_000),
            ("vector env >= 1M env-steps/s at N=256", best256 >= 1e6),
            ("PPO >= 3x the former set-up", ppo16 >= 3 * former),
        )
        if not ok
    ]
    print("missed: " + ("; ".join(missed) if missed else "none"))
    if args.strict and missed:
        sys.exit(1)


if __name__ == "__main__":
    main()
