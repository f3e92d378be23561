"""`lamm deploy hook` on a fork of the mainnet snapshot (ethereum:mainnet-fork): the hook lands at a CREATE2
address with its permission bits, the dynamic-fee v4 pool is initialised with it and seeded full range through
the PositionManager, swaps through the Universal Router pay the hook's fee and move its features, and bad input
gets one clear error with nothing sent and no record written."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from chain import forked_snapshot

from agents.chain.hook_deployment import PERMISSIONS, create2_address, find_salt, has_hook_bits
from agents.chain.npm_artifacts import UNISWAP_V4_CORE, npm_contract
from agents.chain.snapshot import TOKENS
from agents.chain.snapshot_v4 import NATIVE, PERMIT2, POOL_MANAGER, POSITION_MANAGER
from agents.chain.universal_router import swap_exact_in

USDC = TOKENS["USDC"][0]
PERMIT2_ALLOWANCE_ABI = [
    {
        "name": "allowance",
        "type": "function",
        "stateMutability": "view",
        "inputs": [
            {"name": "user", "type": "address"},
            {"name": "token", "type": "address"},
            {"name": "spender", "type": "address"},
        ],
        "outputs": [
            {"name": "amount", "type": "uint160"},
            {"name": "expiration", "type": "uint48"},
            {"name": "nonce", "type": "uint48"},
        ],
    }
]


@pytest.fixture(scope="module")
def forked(snapshot_state):
    with forked_snapshot(snapshot_state) as (ape, project, _):
        yield ape, project


@pytest.fixture
def fork(forked):
    ape, project = forked
    snapshot = ape.chain.snapshot()
    yield ape, project
    ape.chain.restore(snapshot)


def lamm(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lamm.cli", *args], capture_output=True, text=True, timeout=300, env=dict(os.environ)
    )


def deploy(ape, path, *extra: str) -> subprocess.CompletedProcess:
    base = ["deploy", "hook", "--network", "ethereum:mainnet-fork", "--rpc", ape.chain.provider.uri]
    return lamm(*base, "--account", "test:0", "--price", "2500", "--out", str(path), *extra)


def test_the_salt_search_gives_the_permission_bits():
    code = b"\x60\x00" * 50
    salt, address = find_salt(code)
    assert has_hook_bits(address) and int(address, 16) & 0x3FFF == PERMISSIONS
    assert create2_address("0x4e59b44847b379578588920cA78fbF26c0B4956C", salt, code) == address
    taken = {address}
    salt2, address2 = find_salt(code, taken=lambda a: a in taken)
    assert address2 != address and has_hook_bits(address2)
    assert int.from_bytes(salt2, "big") > int.from_bytes(salt, "big")


def test_deploy_hook_creates_a_seeded_dynamic_fee_pool_whose_swaps_pay_the_hooks_fee(fork, tmp_path):
    ape, project = fork
    owner, trader = ape.accounts.test_accounts[0], ape.accounts.test_accounts[1]
    usdc = project.StandInToken.at(USDC)
    usdc.mint(owner, 50_000 * 10**6, sender=owner)
    path = tmp_path / "hook.json"
    res = deploy(
        ape,
        path,
        "--pool-key",
        "ETH,USDC,dynamic,60",
        "--initial-fee",
        "30",
        "--liquidity0",
        str(10 * 10**18),
        "--liquidity1",
        str(25_000 * 10**6),
    )
    assert res.returncode == 0, res.stdout + res.stderr
    record = json.loads(path.read_text())
    hook = project.DynamicFeeHook.at(record["hook"])
    key, pool_id = tuple(record["pool_key"]), bytes.fromhex(record["pool_id"][2:])
    assert has_hook_bits(hook.address) and key == (NATIVE, USDC, 0x800000, 60, hook.address)
    assert hook.pool_manager() == POOL_MANAGER and hook.controller() == owner.address == hook.owner()
    assert hook.rule(pool_id) == 3000 and hook.epoch(pool_id) == 0
    assert record["liquidity"]["liquidity"] > 0 and set(record["transactions"]) >= {"deploy_hook", "initialize"}
    assert usdc.balanceOf(owner) < 50_000 * 10**6  # the position took USDC
    allowance = ape.Contract(PERMIT2, abi=PERMIT2_ALLOWANCE_ABI).allowance(owner, USDC, POSITION_MANAGER)
    assert allowance[1] <= ape.chain.blocks.head.timestamp + 3_600  # the PositionManager's allowance expires soon

    pm = npm_contract(UNISWAP_V4_CORE / "PoolManager.sol" / "PoolManager.json").at(POOL_MANAGER)
    fees = []
    for zero_for_one, amount in ((True, 10**17), (False, 100 * 10**6), (True, 2 * 10**17)):
        expected = hook.fee_for(pool_id, zero_for_one)
        if not zero_for_one:
            usdc.mint(trader, amount, sender=owner)
        receipt = swap_exact_in(ape, key, zero_for_one, amount, trader)
        (event,) = [log for log in receipt.decode_logs(pm.Swap) if log.id == pool_id]
        assert event.fee == expected  # the LP fee v4 charged is the hook's fee for the direction
        fees.append(event.fee)
    assert hook.epoch(pool_id) == 3
    features, epoch = hook.features(pool_id)
    assert epoch == 3 and features[0] == 3000 * 10**12 and features[1] > 0  # base fee, fast volatility


def test_deploy_hook_adds_a_pool_to_an_existing_hook(fork, tmp_path):
    ape, project = fork
    first = deploy(ape, tmp_path / "first.json", "--pool-key", "ETH,USDC,dynamic,60", "--initial-fee", "20")
    assert first.returncode == 0, first.stdout + first.stderr
    hook = json.loads((tmp_path / "first.json").read_text())["hook"]
    res = deploy(ape, tmp_path / "second.json", "--pool-key", "ETH,USDC,dynamic,10", "--hook", hook)
    assert res.returncode == 0, res.stdout + res.stderr
    record = json.loads((tmp_path / "second.json").read_text())
    assert record["hook"] == hook and record["salt"] is None and "deploy_hook" not in record["transactions"]
    contract = project.DynamicFeeHook.at(hook)
    assert contract.rule(bytes.fromhex(record["pool_id"][2:])) == 2000  # the hook's initial rule, not --initial-fee's
    again = deploy(ape, tmp_path / "third.json", "--pool-key", "ETH,USDC,dynamic,10", "--hook", hook)
    assert again.returncode != 0 and "already exists" in again.stdout + again.stderr
    nonce = ape.accounts.test_accounts[0].nonce
    both = deploy(ape, tmp_path / "fourth.json", "--pool-key", "ETH,USDC,dynamic,20", "--hook", hook, "--fee-bps", "9")
    assert both.returncode != 0 and "takes that hook's controller" in both.stdout + both.stderr
    assert ape.accounts.test_accounts[0].nonce == nonce and not (tmp_path / "fourth.json").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pool-key", "USDC,ETH,dynamic,60"], "does not sort below"),
        (["--pool-key", "ETH,USDC,3000,60"], "serves only dynamic-fee pools"),
        (["--pool-key", "ETH,USDC,dynamic,0"], "tick spacing"),
        (["--pool-key", "ETH,NOPE,dynamic,60"], "neither ETH, a known token"),
        (["--pool-key", "ETH,USDC,dynamic,60", "--hook", "0x" + "12" * 20], "low 14 bits"),
        (["--pool-key", "ETH,USDC,dynamic,60", "--liquidity0", "1", "--liquidity1", str(10**30)], "less than"),
        (["--pool-key", "ETH,USDC,dynamic,60", "--initial-fee", "500"], "outside"),
        (["--pool-key", "ETH,USDC,dynamic,60", "--price", "-1"], "positive price"),
    ],
)
def test_bad_input_gets_one_clear_error_and_nothing_is_sent(fork, tmp_path, args, message):
    ape, _ = fork
    owner = ape.accounts.test_accounts[0]
    nonce = owner.nonce
    path = tmp_path / "hook.json"
    res = deploy(ape, path, *args)
    assert res.returncode != 0 and message in res.stderr + res.stdout, res.stderr + res.stdout
    assert "Traceback" not in res.stderr
    assert owner.nonce == nonce and not path.exists()
