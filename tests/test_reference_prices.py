"""Reference prices under attack, on a fork of the offline mainnet stand-in (ethereum:mainnet-fork).

The review's attack: anyone may create the WBTC/WETH 0.05% V3 pool (the snapshot has only the 0.3% one) at
10x the price with dust liquidity; a refresh that trusted it let an agent key pay 40 WETH for 3.98 WETH of
WBTC. Each test here makes one such move and checks that the refresh ignores or refuses it, that nothing is
set when anything is refused, and that the vault loses nothing.
"""

import os
import subprocess
import sys

import pytest
from chain import FAR, MAX_UINT, forked_snapshot

from agents.chain.snapshot import (
    TOKENS,
    UNISWAP_V2_FACTORY,
    UNISWAP_V2_ROUTER02,
    UNISWAP_V3_FACTORY,
    UNISWAP_V3_SWAP_ROUTER,
)
from agents.portfolio.reference_prices import PricePolicy, refresh_reference_prices
from agents.portfolio.vault import deploy_vault, uniswap

FUNDS = 50 * 10**18  # the vault holds 50 WETH (its numeraire): the floor is 500 WETH of depth
TWAP = PricePolicy().twap_seconds
TOP = 887_270  # the widest range at tick spacing 10 (fee 500)


@pytest.fixture(scope="module")
def forked(snapshot_state):
    with forked_snapshot(snapshot_state) as (ape, project, _):
        owner, agent, attacker, trader = ape.accounts.test_accounts[:4]
        tokens = {s: project.StandInToken.at(TOKENS[s][0]) for s in TOKENS}
        record = deploy_vault(
            ape,
            project,
            owner,
            agent.address,
            tokens["WETH"].address,
            [tokens[s].address for s in ("USDC", "USDT", "WBTC")],
            [UNISWAP_V2_ROUTER02, UNISWAP_V3_SWAP_ROUTER],
            100,
            20_000,
            86_400,
            3_600,
        )
        vault = project.AgentVault.at(record.vault)
        tokens["WETH"].mint(vault, FUNDS, sender=owner)
        first = refresh_reference_prices(project, vault, owner)
        yield {
            "ape": ape,
            "project": project,
            "vault": vault,
            "first": first,
            "owner": owner,
            "agent": agent,
            "attacker": attacker,
            "trader": trader,
            **tokens,
        }


@pytest.fixture
def e(forked):
    snapshot = forked["ape"].chain.snapshot()
    yield forked
    forked["ape"].chain.restore(snapshot)


def prices(e) -> dict[str, tuple[int, int]]:
    """Each token's stored (price, time set)."""
    return {s: (e["vault"].price_wad(e[s]), e["vault"].price_time(e[s])) for s in ("USDC", "USDT", "WBTC")}


def attacker_pool(e, fee: int, wbtc_in_weth: float, liquidity: int):
    """The attacker creates the WBTC/WETH pool at `fee`, priced at `wbtc_in_weth`, with full-range `liquidity`
    paid from the attacker's own tokens (minted to the attacker by the snapshot's minter)."""
    project, attacker = e["project"], e["attacker"]
    factory = uniswap("v3_factory").at(UNISWAP_V3_FACTORY)
    factory.createPool(e["WBTC"], e["WETH"], fee, sender=attacker)
    pool = uniswap("v3_pool").at(factory.getPool(e["WBTC"], e["WETH"], fee))
    raw = wbtc_in_weth * 10**18 / 10**8  # WBTC is token0: raw WETH per raw WBTC
    pool.initialize(int(raw**0.5 * 2**96), sender=attacker)
    caller = project.V3Caller.deploy(sender=attacker)
    for symbol in ("WBTC", "WETH"):
        e[symbol].mint(caller, 2**200, sender=e["owner"])
    caller.mint(pool, -TOP, TOP, liquidity, sender=attacker)
    return pool


def test_the_first_refresh_takes_deep_twaps_and_records_every_venue(forked):
    chosen = {p["token"]: p for p in forked["first"]}
    assert {s: chosen[TOKENS[s][0]]["source"] for s in ("USDC", "USDT", "WBTC")} == {
        "USDC": "v3:500",
        "USDT": "v2",
        "WBTC": "v3:3000",
    }
    wbtc = chosen[TOKENS["WBTC"][0]]
    assert wbtc["twap"] and wbtc["depth"] >= wbtc["floor"] == 10 * FUNDS
    assert {v["source"] for v in wbtc["venues"]} == {"v3:3000", "v2"} and all(v["deep"] for v in wbtc["venues"])
    assert abs(wbtc["price_wad"] / (40 * 10**28) - 1) < 1e-4


def test_a_dust_pool_at_ten_times_the_price_is_ignored_and_the_agent_cannot_buy_through_it(e):
    ape, vault, weth, wbtc = e["ape"], e["vault"], e["WETH"], e["WBTC"]
    pool = attacker_pool(e, 500, 400.0, 10**9)
    for wait in (0, TWAP + 60):  # at once (no TWAP history) and once its TWAP covers the window
        ape.chain.mine(deltatime=wait)
        set_now = {p["token"]: p for p in refresh_reference_prices(e["project"], vault, e["owner"])}
        chosen = set_now[wbtc.address]
        assert chosen["source"] == "v3:3000" and abs(chosen["price_wad"] / (40 * 10**28) - 1) < 1e-4
        seen = {v["pool"]: v for v in chosen["venues"]}
        if wait:
            assert seen[pool.address]["price_wad"] > 9 * chosen["price_wad"] and not seen[pool.address]["deep"]
        else:
            assert pool.address not in seen
    # The agent key tries the review's trade: 40 WETH for WBTC through the attacker's pool.
    held = (weth.balanceOf(vault), wbtc.balanceOf(vault))
    with ape.reverts("SlippageExceeded"):
        vault.swap_v3(UNISWAP_V3_SWAP_ROUTER, weth, wbtc, 500, 40 * 10**18, 0, FAR, sender=e["agent"])
    assert (weth.balanceOf(vault), wbtc.balanceOf(vault)) == held and vault.total_value() == FUNDS


