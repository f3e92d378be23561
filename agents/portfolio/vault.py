"""`lamm deploy vault`: an AgentVault with its whitelists and limits, its record, and reference prices.

Reference prices are read when the owner refreshes them and stored in the vault, so a trade moved in front
of the agent's cannot move them: from the Uniswap V3 pool of (token, numeraire) at fee 500, else 3000, when
the V3 factory has one with liquidity (price from slot0's sqrtPriceX96); otherwise the V2 pair's reserves.
The agent may trade in the same pools (V2, or V3 where it quotes better); refresh prices away from trades.
Prices are in the vault's units: numeraire raw units per 1e18 raw units of the token, so decimals are handled
by working in raw units throughout.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from agents.chain.npm_artifacts import UNISWAP_V2_CORE, UNISWAP_V2_PERIPHERY, UNISWAP_V3_CORE, npm_contract
from agents.chain.snapshot import TOKENS, UNISWAP_V2_FACTORY, UNISWAP_V2_ROUTER02, UNISWAP_V3_FACTORY
from backtests.report import write_atomic

WAD = 10**18
ZERO = "0x" + "0" * 40
V3_FEES = (500, 3000)


@dataclass
class VaultDeployment:
    network: str
    chain_id: int
    vault: str
    owner: str
    agent: str
    numeraire: str
    tokens: list[str]
    routers: list[str]
    limits: dict[str, int]
    block: int
    transactions: dict[str, str] = field(default_factory=dict)
    deposits: dict[str, int] = field(default_factory=dict)  # token address: raw amount
    reference_prices: list[dict] = field(default_factory=list)


@cache
def uniswap(kind: str):
    """Ape containers for the Uniswap contracts the agents read: v2_factory, v2_pair, router, v3_factory, v3_pool."""
    paths = {
        "v2_factory": UNISWAP_V2_CORE / "UniswapV2Factory.json",
        "v2_pair": UNISWAP_V2_CORE / "UniswapV2Pair.json",
        "router": UNISWAP_V2_PERIPHERY / "UniswapV2Router02.json",
        "v3_factory": UNISWAP_V3_CORE / "UniswapV3Factory.sol" / "UniswapV3Factory.json",
        "v3_pool": UNISWAP_V3_CORE / "UniswapV3Pool.sol" / "UniswapV3Pool.json",
    }
    return npm_contract(paths[kind])


def resolve_token(spec: str) -> str:
    """A symbol of the snapshot/mainnet tokens (WETH, USDC, USDT, WBTC) or a 0x address."""
    if spec.upper() in TOKENS:
        return TOKENS[spec.upper()][0]
    if spec.startswith("0x") and len(spec) == 42:
        try:
            int(spec, 16)
            return spec
        except ValueError:
            pass
    raise ValueError(f"token {spec!r}: give one of {', '.join(TOKENS)} or a 0x address")


def parse_amount(text: str, decimals: int) -> int:
    """Human units (`1.5`) to raw units with `decimals`, exactly."""
    try:
        value = Decimal(text) * 10**decimals
    except InvalidOperation:
        raise ValueError(f"amount {text!r}: give a number") from None
    if value < 0 or value != value.to_integral_value():
        raise ValueError(f"amount {text!r}: must be non-negative with at most {decimals} decimals")
    return int(value)


def deploy_vault(
    ape,
    project,
    owner,
    agent: str,
    numeraire: str,
    tokens: list[str],
    routers: list[str],
    max_slippage_bps: int,
    turnover_cap_bps: int,
    period: int,
    price_max_age: int,
    network: str | None = None,
) -> VaultDeployment:
    """Deploys an AgentVault owned by `owner`, whitelists `tokens` (besides the numeraire) and `routers`."""
    vault = project.AgentVault.deploy(
        agent, numeraire, max_slippage_bps, turnover_cap_bps, period, price_max_age, sender=owner
    )
    receipt = vault.creation_metadata.receipt
    record = VaultDeployment(
        network or ape.networks.provider.network_choice,
        ape.chain.chain_id,
        vault.address,
        owner.address,
        agent,
        numeraire,
        [],
        [],
        {
            "max_slippage_bps": max_slippage_bps,
            "turnover_cap_bps": turnover_cap_bps,
            "period": period,
            "price_max_age": price_max_age,
        },
        receipt.block_number,
        {"deploy": receipt.txn_hash},
    )
    for token in tokens:
        if int(token, 16) == int(numeraire, 16):
            continue  # whitelisted from the start
        record.transactions[f"allow_token:{token}"] = vault.allow_token(token, True, sender=owner).txn_hash
        record.tokens.append(token)
    for router in routers:
        record.transactions[f"allow_router:{router}"] = vault.allow_router(router, True, sender=owner).txn_hash
        record.routers.append(router)
    return record


def deposit(project, vault, owner, token: str, amount: int) -> dict[str, str]:
    """The owner approves and deposits `amount` raw units of `token`; returns the transaction hashes."""
    erc20 = project.StandInToken.at(token)  # only the ERC20 functions are used
    held = erc20.balanceOf(owner)
    if held < amount:
        raise ValueError(f"the owner holds {held} raw units of {token}, less than the deposit of {amount}")
    approve = erc20.approve(vault, amount, sender=owner)
    done = project.AgentVault.at(vault).deposit(token, amount, sender=owner)
    return {f"approve:{token}": approve.txn_hash, f"deposit:{token}": done.txn_hash}


def v2_price_wad(reserve_token: int, reserve_numeraire: int) -> int:
    """Mid price of a V2 pair, numeraire raw units per 1e18 raw units of the token."""
    return reserve_numeraire * WAD // reserve_token


def v3_price_wad(sqrt_price_x96: int, token_is_token0: bool) -> int:
    """Mid price of a V3 pool from slot0: sqrtPriceX96**2 / 2**192 is token1 raw per token0 raw."""
    square = sqrt_price_x96 * sqrt_price_x96
    return square * WAD >> 192 if token_is_token0 else (WAD << 192) // square


def reference_price(
    token: str, numeraire: str, v2_factory: str = UNISWAP_V2_FACTORY, v3_factory: str = UNISWAP_V3_FACTORY
) -> dict:
    """The token's price in the numeraire from the V3 pool at fee 500 or 3000 if one exists with liquidity,
    else from the V2 pair; {'price_wad', 'source', 'pool'}."""
    token0 = int(token, 16) < int(numeraire, 16)
    factory = uniswap("v3_factory").at(v3_factory) if _has_code(v3_factory) else None
    for fee in V3_FEES if factory else ():
        pool = factory.getPool(token, numeraire, fee)
        if pool != ZERO:
            pool = uniswap("v3_pool").at(pool)
            if pool.liquidity() > 0:
                return {"price_wad": v3_price_wad(pool.slot0()[0], token0), "source": f"v3:{fee}", "pool": pool.address}
    pair = uniswap("v2_factory").at(v2_factory).getPair(token, numeraire)
    if pair == ZERO:
        raise ValueError(f"no Uniswap V3 pool (fee 500/3000) or V2 pair prices {token} in {numeraire}")
    r0, r1, _ = uniswap("v2_pair").at(pair).getReserves()
    if min(r0, r1) == 0:
        raise ValueError(f"the V2 pair {pair} of {token} and {numeraire} is empty")
    price = v2_price_wad(r0, r1) if token0 else v2_price_wad(r1, r0)
    return {"price_wad": price, "source": "v2", "pool": pair}


def _has_code(address: str) -> bool:
    import ape

    return len(ape.chain.provider.get_code(address)) > 0


def refresh_reference_prices(project, vault, owner, tokens: list[str] | None = None) -> list[dict]:
    """Sets each token's reference price (default: every whitelisted token but the numeraire) from the
    independent source of `reference_price`; only the vault's owner can. Returns what was set, per token."""
    vault = project.AgentVault.at(vault) if isinstance(vault, str) else vault
    if owner.address != vault.owner():
        raise ValueError(f"{owner.address} is not the vault's owner: only the owner sets reference prices")
    numeraire = vault.numeraire()
    if tokens is None:
        tokens = [vault.tokens(i) for i in range(vault.token_count())]
    done = []
    for token in tokens:
        if int(token, 16) == int(numeraire, 16):
            continue
        price = reference_price(token, numeraire)
        receipt = vault.set_reference_price(token, price["price_wad"], sender=owner)
        done.append({"token": token, **price, "tx": receipt.txn_hash})
    return done


def write_record(record: VaultDeployment, path: Path) -> Path:
    write_atomic(Path(path), json.dumps(asdict(record), indent=2) + "\n")
    return Path(path)


__all__ = [
    "UNISWAP_V2_ROUTER02",
    "VaultDeployment",
    "deploy_vault",
    "deposit",
    "refresh_reference_prices",
    "reference_price",
    "resolve_token",
    "write_record",
]
