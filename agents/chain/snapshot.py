"""`lamm chain snapshot`: the offline mainnet stand-in, an anvil state with chain id 1.

It holds WETH, USDC, USDT and WBTC stand-ins (contracts/testing/StandInToken.vy, right decimals), Uniswap
V2's factory and Router02, Uniswap V3's factory, SwapRouter and QuoterV2, and Uniswap v4's PoolManager,
PositionManager, V4Quoter, StateView, Permit2 and the Universal Router (npm builds; agents/chain/snapshot_v4.py)
at their canonical mainnet addresses, and V2, V3 and v4 pools seeded at realistic prices and depths. Pools are
created by the factories at their canonical addresses with the canonical pool bytecode, so their addresses are
mainnet's too (and the V3 periphery, which derives pool addresses from that bytecode's hash, finds them). Tests
serve it and fork it through Ape's `ethereum:mainnet-fork` exactly as a user forks mainnet with ETH_RPC_URL.
The state is dated two days before it is built and each V3 pool keeps HISTORY observations, so a node serving
it later has V3 TWAPs over any window up to then (at the pools' seeded prices), as mainnet's pools have.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from pathlib import Path

from agents.chain.local_node import rpc, start_anvil
from agents.chain.npm_artifacts import UNISWAP_V2_CORE, UNISWAP_V2_PERIPHERY, UNISWAP_V3_CORE, UNISWAP_V3_PERIPHERY
from agents.chain.snapshot_v4 import place_v4
from agents.chain.toolchain import ROOT

TOKENS = {  # symbol: (mainnet address, name, decimals)
    "WETH": ("0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", "Wrapped Ether", 18),
    "USDC": ("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "USD Coin", 6),
    "USDT": ("0xdAC17F958D2ee523a2206206994597C13D831ec7", "Tether USD", 6),
    "WBTC": ("0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599", "Wrapped BTC", 8),
}
UNISWAP_V2_FACTORY = "0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f"
UNISWAP_V2_ROUTER02 = "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D"
UNISWAP_V3_FACTORY = "0x1F98431c8aD98523631AE4a59f267346ea31F984"
UNISWAP_V3_SWAP_ROUTER = "0xE592427A0AEce92De3Edee1F18E0157C05861564"
UNISWAP_V3_QUOTER_V2 = "0x61fFE014bA17989E743c5F6cB21bF9697530B21e"
SWAP_ROUTER_CACHE_SLOT = 0  # SwapRouter.amountInCached, set to type(uint256).max by its constructor
V3_FEE_TIERS = ((500, 10), (3000, 60), (10000, 200))
V3_OWNER_SLOT = 3  # UniswapV3Factory.owner, after the pool deployer's `parameters` struct (slots 0-2)
# V3 pools: (token a, token b, fee, price of a in b, liquidity L in sqrt(raw a * raw b) units, full range)
V3_POOLS = (("WETH", "USDC", 500, 2_500, 5 * 10**16), ("WBTC", "WETH", 3000, 40, 6 * 10**15))
AGE = 2 * 86_400  # seconds the state is dated back
HISTORY = 128  # observations each V3 pool keeps (increaseObservationCardinalityNext)
# V2 pools: (token a, token b, human amount of a, human amount of b): WETH at 2,500 USD, WBTC at 100,000 USD
V2_POOLS = (("WETH", "USDC", 10_000, 25_000_000), ("WETH", "USDT", 8_000, 20_000_000), ("WBTC", "WETH", 200, 8_000))


def _vyper(path: Path) -> tuple[list, str]:
    out = subprocess.run(
        [str(Path(sys.executable).parent / "vyper"), "-f", "abi,bytecode", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return json.loads(out[0]), out[1]


def _npm(path: Path) -> tuple[list, str]:
    """(ABI, creation code) of a Waffle, Hardhat or Foundry build artifact."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run `npm install` in the project")
    doc = json.loads(path.read_text())
    code = doc.get("bytecode") or doc["evm"]["bytecode"]["object"]
    if isinstance(code, dict):
        code = code["object"]
    return doc["abi"], code if code.startswith("0x") else "0x" + code


