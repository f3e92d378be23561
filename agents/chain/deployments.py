"""`lamm deploy pool`: a DynamicFeePool on a network, optionally seeded with liquidity, and its record.

The record (JSON) holds what other commands need: network, chain id, addresses, parameters, the block and the
transaction hashes.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from backtests.report import write_atomic
from envs.amm import PoolParams
from envs.fee_rule import FeeRule

FAR = 2**63


@dataclass
class PoolDeployment:
    network: str
    chain_id: int
    pool: str
    token0: str
    token1: str
    controller: str
    deployer: str
    fee: int  # the rule's base fee, pips
    rule: dict  # the fee rule it starts with (envs.fee_rule)
    params: dict
    block: int
    transactions: dict[str, str] = field(default_factory=dict)
    liquidity: list[int] | None = None


def deploy_test_tokens(project, owner, mint: int, specs=(("WETH", 18), ("USDT", 6))) -> list:
    """Mintable test tokens (contracts/testing/TestToken.vy), `mint` raw units each to the owner; local chains."""
    tokens = [project.TestToken.deploy(symbol, symbol, decimals, sender=owner) for symbol, decimals in specs]
    for token in tokens:
        token.mint(owner, mint, sender=owner)
    return tokens


def deploy_pool(
    ape,
    project,
    account,
    network: str,
    token0: str,
    token1: str,
    rule: FeeRule | int,
    params: PoolParams,
    controller: str | None = None,
    liquidity: tuple[int, int] | None = None,
) -> PoolDeployment:
    """Deploys a DynamicFeePool starting with `rule` (a static fee in pips when an int)."""
    rule = FeeRule(int(rule)) if isinstance(rule, int) else rule
    taus = [params.tau_fast, params.tau_slow, params.tau_flow, params.tau_twap]
    controller = controller or account.address
    pool = project.DynamicFeePool.deploy(
        token0,
        token1,
        controller,
        rule.pack(),
        params.fee_min,
        params.fee_max,
        params.fee_max_step,
        taus,
        sender=account,
    )
    receipt = pool.creation_metadata.receipt
    record = PoolDeployment(
        network,
        ape.chain.chain_id,
        pool.address,
        token0,
        token1,
        controller,
        account.address,
        rule.base,
        asdict(rule),
        asdict(params),
        receipt.block_number,
        {"deploy": receipt.txn_hash},
    )
    if liquidity:
        for name, token, amount in (("approve0", token0, liquidity[0]), ("approve1", token1, liquidity[1])):
            erc20 = project.TestToken.at(token)  # only the ERC20 functions are used
            if erc20.balanceOf(account) < amount:
                raise ValueError(f"the account holds {erc20.balanceOf(account)} of {token}, less than {amount}")
            record.transactions[name] = erc20.approve(pool, amount, sender=account).txn_hash
        added = pool.add_liquidity(liquidity[0], liquidity[1], 0, FAR, sender=account)
        record.transactions["add_liquidity"] = added.txn_hash
        record.liquidity = list(liquidity)
    return record


def write_record(record: PoolDeployment, path: Path) -> Path:
    write_atomic(Path(path), json.dumps(asdict(record), indent=2) + "\n")
    return Path(path)
