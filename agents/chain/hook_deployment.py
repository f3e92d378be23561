"""`lamm deploy hook`: a DynamicFeeHook at a CREATE2 address carrying its permission bits, a Uniswap v4
dynamic-fee pool initialised with it, optional full-range liquidity through v4's PositionManager, and the
record.

Everything is checked before the first transaction (v4 on the chain, the pool key, the hook's bits, the pool not
yet initialised, balances); the record is written after each step, so a failure leaves a record of what was
done. The hook's address comes from a salt search over the deterministic CREATE2 deployer's addresses.
"""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from eth_abi import encode
from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes

from agents.chain.snapshot import TOKENS
from agents.chain.snapshot_v4 import NATIVE, PERMIT2, POOL_MANAGER, POSITION_MANAGER, pool_id
from agents.chain.universal_router import PERMIT2_APPROVE_ABI
from backtests.report import write_atomic
from envs.amm import PoolParams
from envs.fee_rule import FeeRule

CREATE2_DEPLOYER = "0x4e59b44847b379578588920cA78fbF26c0B4956C"  # the deterministic deployer on mainnet and anvil
PERMISSIONS = 0x20C0  # beforeInitialize, beforeSwap, afterSwap: contracts/DynamicFeeHook.vy
ALL_PERMISSIONS = (1 << 14) - 1
DYNAMIC_FEE_FLAG = 0x800000
MAX_TICK_SPACING = 32767
MAX_TICK = 887272
MAX_SALT_TRIES = 2_000_000  # 16,384 expected
Q96 = 2**96
MINT_POSITION, SETTLE_PAIR, SWEEP = 0x02, 0x0D, 0x14  # v4-periphery Actions
POOL_KEY = "(address,address,uint24,int24,address)"
POOLS_SLOT = 6  # PoolManager's pool states (v4-core StateLibrary)
ALLOWANCE_SECONDS = 3_600  # how long the PositionManager's Permit2 allowance lasts


@dataclass
class HookDeployment:
    network: str
    chain_id: int
    hook: str
    pool_manager: str
    pool_key: list  # (currency0, currency1, fee, tick spacing, hooks)
    pool_id: str
    controller: str
    owner: str
    rule: dict  # the rule new pools start with (envs.fee_rule)
    params: dict
    salt: str | None  # None when the hook already existed
    sqrt_price_x96: int
    block: int
    transactions: dict[str, str] = field(default_factory=dict)
    liquidity: dict | None = None  # {"liquidity": L, "amount0_max": .., "amount1_max": .., "token_id": ..}

    def write(self, path: Path) -> Path:
        write_atomic(Path(path), json.dumps(asdict(self), indent=2) + "\n")
        return Path(path)


def has_hook_bits(address: str) -> bool:
    """Whether `address`'s low 14 bits are exactly DynamicFeeHook's permissions (v4 calls what the bits say)."""
    return int(address, 16) & ALL_PERMISSIONS == PERMISSIONS


def check_hook_address(hook: str, remedy: str) -> None:
    """One clear error unless `hook` is an address carrying DynamicFeeHook's permission bits."""
    if not re.fullmatch(r"0x[0-9a-fA-F]{40}", hook):
        raise ValueError(f"--hook {hook!r}: not an address; give 0x and 40 hex digits")
    if not has_hook_bits(hook):
        raise ValueError(
            f"--hook {hook}: its address's low 14 bits are {int(hook, 16) & ALL_PERMISSIONS:#06x}, not "
            f"DynamicFeeHook's {PERMISSIONS:#06x} (beforeInitialize, beforeSwap, afterSwap): v4 would not call it "
            f"as this hook; {remedy}"
        )


def create2_address(deployer: str, salt: bytes, init_code: bytes) -> str:
    return to_checksum_address(keccak(b"\xff" + bytes.fromhex(deployer[2:]) + salt + keccak(init_code))[12:])


