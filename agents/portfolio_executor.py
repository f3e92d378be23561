"""The portfolio agent: read an AgentVault, ask a portfolio strategy for target weights, plan, trade.

READ: the vault's balances of its whitelisted tokens and each token's mid price from its Uniswap V2 pair with
the numeraire (the pair of the router's factory), hence the current weights (the numeraire is the rest).
When the vault also whitelists a Uniswap V3 SwapRouter (by default the canonical one), the V3 pools of each
(token, numeraire) with liquidity at the standard fee tiers (the pools of the router's factory) are read too.
PLAN (`plan_trades`): per token the value delta to its target; deltas under the minimum size are
skipped; everything nets through the numeraire: overweight tokens are sold for it first, then underweights
bought, the buys (sized with V2's getAmountIn) scaled down together so they never need more numeraire than
the vault will hold. Each trade's output is predicted with V2's integer getAmountOut (997/1000, the math of
envs/portfolio_execution.amount_out at fee 0.003) from the pair's reserves, and, where a V3 pool is usable,
with QuoterV2.quoteExactInputSingle (a static call) per fee tier; the trade goes to the venue with the larger
output (V2 on a tie), recorded as its `venue` ('v2' or 'v3:FEE'). Its cost (fee + impact, in numeraire raw
units) is taken against the V2 mid price. Without a V3 router planning is pure. Trades the vault would
refuse anyway (stale reference price, slippage against the reference, turnover cap) are marked refused and
not sent.
EXECUTE: `vault.swap_v2` (or `vault.swap_v3` with the pool's fee) per trade from the agent account, min_out =
predicted * (1 - tolerance), with a deadline; the `Trade` event gives the realised output. A revert (its
reason is the vault's error name) is recorded; trades that needed its proceeds are not sent. The vault is
atomic per trade, so a revert moves nothing. Each token trades once per rebalance, in its own pool or pair,
so with nobody else trading the realised output is exactly the prediction, on either venue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cache

import numpy as np

from agents.artifacts_npm import UNISWAP_V3_PERIPHERY, npm_contract
from agents.fee_agent import with_retries
from agents.snapshot import UNISWAP_V2_ROUTER02, UNISWAP_V3_QUOTER_V2, UNISWAP_V3_SWAP_ROUTER
from agents.vault import WAD, ZERO, uniswap

BPS = 10_000
V3_FEE_TIERS = (100, 500, 3000, 10_000)  # Uniswap V3's enabled fee tiers on mainnet, hundredths of a bp

Quote = Callable[[str, str, int, int], int]
"""A V3 quote: (token_in, token_out, fee, amount_in) -> amount out (0 where the pool cannot fill it)."""


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
class Holding:
    token: str
    symbol: str
    decimals: int
    balance: int
    pair: str = ""  # V2 pair with the numeraire ('' for the numeraire itself)
    reserve_token: int = 0
    reserve_numeraire: int = 0
    reference_wad: int = 0  # the vault's reference price (numeraire raw per 1e18 raw)
    reference_time: int = 0
    v3_pools: dict[int, str] = field(default_factory=dict)  # fee: V3 pool with the numeraire, with liquidity

    @property
    def price_wad(self) -> int:
        """Mid price, numeraire raw units per 1e18 raw units."""
        return self.reserve_numeraire * WAD // self.reserve_token if self.pair else WAD

    def value(self, amount: int | None = None) -> int:
        """Value of `amount` (default the balance) at the mid price, numeraire raw units."""
        amount = self.balance if amount is None else amount
        return amount * self.reserve_numeraire // self.reserve_token if self.pair else amount

    @property
    def price(self) -> float:
        """Mid price in human units (numeraire per token), what strategies see."""
        return self.price_wad / WAD


@dataclass
class VaultState:
    vault: str
    numeraire: Holding
    assets: list[Holding]  # whitelisted tokens other than the numeraire, in the vault's order
    block: int
    timestamp: int
    limits: dict[str, int]
    turnover_used: int = 0
    turnover_limit: int = 0

    @property
    def total(self) -> int:
        return self.numeraire.balance + sum(a.value() for a in self.assets)

    def weights(self) -> np.ndarray:
        total = self.total
        return np.array([a.value() / total if total else 0.0 for a in self.assets])

    def named_weights(self) -> dict[str, float]:
        out = {a.symbol: float(w) for a, w in zip(self.assets, self.weights(), strict=True)}
        out[self.numeraire.symbol] = self.numeraire.balance / self.total if self.total else 0.0
        return out


@dataclass
class PlannedTrade:
    index: int
    side: str  # 'sell' (token -> numeraire) or 'buy' (numeraire -> token)
    symbol: str  # the non-numeraire token
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


def get_amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    """Uniswap V2's getAmountOut (UniswapV2Library), 0.3% fee, integer arithmetic."""
    if amount_in <= 0 or reserve_in <= 0 or reserve_out <= 0:
        return 0
    with_fee = amount_in * 997
    return with_fee * reserve_out // (reserve_in * 1000 + with_fee)


