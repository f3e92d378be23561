"""Embedded synthetic market: seeded Uniswap V3 swap events, so demos and tests run without data.

The default market imitates Arbitrum WETH/USDT 0.05% (the pool in ``shared/data``): token0 = WETH
(18 decimals), token1 = USDT (6 decimals), price ~2,500 USDT/WETH, 0.25 s blocks. Output is a pyarrow
table in the canonical swap schema (the ``Swap`` event plus block number, timestamp and log index).

Model
-----
*Fair price* (the "CEX" price informed traders know), on a 1 s grid:

- log price with stochastic volatility: the log of the diffusive vol follows an Ornstein-Uhlenbeck
  process (mean reversion time ``vol_reversion_hours`` = 6 h, stationary std ``vol_of_vol`` = 0.5,
  updated every minute), scaled so that E[sigma^2] is the diffusive variance;
- jumps: compound Poisson, ``jumps_per_day`` = 4, sizes ``jump_scale`` * Student-t(``jump_df`` = 4),
  i.e. 0.2% scale, std 0.28%, clipped at +-25%;
- ``annual_vol`` = 60% is the *total* annualised vol (365-day year): the diffusive variance is
  ``annual_vol**2`` minus the jump variance (4/day * 365 * 0.0028**2 = 0.0117 of 0.36).

*Reference pool*: Uniswap V3 inside one range with constant virtual liquidity ``liquidity`` = 8e18
(the real pool's active liquidity is ~1e19 in sqrt(raw0*raw1) units): token1 in moves sqrt(P) by
net1/L, token0 in moves 1/sqrt(P) by net0/L (net = gross * (1 - fee)). A 4,000 USDT trade moves
the price by ~0.2 bp (real pool: median move 0.17 bp per swap).

*Uninformed flow*: Poisson arrivals, random direction, size in USD (the USDT paid in, or the USD
value of the WETH sold at the pool price): lognormal body with median ``median_trade_usd`` = 4,000
and log-std 0.75, whose top 5% is replaced by a Pareto tail (alpha 2.5) starting at the body's 95th
percentile (median unchanged), capped at 2M USD. Quantiles p90/p99/p99.9 come out at ~2.6x/6.5x/16x
the median (real pool, all swaps: 2.5x/6.9x/17.7x).

*Informed flow*:

- arbitrage: at every second, and right after every arriving trade (backrun, same block), if the pool
  price is outside the no-arbitrage band [fair * (1 - fee), fair / (1 - fee)] and moving it back to
  the band edge earns more than ``arb_min_profit_usd`` = 0.5 USD at the fair price, an arbitrageur
  does so (a swap with positive markout);
- informed directional: a share ``directional_share`` = 2% of arrivals trade in the direction of
  the fair price move over the next ``directional_horizon_s`` = 60 s.

The uninformed arrival rate is set by a pilot run so that all swaps together (uninformed, arbitrage,
directional) come to ``swaps_per_day`` = 18,600 (the real pool's figure; where arbitrage alone
would exceed it, e.g. at a zero fee, the uninformed rate floors at 5% of it). Set
``uninformed_per_day`` to fix the rate instead.

Measured at the defaults (3 days, seeds 0-5): 18,510-18,690 swaps a day; informed share 29-33%
(arbitrage median size ~23k USD, i.e. ~1 bp moves); uninformed median 3,960-4,015 USD; realised
vol of the fair price (5-min returns) 0.52-0.59, of the pool price 0.51-0.57 (the pool sticks to the
fee band's edges, which takes a little variance off); median price move per swap 0.3 bp; ~1.04
swaps per used block (real pool: 1.46). Generation takes ~0.3 s for 3 days.

Amounts and prices are exact integers: sqrt_price_x96 is the float sqrt price scaled by 2**96 (exact
conversion), and the amounts are the V3 curve deltas between consecutive sqrt prices in integer
math (input rounded up and grossed up by the fee, output rounded down), so amount1 > 0 exactly when
the price rises. ``tick`` is floor(log_1.0001(price)) from the float price (may be off by one only
within ~1e-12 of a tick boundary). ``gbm_swaps`` gives a pure GBM path, one swap per block, for
closed-form LVR tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from statistics import NormalDist

import numpy as np
import pyarrow as pa

from envs.data.schema import SWAP_SCHEMA
from envs.synthetic_events import ARBS, ROUTERS, TRADERS, address, block_columns, exact_columns, swap_table

__all__ = [
    "SWAP_SCHEMA",
    "FairPath",
    "SyntheticMarketConfig",
    "fair_price_path",
    "gbm_swaps",
    "generate_swaps",
    "generate_with_truth",
]

SECONDS_PER_YEAR = 365.0 * 86400.0


@dataclass(frozen=True)
class SyntheticMarketConfig:
    """Parameters of the synthetic market; defaults are calibrated to Arbitrum WETH/USDT 0.05%."""

    days: float = 3.0
    seed: int = 0
    start: datetime = field(default_factory=lambda: datetime(2025, 1, 1, tzinfo=UTC))
    start_block: int = 290_500_000
    block_seconds: float = 0.25
    grid_seconds: float = 1.0
    start_price: float = 2500.0  # USDT per WETH
    decimals0: int = 18
    decimals1: int = 6
    # fair price
    annual_vol: float = 0.60  # total (diffusion + jumps), 365-day year
    vol_reversion_hours: float = 6.0
    vol_of_vol: float = 0.5  # stationary std of log-vol
    jumps_per_day: float = 4.0
    jump_scale: float = 0.002
    jump_df: float = 4.0
    # pool
    liquidity: int = 8 * 10**18
    fee: float = 0.0005
    # flow
    swaps_per_day: float = 18_600.0  # all swaps, informed included
    uninformed_per_day: float | None = None  # None: set by a pilot run to hit swaps_per_day
    median_trade_usd: float = 4_000.0
    trade_size_sigma: float = 0.75
    tail_share: float = 0.05
    tail_alpha: float = 2.5
    min_trade_usd: float = 1.0
    max_trade_usd: float = 2_000_000.0
    directional_share: float = 0.02
    directional_horizon_s: float = 60.0
    arb_min_profit_usd: float = 0.5

    @property
    def start_timestamp(self) -> int:
        """Unix seconds of the start (a naive datetime is read as UTC)."""
        start = self.start if self.start.tzinfo else self.start.replace(tzinfo=UTC)
        return int(start.timestamp())

    @property
    def raw_scale(self) -> float:
        """Factor from a USD price (token1 per token0) to a raw price (raw1 per raw0)."""
        return 10.0 ** (self.decimals1 - self.decimals0)


@dataclass(frozen=True)
class FairPath:
    """Fair price on the simulation grid: times (unix s, float), price (token1 per token0), vol."""

    t: np.ndarray
    price: np.ndarray
    sigma: np.ndarray  # instantaneous annualised diffusive vol on each grid step


def _config(config: SyntheticMarketConfig | None, overrides: dict) -> SyntheticMarketConfig:
    return replace(config or SyntheticMarketConfig(), **overrides)


def _streams(seed: int) -> list[np.random.Generator]:
    """Independent generators for price, flow and labels, so one stream does not shift another."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)]