def find_salt(
    init_code: bytes, taken=lambda address: False, deployer: str = CREATE2_DEPLOYER, permissions: int = PERMISSIONS
) -> tuple[bytes, str]:
    """The first salt (0, 1, 2, ...) whose CREATE2 address has the `permissions` bits (DynamicFeeHook's by
    default) and is not `taken`."""
    code_hash = keccak(init_code)
    prefix = b"\xff" + bytes.fromhex(deployer[2:])
    for i in range(MAX_SALT_TRIES):
        salt = i.to_bytes(32, "big")
        raw = keccak(prefix + salt + code_hash)[12:]
        if int.from_bytes(raw[-2:], "big") & ALL_PERMISSIONS == permissions:
            address = to_checksum_address(raw)
            if not taken(address):
                return salt, address
    raise RuntimeError(f"no salt in {MAX_SALT_TRIES} gives the hook's permission bits")


def parse_pool_key(spec: str, symbols: dict[str, str] | None = None) -> tuple[str, str, int, int]:
    """`CURRENCY0,CURRENCY1,FEE,TICK_SPACING` -> (currency0, currency1, fee, tick spacing): currencies are ETH
    (native), a symbol of the snapshot's tokens or an address; FEE must be `dynamic` (0x800000)."""
    symbols = symbols or {"ETH": NATIVE, **{s: v[0] for s, v in TOKENS.items()}}
    parts = [p.strip() for p in spec.split(",")]
    if len(parts) != 4:
        raise ValueError(f"--pool-key {spec!r}: give CURRENCY0,CURRENCY1,FEE,TICK_SPACING, e.g. ETH,USDC,dynamic,60")
    currencies = []
    for p in parts[:2]:
        address = symbols.get(p.upper(), p)
        if not (address.startswith("0x") and len(address) == 42):
            raise ValueError(f"--pool-key: {p!r} is neither ETH, a known token ({', '.join(symbols)}) nor an address")
        currencies.append(to_checksum_address(address))
    c0, c1 = currencies
    if int(c0, 16) >= int(c1, 16):
        raise ValueError(
            f"--pool-key: v4 orders a pool's currencies by address and {parts[0]} ({c0}) does not sort below "
            f"{parts[1]} ({c1}); give {parts[1]},{parts[0]},{parts[2]},{parts[3]} (and the price the other way up)"
        )
    fee = parts[2].lower()
    if fee not in ("dynamic", hex(DYNAMIC_FEE_FLAG), str(DYNAMIC_FEE_FLAG)):
        raise ValueError(
            f"--pool-key: fee {parts[2]!r} makes a static-fee pool; DynamicFeeHook sets the fee of every swap and "
            "serves only dynamic-fee pools: give `dynamic`"
        )
    try:
        spacing = int(parts[3])
    except ValueError:
        spacing = 0
    if not 1 <= spacing <= MAX_TICK_SPACING:
        raise ValueError(f"--pool-key: tick spacing {parts[3]!r} must be an integer in [1, {MAX_TICK_SPACING}]")
    return c0, c1, DYNAMIC_FEE_FLAG, spacing


def sqrt_price_x96(price: float, decimals0: int, decimals1: int) -> int:
    """sqrt(P) in Q64.96 for a human price of currency0 in currency1."""
    if not (math.isfinite(price) and price > 0):
        raise ValueError(f"--price {price}: give a positive price of currency0 in currency1")
    return int(math.sqrt(price * 10**decimals1 / 10**decimals0) * Q96)


def full_range_liquidity(sqrt_price: int, spacing: int, amount0: int, amount1: int) -> tuple[int, int]:
    """(L, top tick) of a full-range position using at most `amount0` and `amount1` (a part in 1e6 spare)."""
    top = MAX_TICK // spacing * spacing
    s, su, sl = sqrt_price / Q96, 1.0001 ** (top / 2), 1.0001 ** (-top / 2)
    liquidity = min(amount0 / (1 / s - 1 / su), amount1 / (s - sl)) * (1 - 1e-6)
    return int(liquidity), top


