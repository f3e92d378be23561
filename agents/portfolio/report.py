"""What a rebalance did: the report of one executor step, and its text for logs and the console."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from agents.portfolio.planning import BPS, PlannedTrade
from agents.portfolio.routing import venue_fee


@dataclass
class PortfolioReport:
    vault: str
    strategy: str
    dry_run: bool
    weights_before: dict[str, float]
    target: dict[str, float] | None
    numeraire: str = ""  # its symbol; values and costs are in its raw units
    decimals: dict[str, int] = field(default_factory=dict)  # symbol: decimals, to show raw amounts
    weights_planned: dict[str, float] | None = None  # after the predicted trades, at the planning mid prices
    weights_after: dict[str, float] | None = None  # read back after executing, at the new mid prices
    value_before: int = 0
    value_after: int | None = None
    trades: list[PlannedTrade] = field(default_factory=list)
    skipped_small: dict[str, int] = field(default_factory=dict)  # token: value delta under the minimum
    predicted_cost: int = 0
    realised_cost: int = 0  # over the trades done
    predicted_cost_done: int = 0  # the same trades' predicted cost
    gas_used: int = 0
    reason: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def format_report(r: PortfolioReport) -> str:
    """The report as lines: weights before, target, planned and after, then each trade, amounts in human units."""
    num = r.numeraire

    def weights(w):
        return ", ".join(f"{k} {v:.2%}" for k, v in w.items()) if w else "-"

    def amount(raw, symbol):
        return f"{raw / 10 ** r.decimals.get(symbol, 0):,.8g} {symbol}"

    def cost(raw, t):
        return f"{amount(raw, num)} ({raw / t.mid_value * BPS:.1f} bps)" if t.mid_value else amount(raw, num)

    def venue(t):
        fee = venue_fee(t.venue)
        return "Uniswap V2" if fee is None else f"Uniswap V3 {fee / 10_000:g}%"

    lines = [f"vault {r.vault}, strategy {r.strategy}: value {amount(r.value_before, num)}"]
    lines.append(f"  weights before:  {weights(r.weights_before)}")
    if r.target is not None:
        lines.append(f"  target:          {weights(r.target)}")
        lines.append(f"  planned after:   {weights(r.weights_planned)}")
    if r.weights_after is not None:
        lines.append(f"  weights after:   {weights(r.weights_after)} (value {amount(r.value_after, num)})")
    for t in r.trades:
        sym_in, sym_out = (t.symbol, num) if t.side == "sell" else (num, t.symbol)
        what = (
            f"  #{t.index} {t.side} {t.symbol}: {amount(t.amount_in, sym_in)} -> predicted "
            f"{amount(t.predicted_out, sym_out)} (min {amount(t.min_out, sym_out)}) via {venue(t)}"
        )
        if t.status == "done":
            what += (
                f", realised {amount(t.realised_out, sym_out)} ({t.realised_out - t.predicted_out:+d} raw); cost "
                f"predicted {cost(t.predicted_cost, t)}, realised {cost(t.realised_cost, t)}; gas {t.gas_used}, "
                f"tx {t.tx_hash}"
            )
        else:
            what += f", cost {cost(t.predicted_cost, t)}: {t.status}{': ' + t.reason if t.reason else ''}"
        lines.append(what)
    for symbol, delta in r.skipped_small.items():
        lines.append(f"  {symbol}: {amount(delta, num)} to trade is under the minimum trade size, skipped")
    if not r.dry_run and r.trades:
        lines.append(
            f"  totals: cost realised {amount(r.realised_cost, num)} vs predicted {amount(r.predicted_cost_done, num)}"
            f" over the trades done (whole plan {amount(r.predicted_cost, num)}); gas {r.gas_used}"
        )
    lines.append(f"  {r.reason}")
    return "\n".join(lines)
