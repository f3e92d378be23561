"""Reference prices for an AgentVault that a thin or freshly made pool cannot poison.

Every Uniswap V3 pool of (token, numeraire), at every fee tier, and the V2 pair are read as venues. A V3
pool gives a TWAP (`observe` over `twap_seconds`: the mean tick and the harmonic-mean liquidity over the
window), or nothing when its history is shorter; the V2 pair gives its spot reserves. A venue's depth is the
numeraire it holds on its side of the price, the lesser of the in-range (virtual) reserve and its actual
balance, so neither a narrow position nor a donation alone makes a pool deep, and a pool's own price claim
does not enter it. A venue counts only if its depth is at least `depth_multiple` times the vault's value
(and `min_depth`): moving a deep pool costs more than the vault could lose. Of the deep venues the deepest
TWAP is taken (the deepest spot only where no TWAP is deep), every deep venue must agree with it within
`agreement_bps`, and the new price must lie within `max_jump_bps` of the stored one; otherwise nothing is
set and the reason names the venues. The vault checks the price keeper's moves itself as well.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from agents.chain.snapshot import UNISWAP_V2_FACTORY, UNISWAP_V3_FACTORY
from agents.portfolio.vault import WAD, ZERO, uniswap

V3_FEE_TIERS = (100, 500, 3000, 10000)


@dataclass(frozen=True)
class PricePolicy:
    twap_seconds: int = 1800
    depth_multiple: float = 10.0  # a venue's numeraire depth must be at least this times the vault's value
    min_depth: int = 0  # and at least this, in numeraire raw units
    agreement_bps: int = 300  # deep venues must agree with the chosen one within this
    max_jump_bps: int = 1000  # the new price must lie within this of the stored one (unless allowed)


@dataclass(frozen=True)
class VenueQuote:
    source: str  # v3:<fee> (a TWAP) or v2 (spot)
    pool: str
    price_wad: int  # numeraire raw units per 1e18 raw units of the token
    depth: int  # numeraire raw units on the numeraire side
    twap: bool


def v2_price_wad(reserve_token: int, reserve_numeraire: int) -> int:
    """Mid price of a V2 pair, numeraire raw units per 1e18 raw units of the token."""
    return reserve_numeraire * WAD // reserve_token


def tick_price_wad(tick: int, token_is_token0: bool) -> int:
    """The price at a V3 tick (1.0001**tick is token1 raw per token0 raw) in numeraire raw per 1e18 token raw."""
    ratio = 1.0001**tick
    return round((ratio if token_is_token0 else 1 / ratio) * WAD)


def v3_quote(pool, fee: int, token_is_token0: bool, numeraire, seconds: int) -> VenueQuote | None:
    """The pool's TWAP over `seconds` with its depth, or None when its history is shorter (or it has none)."""
    try:
        ticks, per_liquidity = pool.observe([seconds, 0])
    except Exception:  # "OLD" (history too short) or an uninitialised pool: no TWAP here
        return None
    tick = (ticks[1] - ticks[0]) // seconds  # rounds toward minus infinity, as Uniswap's OracleLibrary
    spent = per_liquidity[1] - per_liquidity[0]
    liquidity = (seconds << 128) // spent if spent > 0 else 0  # harmonic mean over the window
    sqrt_ratio = 1.0001 ** (tick / 2)
    virtual = liquidity * sqrt_ratio if token_is_token0 else liquidity / sqrt_ratio  # the numeraire's side
    depth = min(int(virtual), numeraire.balanceOf(pool.address))
    return VenueQuote(f"v3:{fee}", pool.address, tick_price_wad(tick, token_is_token0), depth, True)


def venue_quotes(
    token: str,
    numeraire: str,
    twap_seconds: int,
    erc20,
    v2_factory: str = UNISWAP_V2_FACTORY,
    v3_factory: str = UNISWAP_V3_FACTORY,
) -> list[VenueQuote]:
    """Every venue that prices `token` in `numeraire`: V3 pools with a TWAP over `twap_seconds`, the V2 pair.
    `erc20(address)` gives a contract with balanceOf."""
    token0 = int(token, 16) < int(numeraire, 16)
    held = erc20(numeraire)
    quotes = []
    if _has_code(v3_factory):
        factory = uniswap("v3_factory").at(v3_factory)
        for fee in V3_FEE_TIERS:
            address = factory.getPool(token, numeraire, fee)
            if address != ZERO:
                quote = v3_quote(uniswap("v3_pool").at(address), fee, token0, held, twap_seconds)
                quotes += [quote] if quote else []
    if _has_code(v2_factory):
        pair = uniswap("v2_factory").at(v2_factory).getPair(token, numeraire)
        if pair != ZERO:
            r0, r1, _ = uniswap("v2_pair").at(pair).getReserves()
            r_token, r_num = (r0, r1) if token0 else (r1, r0)
            if r_token and r_num:
                quotes.append(VenueQuote("v2", pair, v2_price_wad(r_token, r_num), r_num, False))
    return quotes


