"""Planning a rebalance: trades toward target weights, sized, routed, predicted and pre-checked.

Per token the value delta to its target; deltas under the minimum size are skipped; everything nets through
the numeraire: overweight tokens are sold for it first, then underweights bought, the buys (sized with V2's
getAmountIn) scaled down together so they never need more numeraire than the vault will hold. Each trade's
output is predicted on its venue (agents.portfolio.routing); its cost (fee + impact, in numeraire raw units)
is taken against the V2 mid price. Trades the vault would refuse anyway (stale reference price, slippage
against the reference, turnover cap) are marked refused and not sent. Without a V3 quote planning is pure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from agents.portfolio.routing import Quote, get_amount_in, route
from agents.portfolio.state import Holding, VaultState
from agents.portfolio.vault import WAD

BPS = 10_000


@dataclass(frozen=True)
class ExecutorConfig:
    tolerance_bps: int = 50  # min_out = predicted * (1 - tolerance)
    min_trade_bps: float = 10.0  # skip trades worth less than this share of the vault
    min_trade: int = 0  # ... or less than this many numeraire raw units
    deadline_s: int = 300

    def __post_init__(self):
        if not 0 <= self.tolerance_bps < BPS or self.min_trade_bps < 0 or self.min_trade < 0 or self.deadline_s <= 0:
            raise ValueError("tolerance_bps in [0, 10000), min trade sizes >= 0 and a positive deadline")


@dataclass
class PlannedTrade:
    index: int
    side: str  # 'sell' (token -> numeraire) or 'buy' (numeraire -> token)
    symbol: str  # the non-numeraire token's label (its symbol, made unique in the vault)
    token: str  # ... and its address, by which it is looked up
    token_in: str
    token_out: str
    amount_in: int
    predicted_out: int
    min_out: int
    mid_value: int  # value given at the mid price, numeraire raw units
    predicted_cost: int  # fee + impact vs the mid price, numeraire raw units
    depends_on: list[int] = field(default_factory=list)
    venue: str = "v2"  # 'v2' (the V2 pair, swap_v2) or 'v3:FEE' (the V3 pool at that fee, swap_v3)
    status: str = "planned"  # planned, done, reverted, refused, skipped, error
    reason: str = ""
    realised_out: int | None = None
    realised_cost: int | None = None
    gas_used: int | None = None
    tx_hash: str | None = None


def plan_trades(
    state: VaultState, target: np.ndarray, cfg: ExecutorConfig = ExecutorConfig(), quote: Quote | None = None
):
    """Trades toward `target` (weight per asset, the rest in the numeraire), sells first; returns (trades,
    skipped_small). Target values are taken of the value left after the plan's predicted costs (a few fixed-
    point rounds), so that the costs are shared by all positions. V2 predictions use the reserves in `state`;
    with `quote`, each trade of a token with V3 pools goes to the venue with the larger output."""
    target = np.asarray(target, dtype=float)
    if target.shape != (len(state.assets),) or np.any(target < 0) or target.sum() > 1 + 1e-9:
        raise ValueError(f"target weights {target} must be {len(state.assets)} non-negative weights summing to <= 1")
    after = state.total
    for _ in range(3):
        trades, skipped = _plan(state, target, cfg, after, quote)
        after = state.total - sum(t.predicted_cost for t in trades)
    turnover = state.turnover_used
    for trade in trades:
        turnover += _precheck(state, trade, turnover)
    return trades, skipped


def _plan(state: VaultState, target: np.ndarray, cfg: ExecutorConfig, after: int, quote: Quote | None = None):
    """One planning round, target values taken of `after`."""
    total = state.total
    floor = max(cfg.min_trade, int(total * cfg.min_trade_bps / BPS))
    num = state.numeraire.token
    trades: list[PlannedTrade] = []
    skipped: dict[str, int] = {}
    buys: list[tuple[Holding, int]] = []
    for asset, weight in zip(state.assets, target, strict=True):
        delta = int(weight * after) - asset.value()
        if delta == 0 or abs(delta) < floor:
            if delta:
                skipped[asset.symbol] = delta
            continue
        if delta > 0:
            buys.append((asset, delta))
            continue
        amount = (
            asset.balance
            if weight == 0
            else min(asset.balance, -delta * asset.reserve_token // asset.reserve_numeraire)
        )
        if amount == 0:
            continue
        venue, out = route(asset, num, "sell", amount, quote)
        trades.append(
            _trade(len(trades), "sell", asset, asset.token, num, amount, out, asset.value(amount), cfg, venue)
        )
    sells = [t.index for t in trades]
    available = state.numeraire.balance + sum(t.predicted_out for t in trades)
    spend = [
        get_amount_in(delta * a.reserve_token // a.reserve_numeraire, a.reserve_numeraire, a.reserve_token)
        for a, delta in buys
    ]
    need = sum(spend)
    if need > available:
        spend = [s * available // need for s in spend]
    for (asset, _), amount in zip(buys, spend, strict=True):
        if amount < max(floor, 1):
            skipped[asset.symbol] = amount
            continue
        venue, out = route(asset, num, "buy", amount, quote)
        trade = _trade(len(trades), "buy", asset, num, asset.token, amount, out, amount, cfg, venue)
        trade.predicted_cost = amount - asset.value(out)
        if sum(spend) > state.numeraire.balance:
            trade.depends_on = list(sells)  # paid partly with the sells' proceeds
        trades.append(trade)
    return trades, skipped


def _trade(index, side, asset, token_in, token_out, amount, out, mid_value, cfg, venue="v2") -> PlannedTrade:
    min_out = out * (BPS - cfg.tolerance_bps) // BPS
    cost = mid_value - out if side == "sell" else 0
    return PlannedTrade(
        index, side, asset.symbol, asset.token, token_in, token_out, amount, out, min_out, mid_value, cost, venue=venue
    )


def _precheck(state: VaultState, trade: PlannedTrade, turnover: int) -> int:
    """Marks a trade the vault would refuse at its reference prices (checked before spending gas); returns the
    turnover it adds. The turnover check uses the vault's value before the plan (the vault's own check, at
    each trade, is final)."""
    asset = next(a for a in state.assets if a.token == trade.token)
    if asset.reference_wad == 0 or state.timestamp > asset.reference_time + state.limits["price_max_age"]:
        trade.status = "refused"
        trade.reason = (
            f"StalePrice: the vault's reference price of {asset.symbol} is "
            + ("unset" if asset.reference_wad == 0 else f"{state.timestamp - asset.reference_time} s old")
            + f" (max {state.limits['price_max_age']} s); the owner or the price keeper must refresh it"
            + " (lamm agent prices)"
        )
        return 0
    if trade.side == "sell":
        value_in, value_out = trade.amount_in * asset.reference_wad // WAD, trade.predicted_out
    else:
        value_in, value_out = trade.amount_in, trade.predicted_out * asset.reference_wad // WAD
    if value_out * BPS < value_in * (BPS - state.limits["max_slippage_bps"]):
        trade.status = "refused"
        trade.reason = (
            f"SlippageExceeded (predicted): {value_out} out for {value_in} in at reference prices, beyond the "
            f"vault's {state.limits['max_slippage_bps']} bps"
        )
        return 0
    if turnover + value_in > state.turnover_limit:
        trade.status = "refused"
        trade.reason = (
            f"TurnoverCapExceeded (predicted): {turnover + value_in} traded this period, the cap is "
            f"{state.turnover_limit}"
        )
        return 0
    return value_in


def planned_weights(state: VaultState, trades: list[PlannedTrade]) -> dict[str, float]:
    """Weights after the planned trades (not refused, nor needing a refused one) at the planning mid prices."""
    held = {a.token: a.balance for a in state.assets}
    cash = state.numeraire.balance
    counted: set[int] = set()
    for t in trades:
        if t.status == "planned" and counted.issuperset(t.depends_on):
            counted.add(t.index)
            held[t.token] += t.predicted_out if t.side == "buy" else -t.amount_in
            cash += t.predicted_out if t.side == "sell" else -t.amount_in
    values = {a.symbol: a.value(held[a.token]) for a in state.assets}
    total = cash + sum(values.values())
    out = {k: v / total if total else 0.0 for k, v in values.items()}
    out[state.numeraire.symbol] = cash / total if total else 0.0
    return out
