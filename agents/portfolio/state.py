"""The vault as the agent reads it: balances, V2 reserves and V3 pools per token, reference prices, limits.

Each whitelisted token's mid price comes from its Uniswap V2 pair with the numeraire (the pair of the router's
factory); with a V3 SwapRouter, the token's V3 pools with the numeraire that have liquidity at the standard fee
tiers are listed too (the pools of the router's factory).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from agents.chain.snapshot import UNISWAP_V2_ROUTER02
from agents.portfolio.routing import V3_FEE_TIERS, v3_contract
from agents.portfolio.vault import WAD, ZERO, uniswap


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
    _unique_labels([state.numeraire, *state.assets])
    return state


def _unique_labels(holdings: list[Holding]) -> None:
    """A symbol two tokens share (anyone can deploy a token called WBTC) gets its address's start appended, so
    reports and weights name each token once; everything else looks tokens up by address."""
    seen: dict[str, int] = {}
    for h in holdings:
        seen[h.symbol] = seen.get(h.symbol, 0) + 1
    for h in holdings:
        if seen[h.symbol] > 1:
            h.symbol = f"{h.symbol}@{h.token[:8]}"


def _holding(project, vault, token: str) -> Holding:
    erc20 = project.StandInToken.at(token)  # only the ERC20 functions are used
    try:
        symbol = erc20.symbol()
    except Exception:  # noqa: BLE001 - tokens without a string symbol
        symbol = token[:10]
    return Holding(token, symbol, erc20.decimals(), erc20.balanceOf(vault))
