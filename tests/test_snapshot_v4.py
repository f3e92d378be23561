"""Uniswap v4 on the offline mainnet stand-in, through a fork of it (ethereum:mainnet-fork): the contracts at
their mainnet addresses, the seeded pool's state, a quote and a swap through the Universal Router that agree
with each other and with constant-product math (the pool is full range); and the PoolManager the snapshot
places is what the npm solc 0.8.26 builds from v4-core's sources with v4-core's settings."""

from __future__ import annotations

import json
import math
import subprocess
import time

import pytest
from chain import forked_snapshot
from eth_abi import encode

from agents.chain.npm_artifacts import UNISWAP_V4_CORE, UNISWAP_V4_PERIPHERY, UNIVERSAL_ROUTER
from agents.chain.snapshot import TOKENS
from agents.chain.snapshot_v4 import (
    NATIVE,
    PERMIT2,
    POOL_MANAGER,
    POSITION_MANAGER,
    POSITIONS_NAME,
    STATE_VIEW,
    UNIVERSAL_ROUTER_V2,
    V4_POOLS,
    V4_QUOTER,
    domain_separator,
    pool_id,
)
from agents.chain.toolchain import ROOT

V4_SWAP = 0x10  # Universal Router command
SWAP_EXACT_IN_SINGLE, SETTLE_ALL, TAKE_ALL = 0x06, 0x0C, 0x0F  # v4-periphery actions
PERMIT2_ABI = [
    {
        "name": "DOMAIN_SEPARATOR",
        "type": "function",
        "inputs": [],
        "outputs": [{"type": "bytes32"}],
        "stateMutability": "view",
    }
]


ERC20_ABI = [
    {
        "name": "balanceOf",
        "type": "function",
        "inputs": [{"type": "address"}],
        "outputs": [{"type": "uint256"}],
        "stateMutability": "view",
    }
]


def abi(path) -> list:
    return json.loads(path.read_text())["abi"]


@pytest.fixture(scope="module")
def fork(snapshot_state):
    with forked_snapshot(snapshot_state) as (ape, _project, _node):
        w3 = ape.chain.provider.web3
        yield w3, w3.eth.accounts[1]  # accounts[0] built the snapshot


@pytest.fixture(scope="module")
def pool():
    a, b, fee, spacing, price, liquidity = V4_POOLS[0]
    key = (NATIVE, TOKENS[b][0], fee, spacing, NATIVE)
    return key, price * 10 ** TOKENS[b][2] / 10**18, liquidity


def test_v4_sits_at_its_mainnet_addresses_with_what_its_constructors_set(fork):
    w3, _ = fork
    for address in (POOL_MANAGER, POSITION_MANAGER, V4_QUOTER, STATE_VIEW, UNIVERSAL_ROUTER_V2, PERMIT2):
        assert len(w3.eth.get_code(address)) > 1_000, address
    posm = w3.eth.contract(
        POSITION_MANAGER, abi=abi(UNISWAP_V4_PERIPHERY / "PositionManager.sol" / "PositionManager.json")
    )
    assert posm.functions.name().call() == POSITIONS_NAME and posm.functions.poolManager().call() == POOL_MANAGER
    assert bytes(posm.functions.DOMAIN_SEPARATOR().call()) == bytes(
        domain_separator(POSITIONS_NAME, 1, POSITION_MANAGER)
    )
    permit2 = w3.eth.contract(PERMIT2, abi=PERMIT2_ABI)
    assert bytes(permit2.functions.DOMAIN_SEPARATOR().call()) == bytes(domain_separator("Permit2", 1, PERMIT2))
    pm = w3.eth.contract(POOL_MANAGER, abi=abi(UNISWAP_V4_CORE / "PoolManager.sol" / "PoolManager.json"))
    builder = w3.eth.accounts[0]
    assert pm.functions.owner().call() == builder
    usdc = w3.eth.contract(TOKENS["USDC"][0], abi=ERC20_ABI)
    assert usdc.functions.balanceOf(builder).call() == 0  # seeding the v4 pool left the test account as it was


def test_the_seeded_pool_is_full_range_at_its_price(fork, pool):
    w3, _ = fork
    key, raw_price, liquidity = pool
    view = w3.eth.contract(STATE_VIEW, abi=abi(UNISWAP_V4_PERIPHERY / "StateView.sol" / "StateView.json"))
    sqrt_price, _tick, _protocol_fee, lp_fee = view.functions.getSlot0(pool_id(key)).call()
    assert sqrt_price == int(math.sqrt(raw_price) * 2**96) and lp_fee == key[2]
    assert view.functions.getLiquidity(pool_id(key)).call() == liquidity


