"""Sending a plan: each trade through the vault as its agent, with min_out and a deadline, outcome recorded.

`vault.swap_v2` (or `vault.swap_v3` with the pool's fee) per trade from the agent account, min_out = predicted
* (1 - tolerance); the `Trade` event gives the realised output. A revert (its reason is the vault's error name)
is recorded; trades that needed its proceeds are not sent. The vault is atomic per trade, so a revert moves
nothing. Each token trades once per rebalance, in its own pool or pair, so with nobody else trading the
realised output is exactly the prediction, on either venue. Any other error (a lost node) stops the sending:
the state is unknown, so nothing more goes out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agents.portfolio.planning import BPS, PlannedTrade
from agents.portfolio.routing import Quote, route, venue_fee
from agents.portfolio.state import VaultState


@dataclass
class TradeSender:
    """Sends planned trades through one vault as its agent."""

    ape: object
    project: object
    vault: object  # the AgentVault contract
    account: object  # the agent
    router: str  # Uniswap V2 Router02
    v3_router: str | None  # V3 SwapRouter, None when the vault trades on V2 only
    tolerance_bps: int
    deadline_s: int
    quote: Quote | None = None  # V3 quotes for re-routing a buy whose input had to be cut
    log: Callable[[str], None] = print

    def send(self, state: VaultState, trades: list[PlannedTrade], before_trade=None) -> None:
        """Sends the planned trades in order; updates each with its outcome. `before_trade(trade)` runs just
        before each send."""
        from ape.exceptions import ContractLogicError

        assets = {a.token: a for a in state.assets}
        numeraire = self.project.StandInToken.at(state.numeraire.token)
        for trade in trades:
            failed = [i for i in trade.depends_on if trades[i].status != "done"]
            if trade.status != "planned" or failed:
                if trade.status == "planned":
                    trade.status, trade.reason = "skipped", f"needs the proceeds of trade {failed[0]}, which failed"
                continue
            asset = assets[trade.token]
            if trade.side == "buy":
                held = numeraire.balanceOf(self.vault)
                if held == 0:
                    trade.status, trade.reason = "skipped", "the vault holds no numeraire"
                    continue
                if held < trade.amount_in:  # the sells realised less than predicted
                    trade.amount_in = held
                    trade.venue, trade.predicted_out = route(asset, state.numeraire.token, "buy", held, self.quote)
                    trade.min_out = trade.predicted_out * (BPS - self.tolerance_bps) // BPS
                    trade.predicted_cost = held - asset.value(trade.predicted_out)
                    trade.mid_value = held
                    trade.reason = "input cut to the vault's numeraire balance; "
            if before_trade:
                before_trade(trade)
            try:
                receipt = self._swap(trade)
            except ContractLogicError as exc:
                trade.status, trade.reason = "reverted", trade.reason + str(exc)
                trade.tx_hash, trade.gas_used = mined(self.ape, exc)
                self.log(f"trade {trade.index} ({trade.side} {trade.symbol}) reverted: {exc}")
                continue
            except Exception as exc:  # noqa: BLE001 - lost node etc.: the state is unknown, stop sending
                trade.status, trade.reason = "error", f"{type(exc).__name__}: {exc}"
                for rest in trades[trade.index + 1 :]:
                    if rest.status == "planned":
                        rest.status, rest.reason = "skipped", f"not sent after the error in trade {trade.index}"
                return
            event = receipt.decode_logs(self.vault.Trade)[0]
            trade.realised_out, trade.gas_used, trade.tx_hash = event.amount_out, receipt.gas_used, receipt.txn_hash
            if trade.side == "sell":
                trade.realised_cost = trade.mid_value - trade.realised_out
            else:
                trade.realised_cost = trade.amount_in - asset.value(trade.realised_out)
            trade.status = "done"

    def _swap(self, trade: PlannedTrade):
        deadline = self.ape.chain.blocks.head.timestamp + self.deadline_s
        fee = venue_fee(trade.venue)
        if fee is None:
            return self.vault.swap_v2(
                self.router,
                trade.token_in,
                trade.token_out,
                trade.amount_in,
                trade.min_out,
                deadline,
                sender=self.account,
            )
        return self.vault.swap_v3(
            self.v3_router,
            trade.token_in,
            trade.token_out,
            fee,
            trade.amount_in,
            trade.min_out,
            deadline,
            sender=self.account,
        )


def mined(ape, exc) -> tuple[str | None, int | None]:
    """Hash and gas of a reverted transaction that was mined (on local nodes Ape sends without estimating gas
    first): the latest block's transaction with its sender and nonce; (None, None) when it was never sent."""
    txn = getattr(exc, "txn", None)
    sender, nonce = getattr(txn, "sender", None), getattr(txn, "nonce", None)
    if sender is None or nonce is None:
        return None, None
    try:
        web3 = ape.chain.provider.web3
        for tx in web3.eth.get_block("latest", full_transactions=True)["transactions"]:
            if tx["from"] == sender and tx["nonce"] == nonce:
                receipt = web3.eth.get_transaction_receipt(tx["hash"])
                return "0x" + bytes(tx["hash"]).hex().removeprefix("0x"), int(receipt["gasUsed"])
    except Exception:  # noqa: BLE001 - the outcome is recorded; its hash is a nicety
        pass
    return None, None
