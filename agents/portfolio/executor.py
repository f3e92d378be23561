"""The portfolio agent: read an AgentVault, ask a portfolio strategy for target weights, plan, trade, report.

One step: READ the vault (agents.portfolio.state), DECIDE with the strategy, PLAN and route the trades
(agents.portfolio.planning, agents.portfolio.routing), SEND them (agents.portfolio.sending) and REPORT
realised against predicted (agents.portfolio.report). When the vault also whitelists a Uniswap V3 SwapRouter
(by default the canonical one), trades go to V3 pools where QuoterV2 quotes more than the V2 pair.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from agents.chain.retries import with_retries
from agents.chain.snapshot import UNISWAP_V2_ROUTER02, UNISWAP_V3_QUOTER_V2, UNISWAP_V3_SWAP_ROUTER
from agents.portfolio.memory import RememberingStrategy, StrategyMemory
from agents.portfolio.planning import ExecutorConfig, PlannedTrade, plan_trades, planned_weights
from agents.portfolio.report import PortfolioReport, format_report
from agents.portfolio.routing import V3Quoter, v3_contract
from agents.portfolio.sending import TradeSender
from agents.portfolio.state import VaultState, read_state

__all__ = ["ExecutorConfig", "PortfolioExecutor", "PortfolioReport", "format_report"]


class PortfolioExecutor:
    """Rebalances one AgentVault toward a PortfolioStrategy's targets, trading as the vault's agent: through the
    V2 `router`, and through the V3 `v3_router` (quoted with `quoter`) where the vault whitelists it and that
    gives more. `v3_router=None` trades on V2 only."""

    def __init__(
        self,
        ape,
        project,
        vault: str,
        account,
        strategy,
        cfg: ExecutorConfig | None = None,
        router: str = UNISWAP_V2_ROUTER02,
        log: Callable[[str], None] = print,
        v3_router: str | None = UNISWAP_V3_SWAP_ROUTER,
        quoter: str = UNISWAP_V3_QUOTER_V2,
        memory: StrategyMemory | None = None,
    ):
        self.ape, self.project, self.account, self.log = ape, project, account, log
        self.strategy, self.cfg = strategy, cfg or ExecutorConfig()
        cfg = self.cfg
        self.vault = project.AgentVault.at(vault)
        self.router = router
        if not self.vault.router_allowed(router):
            raise ValueError(f"router {router} is not whitelisted by the vault")
        self.v3_router = v3_router if v3_router and self.vault.router_allowed(v3_router) else None
        self.quote: V3Quoter | None = None
        if self.v3_router:
            provider = ape.chain.provider
            if not provider.get_code(self.v3_router) or not provider.get_code(quoter):
                raise ValueError(f"the vault whitelists {self.v3_router}, but no V3 SwapRouter or QuoterV2 is there")
            contract = v3_contract("quoter").at(quoter)
            if contract.factory() != v3_contract("swap_router").at(self.v3_router).factory():
                raise ValueError(f"the quoter {quoter} quotes another V3 factory's pools than {self.v3_router}")
            self.quote = V3Quoter(contract)
        self.sender = TradeSender(
            ape,
            project,
            self.vault,
            account,
            router,
            self.v3_router,
            cfg.tolerance_bps,
            cfg.deadline_s,
            self.quote,
            log,
        )
        self.runner = RememberingStrategy(strategy, memory)  # memory None: this process's runs only

    def read(self) -> VaultState:
        if self.quote:
            self.quote.clear()  # quotes hold for one state
        return with_retries(lambda: read_state(self.project, self.vault, self.router, self.v3_router), log=self.log)

    def decide(self, state: VaultState) -> np.ndarray | None:
        """The strategy's target for the state, as the next step of its remembered history, or None."""
        assets = state.assets
        tokens, symbols, prices = [a.token for a in assets], [a.symbol for a in assets], [a.price for a in assets]
        return self.runner.decide(tokens, symbols, int(time.time()), prices, state.weights())  # runs keep wall time

    def step(
        self, dry_run: bool = False, before_trade: Callable[[PlannedTrade], None] | None = None
    ) -> PortfolioReport:
        """Read, decide, plan and (unless dry_run) send; `before_trade(trade)` runs just before each send."""
        state = self.read()
        report = PortfolioReport(
            self.vault.address,
            getattr(self.strategy, "name", "strategy"),
            dry_run,
            state.named_weights(),
            None,
            value_before=state.total,
            numeraire=state.numeraire.symbol,
            decimals={h.symbol: h.decimals for h in (state.numeraire, *state.assets)},
        )
        target = self.decide(state)
        if target is None or not state.assets:
            report.reason = self.runner.waiting or "the strategy leaves the portfolio as it is"
            if not dry_run:
                self.remember()
            return self._done(report)
        report.target = {a.symbol: float(w) for a, w in zip(state.assets, target, strict=True)}
        report.target[state.numeraire.symbol] = float(max(1.0 - target.sum(), 0.0))
        report.trades, report.skipped_small = plan_trades(state, target, self.cfg, self.quote)
        report.predicted_cost = sum(t.predicted_cost for t in report.trades if t.status == "planned")
        report.weights_planned = planned_weights(state, report.trades)
        if dry_run:
            report.reason = "dry run: nothing sent"
            return self._done(report)
        if self.account.address != self.vault.agent():
            raise ValueError(f"{self.account.address} is not the vault's agent (the vault refuses it: NotAgent)")
        self.sender.send(state, report.trades, before_trade)
        after = self.read()
        report.weights_after, report.value_after = after.named_weights(), after.total
        done = [t for t in report.trades if t.status == "done"]
        report.realised_cost = sum(t.realised_cost for t in done)
        report.predicted_cost_done = sum(t.predicted_cost for t in done)
        report.gas_used = sum(t.gas_used or 0 for t in report.trades)
        report.reason = f"{len(done)} of {len(report.trades)} trades done"
        self.remember()
        return self._done(report)

    def remember(self) -> None:
        self.runner.remember()

    def _done(self, report: PortfolioReport) -> PortfolioReport:
        self.log(format_report(report))
        return report

    def run(self, every: float | None = None, steps: int | None = None, dry_run: bool = False) -> list[PortfolioReport]:
        """One step (every=None), or one every `every` seconds until `steps` are done or interrupted."""
        done: list[PortfolioReport] = []
        while True:
            done.append(self.step(dry_run))
            if every is None or (steps is not None and len(done) >= steps):
                return done
            time.sleep(every)