def fair_price_path(config: SyntheticMarketConfig | None = None, **overrides) -> FairPath:
    """Simulate the fair price (stochastic vol + jumps) on the grid; the one ``generate_swaps`` uses."""
    cfg = _config(config, overrides)
    rng = _streams(cfg.seed)[0]
    dt = cfg.grid_seconds
    n = int(round(cfg.days * 86400.0 / dt))
    dt_y = dt / SECONDS_PER_YEAR

    jump_var = cfg.jumps_per_day * 365.0 * cfg.jump_scale**2 * cfg.jump_df / (cfg.jump_df - 2.0)
    diff_var = cfg.annual_vol**2 - jump_var
    if diff_var <= 0:
        raise ValueError("jump variance exceeds annual_vol**2; lower jumps_per_day or jump_scale")

    # log-vol OU on a 1-minute grid (exact AR(1) discretisation), held within the minute
    vov = cfg.vol_of_vol
    step = 60.0
    m = int(math.ceil(n * dt / step)) + 1
    a = math.exp(-step / (cfg.vol_reversion_hours * 3600.0))
    z = rng.standard_normal(m)
    x = np.empty(m)
    x[0] = vov * z[0]
    b = vov * math.sqrt(1.0 - a * a)
    xp = x[0]
    for i in range(1, m):
        xp = a * xp + b * z[i]
        x[i] = xp
    sig_min = math.sqrt(diff_var) * np.exp(x - vov * vov)  # E[sigma^2] = diff_var
    sigma = sig_min[(np.arange(n) * dt / step).astype(np.int64)]

    incr = sigma * math.sqrt(dt_y) * rng.standard_normal(n) - 0.5 * sigma**2 * dt_y
    n_jumps = rng.poisson(cfg.jumps_per_day * n * dt / 86400.0)
    where = rng.integers(0, n, n_jumps)
    sizes = np.clip(cfg.jump_scale * rng.standard_t(cfg.jump_df, n_jumps), -0.25, 0.25)
    np.add.at(incr, where, sizes)

    logp = math.log(cfg.start_price) + np.concatenate(([0.0], np.cumsum(incr)))
    t = cfg.start_timestamp + dt * np.arange(n + 1)
    return FairPath(t=t, price=np.exp(logp), sigma=np.concatenate((sigma, sigma[-1:])))