def test_a_deep_pool_at_another_price_is_refused_and_nothing_is_set(e):
    """With capital the attacker can make the 0.05% pool the deepest venue (and hold it through the TWAP
    window): the venues then disagree, and the refresh sets nothing rather than pick one."""
    before = prices(e)
    attacker_pool(e, 500, 400.0, 10**17)  # about 6,300 WETH on its WETH side
    e["ape"].chain.mine(deltatime=TWAP + 60)
    with pytest.raises(ValueError, match="deep venues disagree on .* by more than 300 bps"):
        refresh_reference_prices(e["project"], e["vault"], e["owner"])
    assert prices(e) == before


def test_a_swap_in_front_of_the_refresh_moves_the_twap_little(e):
    """A trader moves the deep USDC/WETH 0.05% pool by about 8% just before the refresh: its 30-minute TWAP,
    not its spot, is read, so the price set is within a few bps of the pool's price before the swap."""
    trader, usdc, weth = e["trader"], e["USDC"], e["WETH"]
    caller = e["project"].V3Caller.deploy(sender=trader)
    usdc.mint(caller, 10**14, sender=e["owner"])
    pool = uniswap("v3_pool").at(uniswap("v3_factory").at(UNISWAP_V3_FACTORY).getPool(usdc, weth, 500))
    spot = pool.slot0().tick
    caller.swap(pool, True, 100_000 * 10**6, sender=trader)  # USDC (token0) in: WETH dearer
    assert pool.slot0().tick - spot < -700  # the spot moved by more than 7%
    set_now = {p["token"]: p for p in refresh_reference_prices(e["project"], e["vault"], e["owner"])}
    usdc_price = set_now[usdc.address]["price_wad"]
    assert set_now[usdc.address]["source"] == "v3:500"
    assert abs(usdc_price / e["first"][0]["price_wad"] - 1) < 5e-4


def test_a_price_that_jumps_is_refused_unless_the_owner_allows_it(e):
    """USDT has only a V2 pair (spot): someone dumps USDT into it, and the refresh refuses the jump."""
    before = prices(e)
    usdt, weth, trader = e["USDT"], e["WETH"], e["trader"]
    router = uniswap("router").at(UNISWAP_V2_ROUTER02)
    usdt.mint(trader, 5 * 10**12, sender=e["owner"])
    usdt.approve(router, MAX_UINT, sender=trader)
    router.swapExactTokensForTokens(5 * 10**12, 0, [usdt, weth], trader, FAR, sender=trader)  # 5M USDT: ~40%
    with pytest.raises(ValueError, match=r"moved \d+ bps from the stored .* more than --max-jump-bps 1000"):
        refresh_reference_prices(e["project"], e["vault"], e["owner"])
    assert prices(e) == before
    set_now = refresh_reference_prices(e["project"], e["vault"], e["owner"], allow_jump=True)
    moved = {p["token"]: p["price_wad"] for p in set_now}[usdt.address]
    assert moved < before["USDT"][0] * 0.7


def test_a_token_without_a_deep_venue_gets_no_price(e):
    """A token whose only venue is a thin V2 pair: the refresh names the floor and sets nothing, for any token."""
    project, owner, vault, weth = e["project"], e["owner"], e["vault"], e["WETH"]
    thin = project.TestToken.deploy("Thin", "THN", 18, sender=owner)
    factory = uniswap("v2_factory").at(UNISWAP_V2_FACTORY)
    factory.createPair(thin, weth, sender=owner)
    pair = uniswap("v2_pair").at(factory.getPair(thin, weth))
    thin.mint(pair, 10**21, sender=owner)
    weth.mint(pair, 10**19, sender=owner)  # 10 WETH deep: a fifth of the vault
    pair.mint(owner, sender=owner)
    vault.allow_token(thin, True, sender=owner)
    before = prices(e)
    with pytest.raises(ValueError, match=r"no venue prices .* numeraire depth of at least 500000000000000000000"):
        refresh_reference_prices(project, vault, owner)
    assert prices(e) == before and vault.price_wad(thin) == 0


def test_the_keeper_refreshes_from_the_cli_and_a_stranger_cannot(e):
    vault, owner, keeper = e["vault"], e["owner"], e["trader"]
    vault.set_price_keeper(keeper, 1_000, sender=owner)
    e["ape"].chain.mine(deltatime=600)
    args = ("agent", "prices", "--network", "ethereum:mainnet-fork", "--rpc", e["ape"].chain.provider.uri)
    args += ("--vault", vault.address)
    before = prices(e)
    res = lamm(*args, "--account", "test:3")
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.count("reference price of") == 3 and "from v3:3000" in res.stdout
    after = prices(e)
    assert all(after[s][1] > before[s][1] for s in after)
    res = lamm(*args, "--account", "test:2")
    assert res.returncode == 2 and "neither the vault's owner nor its price keeper" in res.stderr
    assert prices(e) == after


def lamm(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lamm.cli", *args], capture_output=True, text=True, timeout=300, env=dict(os.environ)
    )
