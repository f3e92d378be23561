"""One configuration of the fee simulation, and the pool + replay it starts from.

Shared by `DynamicFeeEnv` and the backtest engine so that both simulate the same market the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from envs.amm import FEE_DENOM, FLOW_MODES, STEP_COLUMNS, Pool, PoolParams, Replay
from envs.flow import BETA, BETA_ROUTE
from envs.market import Market
from envs.rule_map import RuleMap

PIPS_PER_BP = 100


@dataclass(frozen=True)
class FeeSimConfig:
    """Economics and pool settings of a fee simulation (fees in basis points)."""

    fee_min_bps: float = 1.0
    fee_max_bps: float = 100.0
    max_fee_change_bps: float = 25.0
    initial_fee_bps: float = 30.0
    depth: float = 0.1  # our pool's liquidity relative to the venue's at the start of the replay
    gas_quote: float = 0.10  # the arbitrageur's gas cost per trade, in quote units
    beta: float | None = None  # logit slope per unit of cost difference; None: the flow model's calibration
    flow: str = "route"  # "route": all flow, on the all-in price; "logit": uninformed flow, on fee and depth
    flow_scale: float = 1.0  # multiplies the flow's price sensitivity (beta)
    pool: PoolParams = field(default=None)  # type: ignore[assignment]

    def __post_init__(self):
        if not 0 <= self.fee_min_bps <= self.initial_fee_bps <= self.fee_max_bps < 10_000:
            raise ValueError("need 0 <= fee_min <= initial_fee <= fee_max < 10000 bps")
        if self.max_fee_change_bps <= 0 or self.depth <= 0 or self.gas_quote < 0:
            raise ValueError("max fee change and depth must be positive, gas non-negative")
        if self.flow not in FLOW_MODES:
            raise ValueError(f"flow model {self.flow!r}: use one of {', '.join(FLOW_MODES)}")
        if not self.flow_scale > 0:
            raise ValueError(f"flow scale {self.flow_scale}: give a positive number")
        if self.beta is None:
            object.__setattr__(self, "beta", BETA_ROUTE if self.flow == "route" else BETA)
        params = self.pool or PoolParams()
        object.__setattr__(
            self,
            "pool",
            PoolParams(
                fee_min=bps_to_pips(self.fee_min_bps),
                fee_max=bps_to_pips(self.fee_max_bps),
                fee_max_step=bps_to_pips(self.max_fee_change_bps),
                tau_fast=params.tau_fast,
                tau_slow=params.tau_slow,
                tau_flow=params.tau_flow,
                tau_twap=params.tau_twap,
            ),
        )


def default_rule_map(config: FeeSimConfig) -> RuleMap:
    """The map an environment uses when given none: one output, the base fee over the pool's bounds."""
    return RuleMap.symmetric(max(config.pool.fee_min, 1), config.pool.fee_max)


def bps_to_pips(bps: float) -> int:
    return int(round(bps * PIPS_PER_BP))


def start_replay(market: Market, cfg: FeeSimConfig, first_step: int = 0) -> Replay:
    """A fresh pool at the fair price before `first_step`, `cfg.depth` times as deep as the venue, and the
    replay positioned there."""
    pos = int(market.step_end[first_step - 1]) if first_step > 0 else 0
    ref = max(pos - 1, 0)
    price = float(market.price[ref])
    liquidity = cfg.depth * float(market.liquidity[min(pos, len(market.price) - 1)])
    r0, r1 = int(liquidity / math.sqrt(price)), int(liquidity * math.sqrt(price))
    now = int(market.step_time[first_step - 1]) if first_step > 0 else market.start_time
    pool = Pool(r0, r1, bps_to_pips(cfg.initial_fee_bps), cfg.pool, now=now)
    gas_token1 = cfg.gas_quote / float(market.spec.quote_per_token1(price))
    beta = cfg.beta * cfg.flow_scale
    return Replay(pool, market, beta, market.spec.venue_fee, gas_token1, price, position=pos, flow=cfg.flow)


def step_pnl_bps(rows: np.ndarray) -> np.ndarray:
    """Hedged LP PnL (fees + markout at the fair price) of each step, in bps of the step's starting TVL."""
    fees, markout, tvl = (rows[:, STEP_COLUMNS.index(c)] for c in ("fees", "markout_ex_fee", "tvl"))
    return (fees + markout) / tvl * 1e4


__all__ = ["FeeSimConfig", "start_replay", "step_pnl_bps", "bps_to_pips", "default_rule_map", "FEE_DENOM"]
