"""The offline mainnet stand-in, forked through Ape's ethereum:mainnet-fork exactly as a user forks mainnet."""

import subprocess
import sys

import pytest
from chain import FAR, forked_snapshot

from agents.chain.deployments import deploy_pool
from agents.chain.local_node import rpc
from agents.chain.npm_artifacts import UNISWAP_V2_PERIPHERY, UNISWAP_V3_CORE, npm_contract
from agents.chain.snapshot import TOKENS, UNISWAP_V2_ROUTER02
from envs.amm import PoolParams


@pytest.fixture(scope="module")
def forked(tmp_path_factory):
    state = tmp_path_factory.mktemp("snapshot") / "mainnet.json"
    res = subprocess.run(
        [sys.executable, "-m", "lamm.cli", "chain", "snapshot", "--out", str(state)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    with forked_snapshot(state) as chain:
        yield chain


def test_snapshot_has_mainnet_tokens_and_uniswap_at_canonical_addresses(forked):
    ape, project, upstream = forked
    assert ape.chain.chain_id == 1 and int(rpc(upstream.url, "eth_chainId"), 16) == 1
    for symbol, (address, _, decimals) in TOKENS.items():
        token = project.StandInToken.at(address)
        assert (token.symbol(), token.decimals()) == (symbol, decimals)
    router = npm_contract(UNISWAP_V2_PERIPHERY / "UniswapV2Router02.json").at(UNISWAP_V2_ROUTER02)
    weth, usdc = TOKENS["WETH"][0], TOKENS["USDC"][0]
    price = router.getAmountsOut(10**18, [weth, usdc])[1] / 1e6
    assert 2_400 < price < 2_500  # 1 WETH at ~2,500 USDC less fee and impact
    v3 = npm_contract(UNISWAP_V3_CORE / "UniswapV3Pool.sol" / "UniswapV3Pool.json").at(
        "0x88e6A0c2dDD26FEEb64F039a2c41296FcB3f5640"  # mainnet's USDC/WETH 0.05% pool address
    )
    assert v3.fee() == 500 and v3.liquidity() > 0
    usdc_per_weth = 1e12 / (v3.slot0()[0] / 2**96) ** 2  # token0 = USDC, token1 = WETH
    assert 2_499 < usdc_per_weth < 2_501


def test_swap_on_the_v3_pool_of_the_fork(forked):
    ape, project, _ = forked
    me = ape.accounts.test_accounts[0]
    caller = project.V3Caller.deploy(sender=me)
    weth = project.StandInToken.at(TOKENS["WETH"][0])
    weth.mint(caller, 10**18, sender=me)
    pool = npm_contract(UNISWAP_V3_CORE / "UniswapV3Pool.sol" / "UniswapV3Pool.json").at(
        "0x88e6A0c2dDD26FEEb64F039a2c41296FcB3f5640"
    )
    event = caller.swap(pool, False, 10**18, sender=me).decode_logs(pool.Swap)[0]  # WETH (token1) in
    assert event.amount1 == 10**18 and -2_500 * 10**6 < event.amount0 < -2_400 * 10**6


def test_swap_through_the_canonical_v2_router_on_the_fork(forked):
    ape, project, _ = forked
    me = ape.accounts.test_accounts[0]
    usdc, weth = (project.StandInToken.at(TOKENS[s][0]) for s in ("USDC", "WETH"))
    router = npm_contract(UNISWAP_V2_PERIPHERY / "UniswapV2Router02.json").at(UNISWAP_V2_ROUTER02)
    usdc.mint(me, 10_000 * 10**6, sender=me)
    usdc.approve(router, 10_000 * 10**6, sender=me)
    expected = router.getAmountsOut(10_000 * 10**6, [usdc, weth])[1]
    before = weth.balanceOf(me)
    router.swapExactTokensForTokens(10_000 * 10**6, expected, [usdc, weth], me, FAR, sender=me)
    assert weth.balanceOf(me) - before == expected


def test_deploy_our_pool_on_the_fork(forked):
    ape, project, _ = forked
    me = ape.accounts.test_accounts[0]
    weth, usdc = (project.StandInToken.at(TOKENS[s][0]) for s in ("WETH", "USDC"))
    weth.mint(me, 101 * 10**18, sender=me)  # 100 for liquidity, 1 to swap
    usdc.mint(me, 250_000 * 10**6, sender=me)
    record = deploy_pool(
        ape,
        project,
        me,
        "ethereum:mainnet-fork",
        weth.address,
        usdc.address,
        3000,
        PoolParams(),
        liquidity=(100 * 10**18, 250_000 * 10**6),
    )
    pool = project.DynamicFeePool.at(record.pool)
    assert record.chain_id == 1 and (pool.reserve0(), pool.reserve1()) == (100 * 10**18, 250_000 * 10**6)
    weth.approve(pool, 10**18, sender=me)
    out = pool.swap(True, 10**18, 0, me, FAR, sender=me).decode_logs(pool.Swap)[0].amount_out
    assert 2_400 * 10**6 < out < 2_500 * 10**6