class HookDeployer:
    """The steps of `lamm deploy hook` on one connection; `check` raises before anything is sent."""

    def __init__(self, ape, project, account, network: str):
        self.ape, self.project, self.account, self.network = ape, project, account, network
        self.w3 = ape.chain.provider.web3

    def code(self, address: str) -> bytes:
        return bytes(self.w3.eth.get_code(to_checksum_address(address)))

    def decimals(self, currency: str) -> int:
        return 18 if currency == NATIVE else self.project.TestToken.at(currency).decimals()

    def balance(self, currency: str) -> int:
        if currency == NATIVE:
            return self.w3.eth.get_balance(self.account.address)
        return self.project.TestToken.at(currency).balanceOf(self.account)

    def pool_initialised(self, key: tuple) -> bool:
        slot = keccak(pool_id(key) + POOLS_SLOT.to_bytes(32, "big"))
        word = self.w3.eth.get_storage_at(POOL_MANAGER, int.from_bytes(slot, "big"))
        return int.from_bytes(bytes(word), "big") & (2**160 - 1) != 0

    def check(self, currencies: tuple, hook: str | None, liquidity: tuple[int, int] | None) -> None:
        if len(self.code(POOL_MANAGER)) == 0:
            raise ValueError(
                f"no Uniswap v4 PoolManager at {POOL_MANAGER} on this chain: use a mainnet fork "
                "(--network ethereum:mainnet-fork) or the snapshot (`lamm chain up`)"
            )
        for c in currencies:
            if c != NATIVE and len(self.code(c)) == 0:
                raise ValueError(f"--pool-key: no token contract at {c} on this chain")
        if hook is not None:
            check_hook_address(hook, "deploy one with `lamm deploy hook` without --hook")
            if len(self.code(hook)) == 0:
                raise ValueError(f"--hook {hook}: no contract at that address on this chain")
            contract = self.project.DynamicFeeHook.at(hook)
            if contract.pool_manager() != POOL_MANAGER or contract.owner() != self.account.address:
                raise ValueError(f"--hook {hook}: not a DynamicFeeHook of this PoolManager owned by the --account")
        elif len(self.code(CREATE2_DEPLOYER)) == 0:
            raise ValueError(f"no CREATE2 deployer at {CREATE2_DEPLOYER} on this chain: the hook's address needs it")
        if liquidity:
            for c, amount in zip(currencies, liquidity, strict=True):
                if self.balance(c) < amount:
                    raise ValueError(f"the account holds {self.balance(c)} of {c}, less than the {amount} to deposit")

    def deploy_hook(self, controller: str, rule: FeeRule, params: PoolParams) -> tuple[str, bytes, str]:
        """Deploys DynamicFeeHook through the CREATE2 deployer at a salt giving its bits: (address, salt, tx)."""
        taus = [params.tau_fast, params.tau_slow, params.tau_flow, params.tau_twap]
        args = [POOL_MANAGER, controller, self.account.address, rule.pack()]
        args += [params.fee_min, params.fee_max, params.fee_max_step, taus]
        container = self.project.DynamicFeeHook
        types = ["address", "address", "address", "uint256", "uint256", "uint256", "uint256", "int256[4]"]
        init_code = bytes(HexBytes(container.contract_type.deployment_bytecode.bytecode)) + encode(types, args)
        salt, address = find_salt(init_code, taken=lambda a: len(self.code(a)) > 0)
        receipt = self.account.transfer(CREATE2_DEPLOYER, 0, data=salt + init_code)
        if len(self.code(address)) == 0:
            raise RuntimeError(f"the CREATE2 deployer did not create the hook at {address} (tx {receipt.txn_hash})")
        return address, salt, receipt.txn_hash

    def initialise(self, key: tuple, sqrt_price: int) -> str:
        from agents.chain.npm_artifacts import UNISWAP_V4_CORE, npm_contract

        pm = npm_contract(UNISWAP_V4_CORE / "PoolManager.sol" / "PoolManager.json").at(POOL_MANAGER)
        return pm.initialize(key, sqrt_price, sender=self.account).txn_hash

    def add_full_range(self, key: tuple, sqrt_price: int, amounts: tuple[int, int]) -> tuple[dict, dict]:
        """Full-range liquidity through the PositionManager (Permit2 allowances for the tokens); returns
        (liquidity record, transactions)."""
        from agents.chain.npm_artifacts import UNISWAP_V4_PERIPHERY, npm_contract

        liquidity, top = full_range_liquidity(sqrt_price, key[3], *amounts)
        if liquidity <= 0:
            raise ValueError("--liquidity0/--liquidity1 are too small for any liquidity at this price")
        txs: dict[str, str] = {}
        permit2 = self.w3.eth.contract(PERMIT2, abi=PERMIT2_APPROVE_ABI)
        expiry = self.ape.chain.blocks.head.timestamp + ALLOWANCE_SECONDS  # no allowance outlives the mint long
        for i, (currency, amount) in enumerate(zip(key[:2], amounts, strict=True)):
            if currency == NATIVE:
                continue
            token = self.project.TestToken.at(currency)
            txs[f"approve{i}:permit2"] = token.approve(PERMIT2, amount, sender=self.account).txn_hash
            call = permit2.functions.approve(currency, POSITION_MANAGER, amount, expiry)
            txs[f"approve{i}:position_manager"] = self.account.transfer(
                PERMIT2, 0, data=bytes.fromhex(call._encode_transaction_data()[2:])
            ).txn_hash
        native = key[0] == NATIVE
        me = self.account.address
        mint = encode(
            [POOL_KEY, "int24", "int24", "uint256", "uint128", "uint128", "address", "bytes"],
            [key, -top, top, liquidity, amounts[0], amounts[1], me, b""],
        )
        actions, params = bytes([MINT_POSITION, SETTLE_PAIR]), [mint, encode(["address", "address"], key[:2])]
        if native:
            actions += bytes([SWEEP])
            params.append(encode(["address", "address"], [NATIVE, me]))
        posm = npm_contract(UNISWAP_V4_PERIPHERY / "PositionManager.sol" / "PositionManager.json").at(POSITION_MANAGER)
        token_id = posm.nextTokenId()
        unlock = encode(["bytes", "bytes[]"], [actions, params])
        deadline = int(time.time()) + 10 * 365 * 86_400
        receipt = posm.modifyLiquidities(unlock, deadline, sender=self.account, value=amounts[0] if native else 0)
        txs["mint_position"] = receipt.txn_hash
        record = {"liquidity": liquidity, "amount0_max": amounts[0], "amount1_max": amounts[1], "token_id": token_id}
        return record, txs