def _trade_sizes(rng: np.random.Generator, n: int, cfg: SyntheticMarketConfig) -> np.ndarray:
    """USD sizes: lognormal body, its top ``tail_share`` replaced by a Pareto tail (median kept)."""
    z = rng.standard_normal(n)
    e = rng.standard_exponential(n)
    z_tail = NormalDist().inv_cdf(1.0 - cfg.tail_share)
    body = cfg.median_trade_usd * np.exp(cfg.trade_size_sigma * z)
    q_tail = cfg.median_trade_usd * math.exp(cfg.trade_size_sigma * z_tail)
    size = np.where(z > z_tail, q_tail * np.exp(e / cfg.tail_alpha), body)
    return np.clip(size, cfg.min_trade_usd, cfg.max_trade_usd)


def _simulate_pool(
    fair_raw: np.ndarray,
    arr_t: np.ndarray,
    arr_usd: np.ndarray,
    arr_dir: np.ndarray,
    s0: float,
    liquidity: float,
    fee: float,
    min_profit_raw: float,
    unit1: float,
    dt: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run the reference pool through arrivals and arbitrage, in time order.

    ``fair_raw``: fair raw price per grid step; arrivals sorted by time (s from start), size in USD,
    direction +1 = token1 in (price up). Returns per swap: time, sqrt raw price after, price
    direction (+1/-1), and the arrival index (-1 for an arbitrage).
    """
    g = 1.0 - fee
    L = liquidity
    out_t: list[float] = []
    out_s: list[float] = []
    out_d: list[int] = []
    out_src: list[int] = []
    s = s0
    n_arr = len(arr_t)
    arr_k = (arr_t // dt).astype(np.int64).tolist()
    arr_t_l = arr_t.tolist()
    arr_usd_l = arr_usd.tolist()
    arr_dir_l = arr_dir.tolist()
    hi_l = (fair_raw / g).tolist()
    lo_l = (fair_raw * g).tolist()
    fair_l = fair_raw.tolist()
    sqrt = math.sqrt
    j = 0
    next_k = arr_k[0] if n_arr else -1
    for k in range(len(fair_l)):
        hi = hi_l[k]
        lo = lo_l[k]
        f = fair_l[k]
        tk = k * dt
        first = True
        while True:
            # arbitrage check (at the grid time, then after each arrival)
            p = s * s
            if p > hi:
                sb = sqrt(hi)
                profit = L * (s - sb) - L * (1.0 / sb - 1.0 / s) / g * f
                if profit > min_profit_raw:
                    out_t.append(tk if first else arr_t_l[j - 1])
                    out_s.append(sb)
                    out_d.append(-1)
                    out_src.append(-1)
                    s = sb
            elif p < lo:
                sb = sqrt(lo)
                profit = L * (1.0 / s - 1.0 / sb) * f - L * (sb - s) / g
                if profit > min_profit_raw:
                    out_t.append(tk if first else arr_t_l[j - 1])
                    out_s.append(sb)
                    out_d.append(1)
                    out_src.append(-1)
                    s = sb
            first = False
            if next_k != k:
                break
            # next arrival within this grid step
            usd = arr_usd_l[j]
            if arr_dir_l[j] > 0:
                s = s + usd * unit1 * g / L
                out_d.append(1)
            else:
                s = 1.0 / (1.0 / s + usd * unit1 / (s * s) * g / L)
                out_d.append(-1)
            out_t.append(arr_t_l[j])
            out_s.append(s)
            out_src.append(j)
            j += 1
            next_k = arr_k[j] if j < n_arr else -1
    return (
        np.asarray(out_t, dtype=np.float64),
        np.asarray(out_s, dtype=np.float64),
        np.asarray(out_d, dtype=np.int8),
        np.asarray(out_src, dtype=np.int64),
    )


def generate_with_truth(config: SyntheticMarketConfig | None = None, **overrides) -> tuple[pa.Table, np.ndarray]:
    """Swaps of the synthetic market and the ground-truth informed flag of each row.

    Informed = arbitrage back to the fee band, or an informed directional trade. Addresses: arbitrage
    comes from a few bot addresses (sender == recipient), everything else from routers on behalf of
    many traders, so a classifier that must not read addresses should drop those columns.
    """
    cfg = _config(config, overrides)
    _, rng_flow, rng_label = _streams(cfg.seed)
    fair = fair_price_path(cfg)
    dt = cfg.grid_seconds
    horizon = fair.t[-1] - fair.t[0]
    days = horizon / 86400.0
    fair_raw = fair.price[:-1] * cfg.raw_scale
    s0 = math.sqrt(cfg.start_price * cfg.raw_scale)
    unit1 = 10.0**cfg.decimals1
    L = float(cfg.liquidity)
    min_profit = cfg.arb_min_profit_usd * unit1

    # candidate arrivals at the total rate; a rate r keeps those with mark < r / total (nested)
    top = max(cfg.swaps_per_day, cfg.uninformed_per_day or 0.0)
    n_cand = rng_flow.poisson(top * days)
    cand_t = np.sort(rng_flow.uniform(0.0, horizon, n_cand))
    mark = rng_flow.uniform(size=n_cand)
    usd = _trade_sizes(rng_flow, n_cand, cfg)
    directional = rng_flow.uniform(size=n_cand) < cfg.directional_share
    k = (cand_t // dt).astype(np.int64)
    k_ahead = np.minimum(k + int(round(cfg.directional_horizon_s / dt)), len(fair.price) - 1)
    fut = np.sign(fair.price[k_ahead] - fair.price[k])
    rand_dir = np.where(rng_flow.uniform(size=n_cand) < 0.5, 1, -1)
    cand_dir = np.where(directional & (fut != 0), fut, rand_dir).astype(np.int8)

    def run(rate: float) -> tuple[np.ndarray, ...]:
        keep = mark < rate / top
        idx = np.flatnonzero(keep)
        res = _simulate_pool(fair_raw, cand_t[idx], usd[idx], cand_dir[idx], s0, L, cfg.fee, min_profit, unit1, dt)
        return (*res, idx)

    if cfg.uninformed_per_day is not None:
        out = run(cfg.uninformed_per_day)
    else:
        rate = cfg.swaps_per_day * 0.75
        out = run(rate)
        n_arb = int(np.count_nonzero(out[3] < 0))
        rate = max(cfg.swaps_per_day - n_arb / days, 0.05 * cfg.swaps_per_day)
        out = run(rate)
    t, s, d, src, idx = out

    is_arb = src < 0
    informed = is_arb.copy()
    informed[~is_arb] = directional[idx[src[~is_arb]]]
    n = len(t)
    trader = rng_label.integers(0, len(TRADERS), n)
    router = rng_label.integers(0, len(ROUTERS), n)
    bot = rng_label.integers(0, len(ARBS), n)
    routers = np.array(ROUTERS, dtype=object)
    arbs = np.array(ARBS, dtype=object)
    sender = np.where(is_arb, arbs[bot], routers[router])
    recipient = np.where(is_arb, arbs[bot], np.array(TRADERS, dtype=object)[trader])

    block, ts, li = block_columns(t, rng_label, cfg.block_seconds, cfg.start_block, cfg.start_timestamp)
    a0, a1, sp, tick = exact_columns(s, d, s0, cfg.liquidity, cfg.fee)
    table = swap_table(block, ts, li, sender, recipient, a0, a1, sp, cfg.liquidity, tick)
    return table, informed


def generate_swaps(config: SyntheticMarketConfig | None = None, **overrides) -> pa.Table:
    """Swaps of the synthetic market in the canonical schema (seeded, deterministic)."""
    return generate_with_truth(config, **overrides)[0]


def gbm_swaps(
    days: float,
    annual_vol: float,
    seed: int,
    block_seconds: float = 1.0,
    start_price: float = 2500.0,
    liquidity: int = 10**15,
    *,
    fee: float = 0.0,
    start: datetime | None = None,
    start_block: int = 290_500_000,
    decimals0: int = 18,
    decimals1: int = 6,
) -> pa.Table:
    """A pure GBM price path (driftless in price), carried by one swap per block.

    The pool starts at ``start_price`` at the start time; row k is block k + 1 and carries the price
    at (k + 1) * block_seconds. Its amounts are the exact V3 deltas at ``liquidity`` (small by
    default, so the swaps are tiny; the price path does not depend on it). Used by closed-form LVR
    tests: an AMM arbitraged on this path loses sigma^2 / 8 of its value per unit time.
    """
    rng = np.random.default_rng(seed)
    n = int(round(days * 86400.0 / block_seconds))
    dt_y = block_seconds / SECONDS_PER_YEAR
    incr = annual_vol * math.sqrt(dt_y) * rng.standard_normal(n) - 0.5 * annual_vol**2 * dt_y
    scale = 10.0 ** (decimals1 - decimals0)
    s0 = math.sqrt(start_price * scale)
    s = s0 * np.exp(0.5 * np.cumsum(incr))
    d = np.where(np.diff(np.concatenate(([s0], s))) >= 0, 1, -1).astype(np.int8)
    t0 = int((start or datetime(2025, 1, 1, tzinfo=UTC)).timestamp())
    off = np.arange(1, n + 1, dtype=np.int64)
    ts = t0 + np.floor(off * block_seconds + 1e-9).astype(np.int64)
    a0, a1, sp, tick = exact_columns(s, d, s0, liquidity, fee)
    who = np.full(n, address("gbm"), dtype=object)
    return swap_table(start_block + off, ts, np.zeros(n, np.int32), who, who, a0, a1, sp, liquidity, tick)


def feature_samples(n: int, seed: int = 0, rule=3000) -> list[list[int]]:
    """`n` integer feature vectors of the simulated pool (arbitrage and flow included) along a synthetic day,
    evenly spaced in steps, the pool running `rule` (envs.fee_rule.FeeRule, or a static fee in pips): realistic
    inputs for the policy's circuit."""
    from envs.market import build_market
    from envs.simulation import FeeSimConfig, start_replay

    market = build_market(generate_swaps(SyntheticMarketConfig(days=1, seed=seed)))
    replay = start_replay(market, FeeSimConfig())
    picks = set(np.linspace(0, market.n_steps - 1, n).astype(int).tolist())
    rules = np.array([[rule] + [0] * 10], dtype=np.int64) if isinstance(rule, int) else rule.as_array()[None]
    out = []
    for k in range(market.n_steps):
        replay.run(market.step_end[k : k + 1], rules)
        if k in picks:
            out.append(replay.pool.features(int(market.step_time[k])))
    return out