def choose(quotes: list[VenueQuote], floor: int, policy: PricePolicy, label: str) -> VenueQuote:
    """The deepest TWAP among the venues at least `floor` deep (else the deepest spot); every deep venue must
    agree with it within policy.agreement_bps."""
    seen = "; ".join(f"{q.source} {q.pool}: {q.price_wad} (wad), depth {q.depth}" for q in quotes) or "none"
    deep = [q for q in quotes if q.depth >= floor]
    if not deep:
        raise ValueError(
            f"no venue prices {label} with a numeraire depth of at least {floor} raw units "
            f"({policy.depth_multiple:g}x the vault's value); venues: {seen}"
        )
    chosen = max((q for q in deep if q.twap), key=lambda q: q.depth, default=None) or max(deep, key=lambda q: q.depth)
    apart = [q for q in deep if abs(q.price_wad - chosen.price_wad) * 10_000 > policy.agreement_bps * chosen.price_wad]
    if apart:
        raise ValueError(
            f"deep venues disagree on {label} by more than {policy.agreement_bps} bps (one may be manipulated): "
            f"{seen}; nothing set"
        )
    return chosen


def jump_error(vault, token: str, price: int, sender: str, policy: PricePolicy, now: int) -> str | None:
    """Why setting `price` would be refused as a jump from the stored price (None if it is not one): the
    policy's bound for anyone, and the vault's own pro-rata bound when the sender is its price keeper."""
    old = vault.price_wad(token)
    if old == 0:
        return None
    step_bps = abs(price - old) * 10_000 / old
    if step_bps > policy.max_jump_bps:
        return f"{step_bps:.0f} bps from the stored {old} (wad), more than --max-jump-bps {policy.max_jump_bps}"
    if sender != vault.owner():
        max_age, set_at = vault.price_max_age(), vault.price_time(token)
        share = min(now - set_at, max_age) / max_age if max_age else 1.0
        allowed = vault.max_price_jump_bps() * share
        if step_bps > allowed:
            return (
                f"{step_bps:.0f} bps from the stored {old} (wad): the vault lets its price keeper move "
                f"{allowed:.0f} bps now (PriceJump); wait, or have the owner set it"
            )
    return None


def vault_value(vault, numeraire: str, quotes: dict[str, list[VenueQuote]], erc20) -> int:
    """The vault's value in numeraire raw units, each token at its deepest venue's price (depth cannot be
    claimed without capital, so this value is hard to inflate or shrink)."""
    total = erc20(numeraire).balanceOf(vault.address)
    for token, venues in quotes.items():
        if venues:
            deepest = max(venues, key=lambda q: q.depth)
            total += erc20(token).balanceOf(vault.address) * deepest.price_wad // WAD
    return total


def refresh_reference_prices(
    project, vault, sender, tokens: list[str] | None = None, policy: PricePolicy = PricePolicy(), allow_jump=False
) -> list[dict]:
    """Sets each token's reference price (default: every whitelisted token but the numeraire) from deep
    venues as the module describes. The sender must be the vault's owner or its price keeper. All prices are
    checked before any is sent; returns per token what was set, from which venue, every venue seen with its
    depth against the floor, and the tx hash."""
    import ape

    vault = project.AgentVault.at(vault) if isinstance(vault, str) else vault
    if sender.address not in (vault.owner(), vault.price_keeper()):
        raise ValueError(
            f"{sender.address} is neither the vault's owner nor its price keeper: only they set reference prices"
        )
    numeraire = vault.numeraire()
    if tokens is None:
        tokens = [vault.tokens(i) for i in range(vault.token_count())]
    tokens = [t for t in tokens if int(t, 16) != int(numeraire, 16)]
    erc20 = project.StandInToken.at  # only balanceOf is used
    quotes = {t: venue_quotes(t, numeraire, policy.twap_seconds, erc20) for t in tokens}
    floor = max(policy.min_depth, int(policy.depth_multiple * vault_value(vault, numeraire, quotes, erc20)))
    now = ape.chain.pending_timestamp
    chosen = {}
    for token in tokens:
        quote = choose(quotes[token], floor, policy, f"{token} in {numeraire}")
        jump = None if allow_jump else jump_error(vault, token, quote.price_wad, sender.address, policy, now)
        if jump:
            raise ValueError(f"the price of {token} from {quote.source} {quote.pool} moved {jump}; nothing set")
        chosen[token] = quote
    done = []
    for token, quote in chosen.items():
        receipt = vault.set_reference_price(token, quote.price_wad, sender=sender)
        venues = [{**asdict(q), "deep": q.depth >= floor} for q in quotes[token]]
        done.append({"token": token, **asdict(quote), "floor": floor, "venues": venues, "tx": receipt.txn_hash})
    return done


def _has_code(address: str) -> bool:
    import ape

    return len(ape.chain.provider.get_code(address)) > 0
