"""The backtest engine: each strategy replays the same market through the same simulation as the env.

A strategy with a constant rule (a static fee, a heuristic) runs in one pass of the C core; any other is asked
for its rule from the observation the pool shows at the end of the previous step, exactly as in
`DynamicFeeEnv`: at every step, or every `interval_s` seconds when the strategy has one (a learned policy
decides as often as it was trained to).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from envs.amm import NFEATURES, NOUT, Ledger
from envs.features import observation_from_words
from envs.market import Market
from envs.simulation import FeeSimConfig, start_replay
from strategies.base import FeeStrategy


@dataclass
class FeeRun:
    """One strategy's replay: per-step table (envs.amm.STEP_COLUMNS) and exact token totals."""

    spec: str
    steps: np.ndarray
    ledger: Ledger
    reserves: tuple[int, int]
    initial_reserves: tuple[int, int]


def run_fee_strategy(
    market: Market, strategy: FeeStrategy, config: FeeSimConfig, progress: Callable[[int], None] | None = None
) -> FeeRun:
    replay = start_replay(market, config)
    initial = replay.pool.reserves
    n = market.n_steps
    if strategy.constant_rule is not None:
        steps = replay.run(market.step_end, np.tile(strategy.constant_rule.as_array(), (n, 1)))
        if progress:
            progress(n)
    else:
        steps = np.empty((n, NOUT))
        lo, hi = np.zeros(NFEATURES, dtype=np.int64), np.zeros(NFEATURES, dtype=np.int64)
        now = market.start_time
        chunk = max(n // 100, 1)
        interval = getattr(strategy, "interval_s", None) or 0
        decided = None
        for k in range(n):
            if decided is None or now - decided >= interval:
                replay.pool.features_into(now, lo, hi)
                rule = strategy.decide(observation_from_words(lo, hi)).as_array()[None]
                decided = now
            steps[k] = replay.run(market.step_end[k : k + 1], rule)[0]
            now = int(market.step_time[k])
            if progress and (k + 1) % chunk == 0:
                progress(chunk)
        if progress:
            progress(n % chunk)
    return FeeRun(strategy.spec, steps, replay.ledger, replay.pool.reserves, initial)


def run_fee_backtest(
    market: Market,
    strategies: Sequence[FeeStrategy],
    config: FeeSimConfig,
    progress: Callable[[int], None] | None = None,
) -> dict[str, FeeRun]:
    """Every strategy over the same market, keyed by its spec."""
    return {s.spec: run_fee_strategy(market, s, config, progress) for s in strategies}
