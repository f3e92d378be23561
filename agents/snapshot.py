"""`lamm chain snapshot`: the offline mainnet stand-in, an anvil state with chain id 1.

It holds WETH, USDC, USDT and WBTC stand-ins (contracts/testing/StandInToken.vy, right decimals) and Uniswap
V2's factory and Router02 (npm builds) at their canonical mainnet addresses, with V2 pools seeded at
realistic prices and depths. Pairs are created by the factory at its canonical address with the canonical
pair bytecode, so their addresses are mainnet's too. Tests serve it and fork it through Ape's
`ethereum:mainnet-fork` exactly as a user forks mainnet with ETH_RPC_URL.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from agents.artifacts_npm import UNISWAP_V2_CORE, UNISWAP_V2_PERIPHERY
from agents.local_node import rpc, start_anvil
from agents.toolchain import ROOT

TOKENS = {  # symbol: (mainnet address, name, decimals)
    "WETH": ("0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", "Wrapped Ether", 18),
    "USDC": ("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "USD Coin", 6),
    "USDT": ("0xdAC17F958D2ee523a2206206994597C13D831ec7", "Tether USD", 6),
    "WBTC": ("0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599", "Wrapped BTC", 8),
}
UNISWAP_V2_FACTORY = "0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f"
UNISWAP_V2_ROUTER02 = "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D"
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
    doc = json.loads(path.read_text())
    code = doc.get("bytecode") or doc["evm"]["bytecode"]["object"]
    return doc["abi"], code if code.startswith("0x") else "0x" + code


def build_snapshot(out: Path) -> dict:
    """Builds the stand-in on a fresh chain-id-1 anvil and saves its state to `out`; returns the address book."""
    from web3 import Web3

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    node = start_anvil(chain_id=1, dump_state=tmp)
    try:
        w3 = Web3(Web3.HTTPProvider(node.url))
        me = w3.eth.accounts[0]

        def deploy(abi, code, *args):
            receipt = w3.eth.wait_for_transaction_receipt(
                w3.eth.contract(abi=abi, bytecode=code).constructor(*args).transact({"from": me})
            )
            return receipt.contractAddress

        def place(address: str, abi, code, *args):
            """Deploys, then moves the runtime code to `address` (constructor storage does not move)."""
            temp = deploy(abi, code, *args)
            rpc(node.url, "anvil_setCode", [address, "0x" + w3.eth.get_code(temp).hex().removeprefix("0x")])
            return w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi)

        def send(call):
            w3.eth.wait_for_transaction_receipt(call.transact({"from": me}))

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
    }