def get_amount_in(amount_out: int, reserve_in: int, reserve_out: int) -> int:
    """Uniswap V2's getAmountIn: the least input that yields `amount_out`."""
    if amount_out <= 0:
        return 0
    if amount_out >= reserve_out:
        raise ValueError("the pair does not hold that much")
    return reserve_in * amount_out * 1000 // ((reserve_out - amount_out) * 997) + 1


@cache
def v3_contract(kind: str):
    """Ape containers for Uniswap V3's periphery: swap_router (SwapRouter) or quoter (QuoterV2)."""
    paths = {"swap_router": ("SwapRouter.sol", "SwapRouter.json"), "quoter": ("lens", "QuoterV2.sol", "QuoterV2.json")}
    return npm_contract(UNISWAP_V3_PERIPHERY.joinpath(*paths[kind]))


def venue_fee(venue: str) -> int | None:
    """The V3 fee of a venue ('v3:500' -> 500), None for V2."""
    return int(venue.removeprefix("v3:")) if venue.startswith("v3:") else None


def read_state(project, vault, router: str = UNISWAP_V2_ROUTER02, v3_router: str | None = None) -> VaultState:
    """The vault's holdings, the V2 reserves of each token against the numeraire, the reference prices and the
    limits, all at the latest block; with `v3_router`, also each token's V3 pools with the numeraire that have
    liquidity (those of the router's factory)."""
    import ape

    vault = project.AgentVault.at(vault) if isinstance(vault, str) else vault
    factory = uniswap("v2_factory").at(uniswap("router").at(router).factory())
    v3_factory = uniswap("v3_factory").at(v3_contract("swap_router").at(v3_router).factory()) if v3_router else None
    numeraire = vault.numeraire()
    tokens = [vault.tokens(i) for i in range(vault.token_count())]
    head = ape.chain.blocks.head
    state = VaultState(
        vault.address,
        _holding(project, vault, numeraire),
        [],
        head.number,
        head.timestamp,
        {k: getattr(vault, k)() for k in ("max_slippage_bps", "turnover_cap_bps", "period", "price_max_age")},
        vault.turnover_used(),
        vault.turnover_limit(),
    )
    for token in tokens:
        if token == numeraire:
            continue
        holding = _holding(project, vault, token)
        pair = factory.getPair(token, numeraire)
        if pair == ZERO:
            raise ValueError(f"no Uniswap V2 pair of {holding.symbol} and {state.numeraire.symbol} at the router")
        r0, r1, _ = uniswap("v2_pair").at(pair).getReserves()
        token_first = int(token, 16) < int(numeraire, 16)
        holding.pair = pair
        holding.reserve_token, holding.reserve_numeraire = (r0, r1) if token_first else (r1, r0)
        if min(r0, r1) == 0:
            raise ValueError(f"the V2 pair of {holding.symbol} and {state.numeraire.symbol} is empty")
        holding.reference_wad, holding.reference_time = vault.price_wad(token), vault.price_time(token)
        for fee in V3_FEE_TIERS if v3_factory else ():
            pool = v3_factory.getPool(token, numeraire, fee)
            if pool != ZERO and uniswap("v3_pool").at(pool).liquidity() > 0:
                holding.v3_pools[fee] = pool
        state.assets.append(holding)
    return state


def _holding(project, vault, token: str) -> Holding:
    erc20 = project.StandInToken.at(token)  # only the ERC20 functions are used
    try:
        symbol = erc20.symbol()
    except Exception:  # noqa: BLE001 - tokens without a string symbol
        symbol = token[:10]
    return Holding(token, symbol, erc20.decimals(), erc20.balanceOf(vault))


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