def test_a_swap_through_the_universal_router_gets_what_the_quoter_and_constant_product_say(fork, pool):
    w3, me = fork
    key, raw_price, liquidity = pool
    amount = 10**18
    quoter = w3.eth.contract(V4_QUOTER, abi=abi(UNISWAP_V4_PERIPHERY / "V4Quoter.sol" / "V4Quoter.json"))
    quoted, _gas = quoter.functions.quoteExactInputSingle((key, True, amount, b"")).call()
    # a full-range position is x * y = L**2 with x = L / sqrt(P), y = L * sqrt(P) (raw units), fee on the input
    x, y = liquidity / math.sqrt(raw_price), liquidity * math.sqrt(raw_price)
    expected = y - liquidity**2 / (x + amount * (1 - key[2] / 1e6))
    assert abs(quoted - expected) <= 2 + expected * 1e-12, (quoted, expected)
    usdc = w3.eth.contract(TOKENS["USDC"][0], abi=ERC20_ABI)
    before = usdc.functions.balanceOf(me).call()
    params = [
        encode(
            ["((address,address,uint24,int24,address),bool,uint128,uint128,bytes)"], [(key, True, amount, quoted, b"")]
        ),
        encode(["address", "uint256"], [NATIVE, amount]),
        encode(["address", "uint256"], [key[1], quoted]),
    ]
    swap = encode(["bytes", "bytes[]"], [bytes([SWAP_EXACT_IN_SINGLE, SETTLE_ALL, TAKE_ALL]), params])
    router = w3.eth.contract(
        UNIVERSAL_ROUTER_V2, abi=abi(UNIVERSAL_ROUTER / "UniversalRouter.sol" / "UniversalRouter.json")
    )
    execute = router.get_function_by_signature("execute(bytes,bytes[],uint256)")
    tx = execute(bytes([V4_SWAP]), [swap], int(time.time()) + 10**6).transact({"from": me, "value": amount})
    assert w3.eth.wait_for_transaction_receipt(tx).status == 1
    assert usdc.functions.balanceOf(me).call() - before == quoted


COMPILE_JS = """
const [solc, root, out] = process.argv.slice(1); const fs = require('fs'), path = require('path');
const unit = '@uniswap/v4-core/src/PoolManager.sol', lib = '@uniswap/v4-core/lib/';
const input = {language: 'Solidity', sources: {[unit]: {content: fs.readFileSync(path.join(root, unit), 'utf8')}},
  settings: {remappings: ['solmate/=' + lib + 'solmate/', '@openzeppelin/=' + lib + 'openzeppelin-contracts/',
                          'forge-std/=' + lib + 'forge-std/src/'],
             optimizer: {enabled: true, runs: 44444444}, viaIR: true, evmVersion: 'cancun',
             metadata: {bytecodeHash: 'none'},
             outputSelection: {[unit]: {PoolManager: ['evm.deployedBytecode.object']}}}};
const read = (p) => {
  try { return {contents: fs.readFileSync(path.join(root, p), 'utf8')}; } catch (e) { return {error: p}; }
};
fs.writeFileSync(out, require(solc).compile(JSON.stringify(input), {import: read}));
"""


def test_the_placed_pool_manager_is_what_npm_solc_builds_from_v4_core(tmp_path):
    """v4-core's foundry.toml settings (solc 0.8.26, via IR, 44,444,444 runs, Cancun, no metadata hash)."""
    out = tmp_path / "out.json"
    solc = ROOT / "node_modules" / "solc-0.8.26"
    done = subprocess.run(
        ["node", "-e", COMPILE_JS, str(solc), str(ROOT / "node_modules"), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    doc = json.loads(out.read_text())
    assert not [e for e in doc.get("errors", []) if e["severity"] == "error"], doc["errors"]
    built = doc["contracts"]["@uniswap/v4-core/src/PoolManager.sol"]["PoolManager"]["evm"]["deployedBytecode"]["object"]
    shipped = json.loads((UNISWAP_V4_CORE / "PoolManager.sol" / "PoolManager.json").read_text())["deployedBytecode"][
        "object"
    ]
    assert built == shipped.removeprefix("0x") and len(built) // 2 <= 24_576