def deploy_hook_pool(
    ape,
    project,
    account,
    network: str,
    pool_key: tuple[str, str, int, int],
    price: float,
    rule: FeeRule,
    params: PoolParams,
    controller: str | None,
    hook: str | None,
    liquidity: tuple[int, int] | None,
    record_to: Path,
) -> HookDeployment:
    """Deploys a DynamicFeeHook (unless `hook` is given: one of the account's), creates and initialises the
    dynamic-fee pool `pool_key` on it at `price`, and adds full-range `liquidity` (raw maxima) if given."""
    d = HookDeployer(ape, project, account, network)
    c0, c1, fee, spacing = pool_key
    d.check((c0, c1), hook, liquidity)
    sqrt_price = sqrt_price_x96(price, d.decimals(c0), d.decimals(c1))
    if hook is not None:
        contract = project.DynamicFeeHook.at(hook)
        controller, rule = contract.controller(), FeeRule.unpack(contract.initial_rule())
        fees = (contract.fee_min(), contract.fee_max(), contract.fee_max_step())
        taus = (contract.tau_fast(), contract.tau_slow(), contract.tau_flow(), contract.tau_twap())
        params = PoolParams(*fees, *taus)
    else:
        if not params.fee_min <= rule.base <= params.fee_max:
            raise ValueError(f"initial fee {rule.base} pips is outside [{params.fee_min}, {params.fee_max}]")
        controller = controller or account.address
        address, salt, tx = d.deploy_hook(controller, rule, params)
    key = (c0, c1, fee, spacing, hook or address)
    if d.pool_initialised(key):
        raise ValueError(f"the pool {pool_id(key).hex()} already exists on this hook")
    record = HookDeployment(
        network=network,
        chain_id=ape.chain.chain_id,
        hook=key[4],
        pool_manager=POOL_MANAGER,
        pool_key=list(key),
        pool_id="0x" + pool_id(key).hex().removeprefix("0x"),
        controller=controller,
        owner=account.address,
        rule=asdict(rule),
        params=asdict(params),
        salt=None if hook else "0x" + salt.hex(),
        sqrt_price_x96=sqrt_price,
        block=ape.chain.blocks.head.number,
        transactions={} if hook else {"deploy_hook": tx},
    )
    record.write(record_to)
    record.transactions["initialize"] = d.initialise(key, sqrt_price)
    record.block = ape.chain.blocks.head.number
    record.write(record_to)
    if liquidity:
        record.liquidity, txs = d.add_full_range(key, sqrt_price, liquidity)
        record.transactions.update(txs)
        record.write(record_to)
    return record
