"""Metrics of a fee backtest, with stable names (documented in the README).

Per-step figures are in bps of the pool's value at the start of the step. Per-day figures divide totals by
the observed days (holes in the data excluded); Sharpe and drawdown use the series of UTC-day sums.
"""

from __future__ import annotations

import numpy as np

from envs.amm import STEP_COLUMNS
from envs.market import Market, utc_day

METRIC_NAMES = (
    "hedged_pnl_bps_per_day",
    "fees_bps_per_day",
    "lvr_bps_per_day",
    "sharpe",
    "max_drawdown_bps",
    "mean_fee_bps",
    "uninformed_volume_offered",
    "uninformed_volume_kept",
    "kept_share",
    "arb_volume",
    "arbs_per_day",
    "hedged_pnl_quote",
    "fees_quote",
    "lvr_quote",
    "tvl_quote",
    "days",
    # by source: arbitrage, informed flow, uninformed flow (envs.flow); pnl = fees + markout
    "pnl_arb_bps_per_day",
    "pnl_informed_bps_per_day",
    "pnl_uninformed_bps_per_day",
    "fees_arb_bps_per_day",
    "fees_informed_bps_per_day",
    "fees_uninformed_bps_per_day",
    "markout_arb_bps_per_day",
    "markout_informed_bps_per_day",
    "markout_uninformed_bps_per_day",
    "informed_volume_offered",
    "informed_volume_kept",
    "mean_fee_buy_bps",
    "mean_fee_sell_bps",
    "effective_fee_bps",
)
SOURCE_NAMES = ("arb", "informed", "uninformed")


def _col(steps: np.ndarray, name: str) -> np.ndarray:
    return steps[:, STEP_COLUMNS.index(name)]


def step_series(market: Market, steps: np.ndarray) -> dict[str, np.ndarray]:
    """Per-step series in bps of TVL (fees, lvr, hedged_pnl) and in quote units (volumes)."""
    tvl = _col(steps, "tvl")
    to_quote = market.spec.quote_per_token1(_col(steps, "fair_price"))
    fees, markout = _col(steps, "fees"), _col(steps, "markout_ex_fee")
    return {
        "fee_bps": _col(steps, "fee_pips") / 100,
        "fees_bps": fees / tvl * 1e4,
        "lvr_bps": -markout / tvl * 1e4,
        "hedged_pnl_bps": (fees + markout) / tvl * 1e4,
        "fees_quote": fees * to_quote,
        "lvr_quote": -markout * to_quote,
        "offered_quote": _col(steps, "offered_volume") * to_quote,
        "kept_quote": _col(steps, "kept_volume") * to_quote,
        "arb_quote": _col(steps, "arb_volume") * to_quote,
        "tvl_quote": tvl * to_quote,
        "fair_price": _col(steps, "fair_price"),
        "pool_price": _col(steps, "pool_price"),
        "n_arbs": _col(steps, "n_arbs"),
        "fee_buy_bps": _col(steps, "fee_buy_pips") / 100,
        "fee_sell_bps": _col(steps, "fee_sell_pips") / 100,
        "offered_informed_quote": _col(steps, "offered_informed") * to_quote,
        "kept_informed_quote": _col(steps, "kept_informed") * to_quote,
        **{f"fees_{src}_bps": _col(steps, f"fees_{src}") / tvl * 1e4 for src in ("arb", "informed", "uninformed")},
        **{
            f"markout_{src}_bps": _col(steps, f"markout_{src}") / tvl * 1e4 for src in ("arb", "informed", "uninformed")
        },
    }


def daily(market: Market, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(days, per-day sums) of a per-step series."""
    days, inverse = np.unique(utc_day(market.step_time - 1), return_inverse=True)
    return days, np.bincount(inverse, weights=values, minlength=len(days))


def max_drawdown(cumulative: np.ndarray) -> float:
    """Largest fall from a running peak (the start counts as a peak at zero)."""
    path = np.r_[0.0, cumulative]
    return float(np.max(np.maximum.accumulate(path) - path))


def fee_metrics(market: Market, steps: np.ndarray) -> dict[str, float]:
    s = step_series(market, steps)
    _, pnl_daily = daily(market, s["hedged_pnl_bps"])
    n_days = market.days
    std = float(np.std(pnl_daily, ddof=1)) if len(pnl_daily) > 1 else 0.0
    offered = float(s["offered_quote"].sum())
    kept = float(s["kept_quote"].sum())
    traded = kept + float(s["kept_informed_quote"].sum()) + float(s["arb_quote"].sum())

    def per_day(key: str) -> float:
        return float(s[key].sum() / n_days)

    return {
        "hedged_pnl_bps_per_day": float(s["hedged_pnl_bps"].sum() / n_days),
        "fees_bps_per_day": float(s["fees_bps"].sum() / n_days),
        "lvr_bps_per_day": float(s["lvr_bps"].sum() / n_days),
        "sharpe": float(pnl_daily.mean() / std * np.sqrt(365)) if std > 0 else 0.0,
        "max_drawdown_bps": max_drawdown(np.cumsum(pnl_daily)),
        "mean_fee_bps": float(s["fee_bps"].mean()),
        "uninformed_volume_offered": offered,
        "uninformed_volume_kept": kept,
        "kept_share": kept / offered if offered > 0 else 0.0,
        "arb_volume": float(s["arb_quote"].sum()),
        "arbs_per_day": float(s["n_arbs"].sum() / n_days),
        "hedged_pnl_quote": float(s["fees_quote"].sum() - s["lvr_quote"].sum()),
        "fees_quote": float(s["fees_quote"].sum()),
        "lvr_quote": float(s["lvr_quote"].sum()),
        "tvl_quote": float(s["tvl_quote"][0]),
        "days": float(n_days),
        **{
            f"pnl_{src}_bps_per_day": per_day(f"fees_{src}_bps") + per_day(f"markout_{src}_bps") for src in SOURCE_NAMES
        },
        **{f"fees_{src}_bps_per_day": per_day(f"fees_{src}_bps") for src in SOURCE_NAMES},
        **{f"markout_{src}_bps_per_day": per_day(f"markout_{src}_bps") for src in SOURCE_NAMES},
        "informed_volume_offered": float(s["offered_informed_quote"].sum()),
        "informed_volume_kept": float(s["kept_informed_quote"].sum()),
        "mean_fee_buy_bps": float(s["fee_buy_bps"].mean()),
        "mean_fee_sell_bps": float(s["fee_sell_bps"].mean()),
        "effective_fee_bps": float(s["fees_quote"].sum() / traded * 1e4) if traded > 0 else 0.0,
    }