def route(asset: Holding, numeraire: str, side: str, amount: int, quote: Quote | None = None) -> tuple[str, int]:
    """The venue giving the most output for `amount` in ('v2' on a tie) and that output: V2's getAmountOut on the
    pair's reserves against `quote` on each of the token's V3 pools."""
    if side == "sell":
        best = ("v2", get_amount_out(amount, asset.reserve_token, asset.reserve_numeraire))
        token_in, token_out = asset.token, numeraire
    else:
        best = ("v2", get_amount_out(amount, asset.reserve_numeraire, asset.reserve_token))
        token_in, token_out = numeraire, asset.token
    for fee in sorted(asset.v3_pools) if quote and amount > 0 else ():
        out = quote(token_in, token_out, fee, amount)
        if out > best[1]:
            best = (f"v3:{fee}", out)
    return best


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
        index, side, asset.symbol, token_in, token_out, amount, out, min_out, mid_value, cost, venue=venue
    )


def _precheck(state: VaultState, trade: PlannedTrade, turnover: int) -> int:
    """Marks a trade the vault would refuse at its reference prices (checked before spending gas); returns the
    turnover it adds. The turnover check uses the vault's value before the plan (the vault's own check, at
    each trade, is final)."""
    asset = next(a for a in state.assets if a.symbol == trade.symbol)
    if asset.reference_wad == 0 or state.timestamp > asset.reference_time + state.limits["price_max_age"]:
        trade.status = "refused"
        trade.reason = (
            f"StalePrice: the vault's reference price of {asset.symbol} is "
            + ("unset" if asset.reference_wad == 0 else f"{state.timestamp - asset.reference_time} s old")
            + f" (max {state.limits['price_max_age']} s); the owner must refresh it (--refresh-prices as the owner)"
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
        cfg: ExecutorConfig = ExecutorConfig(),
        router: str = UNISWAP_V2_ROUTER02,
        log: Callable[[str], None] = print,
        v3_router: str | None = UNISWAP_V3_SWAP_ROUTER,
        quoter: str = UNISWAP_V3_QUOTER_V2,
    ):
        self.ape, self.project, self.account, self.log = ape, project, account, log
        self.strategy, self.cfg = strategy, cfg
        self.vault = project.AgentVault.at(vault)
        self.router = router
        if not self.vault.router_allowed(router):
            raise ValueError(f"router {router} is not whitelisted by the vault")
        self.v3_router = v3_router if v3_router and self.vault.router_allowed(v3_router) else None
        self.quoter = None
        if self.v3_router:
            provider = ape.chain.provider
            if not provider.get_code(self.v3_router) or not provider.get_code(quoter):
                raise ValueError(f"the vault whitelists {self.v3_router}, but no V3 SwapRouter or QuoterV2 is there")
            self.quoter = v3_contract("quoter").at(quoter)
            if self.quoter.factory() != v3_contract("swap_router").at(self.v3_router).factory():
                raise ValueError(f"the quoter {quoter} quotes another V3 factory's pools than {self.v3_router}")
        self._quotes: dict[tuple, int] = {}
        self.history: list[np.ndarray] = []

    def read(self) -> VaultState:
        self._quotes.clear()  # quotes hold for one state
        return with_retries(lambda: read_state(self.project, self.vault, self.router, self.v3_router), log=self.log)

    def quote(self, token_in: str, token_out: str, fee: int, amount_in: int) -> int:
        """QuoterV2's output for an exact-input swap in the V3 pool at `fee` (a static call; the quoter reverts
        inside to undo its swap), cached for the current state; 0 where the quoter reverts."""
        from ape.exceptions import ContractLogicError

        key = (token_in, token_out, fee, amount_in)
        if key not in self._quotes:
            try:
                result = self.quoter.quoteExactInputSingle.call((token_in, token_out, amount_in, fee, 0))
                self._quotes[key] = int(result[0])
            except ContractLogicError:
                self._quotes[key] = 0
        return self._quotes[key]

    def decide(self, state: VaultState) -> np.ndarray | None:
        """The strategy's target for the state (prices of all steps so far; t counts this executor's steps)."""
        prices = np.array([a.price for a in state.assets])
        if not self.history:
            self.strategy.reset(len(state.assets))
        self.history.append(prices)
        target = self.strategy.target(len(self.history) - 1, np.stack(self.history), state.weights())
        return None if target is None else np.asarray(target, dtype=float)

    def step(
        self, dry_run: bool = False, before_trade: Callable[[PlannedTrade], None] | None = None
    ) -> PortfolioReport:
        """Read, decide, plan and (unless dry_run) execute; `before_trade(trade)` runs just before each send."""
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
            report.reason = "the strategy leaves the portfolio as it is"
            return self._done(report)
        report.target = {a.symbol: float(w) for a, w in zip(state.assets, target, strict=True)}
        report.target[state.numeraire.symbol] = float(max(1.0 - target.sum(), 0.0))
        quote = self.quote if self.v3_router else None
        report.trades, report.skipped_small = plan_trades(state, target, self.cfg, quote)
        report.predicted_cost = sum(t.predicted_cost for t in report.trades if t.status == "planned")
        report.weights_planned = _planned_weights(state, report.trades)
        if dry_run:
            report.reason = "dry run: nothing sent"
            return self._done(report)
        if self.account.address != self.vault.agent():
            raise ValueError(f"{self.account.address} is not the vault's agent (the vault refuses it: NotAgent)")
        self.execute(state, report.trades, before_trade)
        after = self.read()
        report.weights_after, report.value_after = after.named_weights(), after.total
        done = [t for t in report.trades if t.status == "done"]
        report.realised_cost = sum(t.realised_cost for t in done)
        report.predicted_cost_done = sum(t.predicted_cost for t in done)
        report.gas_used = sum(t.gas_used or 0 for t in report.trades)
        report.reason = f"{len(done)} of {len(report.trades)} trades done"
        return self._done(report)

    def execute(self, state: VaultState, trades: list[PlannedTrade], before_trade=None) -> None:
        """Sends the planned trades in order; updates each with its outcome."""
        from ape.exceptions import ContractLogicError

        assets = {a.symbol: a for a in state.assets}
        numeraire = self.project.StandInToken.at(state.numeraire.token)
        for trade in trades:
            failed = [i for i in trade.depends_on if trades[i].status != "done"]
            if trade.status != "planned" or failed:
                if trade.status == "planned":
                    trade.status, trade.reason = "skipped", f"needs the proceeds of trade {failed[0]}, which failed"
                continue
            asset = assets[trade.symbol]
            if trade.side == "buy":
                held = numeraire.balanceOf(self.vault)
                if held == 0:
                    trade.status, trade.reason = "skipped", "the vault holds no numeraire"
                    continue
                if held < trade.amount_in:  # the sells realised less than predicted
                    trade.amount_in = held
                    quote = self.quote if self.v3_router else None
                    trade.venue, trade.predicted_out = route(asset, state.numeraire.token, "buy", held, quote)
                    trade.min_out = trade.predicted_out * (BPS - self.cfg.tolerance_bps) // BPS
                    trade.predicted_cost = held - asset.value(trade.predicted_out)
                    trade.mid_value = held
                    trade.reason = "input cut to the vault's numeraire balance; "
            if before_trade:
                before_trade(trade)
            deadline = self.ape.chain.blocks.head.timestamp + self.cfg.deadline_s
            fee = venue_fee(trade.venue)
            try:
                if fee is None:
                    receipt = self.vault.swap_v2(
                        self.router,
                        trade.token_in,
                        trade.token_out,
                        trade.amount_in,
                        trade.min_out,
                        deadline,
                        sender=self.account,
                    )
                else:
                    receipt = self.vault.swap_v3(
                        self.v3_router,
                        trade.token_in,
                        trade.token_out,
                        fee,
                        trade.amount_in,
                        trade.min_out,
                        deadline,
                        sender=self.account,
                    )
            except ContractLogicError as exc:
                trade.status, trade.reason = "reverted", trade.reason + str(exc)
                trade.tx_hash, trade.gas_used = _mined(self.ape, exc)
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

    def _done(self, report: PortfolioReport) -> PortfolioReport:
        self.log(format_report(report))
        return report

    def run(self, every: float | None = None, steps: int | None = None, dry_run: bool = False) -> list[PortfolioReport]:
        """One step (every=None), or one every `every` seconds until `steps` are done or interrupted."""
        import time

        done: list[PortfolioReport] = []
        while True:
            done.append(self.step(dry_run))
            if every is None or (steps is not None and len(done) >= steps):
                return done
            time.sleep(every)


def _mined(ape, exc) -> tuple[str | None, int | None]:
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


def _planned_weights(state: VaultState, trades: list[PlannedTrade]) -> dict[str, float]:
    """Weights after the planned trades (not refused, nor needing a refused one) at the planning mid prices."""
    held = {a.symbol: a.balance for a in state.assets}
    cash = state.numeraire.balance
    counted: set[int] = set()
    for t in trades:
        if t.status == "planned" and counted.issuperset(t.depends_on):
            counted.add(t.index)
            held[t.symbol] += t.predicted_out if t.side == "buy" else -t.amount_in
            cash += t.predicted_out if t.side == "sell" else -t.amount_in
    values = {a.symbol: a.value(held[a.symbol]) for a in state.assets}
    total = cash + sum(values.values())
    out = {k: v / total if total else 0.0 for k, v in values.items()}
    out[state.numeraire.symbol] = cash / total if total else 0.0
    return out


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