def build_snapshot(out: Path) -> dict:
    """Builds the stand-in on a fresh chain-id-1 anvil and saves its state to `out`; returns the address book."""
    from web3 import Web3

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    node = start_anvil(chain_id=1, dump_state=tmp, genesis_timestamp=int(time.time()) - AGE)
    try:
        w3 = Web3(Web3.HTTPProvider(node.url))
        me = w3.eth.accounts[0]

        def deploy(abi, code, *args):
            receipt = w3.eth.wait_for_transaction_receipt(
                w3.eth.contract(abi=abi, bytecode=code).constructor(*args).transact({"from": me})
            )
            return receipt.contractAddress

        def place(address: str, abi, code, *args, copy_slots=(), rewrite=None):
            """Deploys, then moves the runtime code to `address`: an immutable copy of the contract's own
            address (V3's and v4's no-delegatecall guards keep one) is rewritten, as is every other hex string
            `rewrite(temporary address)` maps; the storage slots `copy_slots` the constructor wrote are copied."""
            temp = deploy(abi, code, *args)
            runtime = w3.eth.get_code(temp).hex().removeprefix("0x")
            runtime = runtime.replace(temp.lower().removeprefix("0x"), address.lower().removeprefix("0x"))
            for old, new in (rewrite(temp) if rewrite else {}).items():
                if old not in runtime:
                    raise RuntimeError(f"placing {address}: {old} is not in its runtime code")
                runtime = runtime.replace(old, new.removeprefix("0x"))
            rpc(node.url, "anvil_setCode", [address, "0x" + runtime])
            for slot in copy_slots:
                value = w3.eth.get_storage_at(temp, slot).hex().removeprefix("0x").rjust(64, "0")
                rpc(node.url, "anvil_setStorageAt", [address, hex(slot), "0x" + value])
            return w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi)

        def send(call, value: int = 0):
            w3.eth.wait_for_transaction_receipt(call.transact({"from": me, "value": value}))

        token_abi, token_code = _vyper(ROOT / "contracts" / "testing" / "StandInToken.vy")
        tokens = {}
        for symbol, (address, name, decimals) in TOKENS.items():
            tokens[symbol] = place(address, token_abi, token_code)
            send(tokens[symbol].functions.setup(name, symbol, decimals))
        factory = place(UNISWAP_V2_FACTORY, *_npm(UNISWAP_V2_CORE / "UniswapV2Factory.json"), me)
        place(
            UNISWAP_V2_ROUTER02,
            *_npm(UNISWAP_V2_PERIPHERY / "UniswapV2Router02.json"),
            UNISWAP_V2_FACTORY,
            TOKENS["WETH"][0],
        )
        pair_abi, _ = _npm(UNISWAP_V2_CORE / "UniswapV2Pair.json")
        pairs = {}
        for a, b, amount_a, amount_b in V2_POOLS:
            send(factory.functions.createPair(tokens[a].address, tokens[b].address))
            pair = factory.functions.getPair(tokens[a].address, tokens[b].address).call()
            for sym, amount in ((a, amount_a), (b, amount_b)):
                raw = amount * 10 ** TOKENS[sym][2]
                send(tokens[sym].functions.mint(pair, raw))
            send(w3.eth.contract(address=pair, abi=pair_abi).functions.mint(me))
            pairs[f"{a}/{b}"] = pair
        v3 = place(UNISWAP_V3_FACTORY, *_npm(UNISWAP_V3_CORE / "UniswapV3Factory.sol" / "UniswapV3Factory.json"))
        rpc(
            node.url,
            "anvil_setStorageAt",
            [UNISWAP_V3_FACTORY, hex(V3_OWNER_SLOT), "0x" + me[2:].lower().rjust(64, "0")],
        )
        for fee, spacing in V3_FEE_TIERS:
            send(v3.functions.enableFeeAmount(fee, spacing))
        caller_abi, caller_code = _vyper(ROOT / "contracts" / "testing" / "V3Caller.vy")
        caller = w3.eth.contract(address=deploy(caller_abi, caller_code), abi=caller_abi)
        pool_abi, _ = _npm(UNISWAP_V3_CORE / "UniswapV3Pool.sol" / "UniswapV3Pool.json")
        v3_pools = {}
        for a, b, fee, price, liquidity in V3_POOLS:
            send(v3.functions.createPool(tokens[a].address, tokens[b].address, fee))
            address = v3.functions.getPool(tokens[a].address, tokens[b].address, fee).call()
            pool = w3.eth.contract(address=address, abi=pool_abi)
            raw = price * 10 ** TOKENS[b][2] / 10 ** TOKENS[a][2]  # raw b per raw a
            a_is_0 = int(tokens[a].address, 16) < int(tokens[b].address, 16)
            sqrt_price = int(math.sqrt(raw if a_is_0 else 1 / raw) * 2**96)
            send(pool.functions.initialize(sqrt_price))
            for sym in (a, b):
                send(tokens[sym].functions.mint(caller.address, 2**200))
            spacing = dict(V3_FEE_TIERS)[fee]
            top = 887272 // spacing * spacing
            send(caller.functions.mint(address, -top, top, liquidity))
            send(pool.functions.increaseObservationCardinalityNext(HISTORY))
            v3_pools[f"{a}/{b}/{fee}"] = address
        # The periphery's factory and WETH9 are immutables: they move with the code. SwapRouter's one storage
        # slot, set by its constructor, is set again at the canonical address.
        v3_args = (UNISWAP_V3_FACTORY, TOKENS["WETH"][0])
        place(UNISWAP_V3_SWAP_ROUTER, *_npm(UNISWAP_V3_PERIPHERY / "SwapRouter.sol" / "SwapRouter.json"), *v3_args)
        rpc(node.url, "anvil_setStorageAt", [UNISWAP_V3_SWAP_ROUTER, hex(SWAP_ROUTER_CACHE_SLOT), "0x" + "f" * 64])
        place(UNISWAP_V3_QUOTER_V2, *_npm(UNISWAP_V3_PERIPHERY / "lens" / "QuoterV2.sol" / "QuoterV2.json"), *v3_args)
        decimals = {s: t[2] for s, t in TOKENS.items()}
        factories = (UNISWAP_V2_FACTORY, UNISWAP_V3_FACTORY)
        v4 = place_v4(w3, node.url, place, deploy, send, tokens, decimals, me, _npm, rpc, factories)
        # The last block is dated now, so a node serving the state answers TWAP reads at once.
        rpc(node.url, "evm_mine", [int(time.time())])
    finally:
        node.stop()
    if not tmp.exists():
        raise RuntimeError("anvil did not write its state")
    tmp.replace(out)
    return {
        "chain_id": 1,
        "tokens": {s: t[0] for s, t in TOKENS.items()},
        "uniswap_v2_factory": UNISWAP_V2_FACTORY,
        "uniswap_v2_router02": UNISWAP_V2_ROUTER02,
        "uniswap_v2_pairs": pairs,
        "uniswap_v3_factory": UNISWAP_V3_FACTORY,
        "uniswap_v3_pools": v3_pools,
        "uniswap_v3_swap_router": UNISWAP_V3_SWAP_ROUTER,
        "uniswap_v3_quoter_v2": UNISWAP_V3_QUOTER_V2,
        **v4,
    }
