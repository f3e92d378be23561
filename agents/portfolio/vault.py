"""`lamm deploy vault`: an AgentVault with its whitelists, limits and price keeper, and its record.

Reference prices (agents.portfolio.reference_prices) are in the vault's units: numeraire raw units per 1e18
raw units of the token, so decimals are handled by working in raw units throughout.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from agents.chain.npm_artifacts import UNISWAP_V2_CORE, UNISWAP_V2_PERIPHERY, UNISWAP_V3_CORE, npm_contract
from agents.chain.snapshot import TOKENS, UNISWAP_V2_ROUTER02
from backtests.report import write_atomic

WAD = 10**18
ZERO = "0x" + "0" * 40


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
    price_keeper: str | None = None


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
        value = Decimal(text.strip()) * 10**decimals
    except InvalidOperation:
        raise ValueError(f"amount {text!r}: give a number, e.g. 1.5") from None
    if not value.is_finite() or value < 0 or value != value.to_integral_value():
        raise ValueError(f"amount {text!r}: give a finite, non-negative number with at most {decimals} decimals")
    return int(value)


def parse_deposits(project, owner, items: list[str]) -> list[tuple[str, int]]:
    """TOKEN=AMOUNT items (human units) to (token address, raw amount), each checked against what the owner
    holds, before anything is sent."""
    deposits: list[tuple[str, int]] = []
    for item in items:
        symbol, sep, amount = item.partition("=")
        if not sep:
            raise ValueError(f"--deposit {item!r}: write TOKEN=AMOUNT, e.g. USDC=30000")
        address = resolve_token(symbol.strip())
        erc20 = project.StandInToken.at(address)  # only the ERC20 functions are used
        try:
            raw = parse_amount(amount, erc20.decimals())
        except ValueError as e:
            raise ValueError(f"--deposit {item!r}: {e}") from None
        if raw == 0:
            raise ValueError(f"--deposit {item!r}: the amount must be positive")
        deposits.append((address, raw))
    wanted: dict[str, int] = {}
    for address, raw in deposits:
        wanted[address] = wanted.get(address, 0) + raw
    for address, raw in wanted.items():
        held = project.StandInToken.at(address).balanceOf(owner)
        if held < raw:
            raise ValueError(
                f"--deposit: the owner {owner.address} holds {held} raw units of {address}, less than the {raw} "
                "to deposit; nothing was sent"
            )
    return deposits


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
    price_keeper: str | None = None,
    max_price_jump_bps: int = 1_000,
    record_to: Path | None = None,
) -> VaultDeployment:
    """Deploys an AgentVault owned by `owner`, whitelists `tokens` (besides the numeraire) and `routers`, and
    names the price keeper. With `record_to`, the record is written right after the deployment and after each
    configuration step."""
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

    def save() -> None:
        if record_to is not None:
            write_record(record, record_to)

    save()
    for token in tokens:
        if int(token, 16) == int(numeraire, 16):
            continue  # whitelisted from the start
        record.transactions[f"allow_token:{token}"] = vault.allow_token(token, True, sender=owner).txn_hash
        record.tokens.append(token)
        save()
    for router in routers:
        record.transactions[f"allow_router:{router}"] = vault.allow_router(router, True, sender=owner).txn_hash
        record.routers.append(router)
        save()
    if price_keeper:
        receipt = vault.set_price_keeper(price_keeper, max_price_jump_bps, sender=owner)
        record.transactions["set_price_keeper"] = receipt.txn_hash
        record.price_keeper = price_keeper
        record.limits["max_price_jump_bps"] = max_price_jump_bps
        save()
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


def write_record(record: VaultDeployment, path: Path) -> Path:
    write_atomic(Path(path), json.dumps(asdict(record), indent=2) + "\n")
    return Path(path)


__all__ = [
    "UNISWAP_V2_ROUTER02",
    "VaultDeployment",
    "deploy_vault",
    "deposit",
    "parse_deposits",
    "resolve_token",
    "write_record",
]
