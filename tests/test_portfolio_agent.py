"""The portfolio agent on the offline mainnet stand-in, forked through Ape's ethereum:mainnet-fork.

The vault's numeraire is WETH and it may hold USDC, USDT and WBTC: the snapshot has a V2 pair of each with WETH
(there is no USDC/WBTC pair), so every trade nets through WETH. Reference prices come from the V3 pools for
USDC (0.05%) and WBTC (0.3%) and from the V2 pair for USDT (no V3 pool). The stand-in tokens are minted by
test account 0, which built the snapshot (StandInToken's minter). One test gives a small vault the V3 SwapRouter as
well, where the USDC/WETH 0.05% pool quotes better than the V2 pair's 0.3% for its modest trade.

Why this module is long: one forked vault serves every test of the agent (set up once, each test on a snapshot).
"""

import json
import os
import re
import subprocess
import sys

import pytest
from chain import FAR, MAX_UINT, forked_snapshot

from agents.chain.snapshot import TOKENS, UNISWAP_V2_ROUTER02, UNISWAP_V3_SWAP_ROUTER
from agents.portfolio.executor import ExecutorConfig, PortfolioExecutor, format_report
from agents.portfolio.reference_prices import refresh_reference_prices
from agents.portfolio.routing import get_amount_out
from agents.portfolio.state import read_state
from agents.portfolio.vault import deploy_vault, deposit, uniswap
from envs.portfolio_execution import amount_out
from strategies.portfolio_spec import parse_portfolio_strategy

SLIPPAGE_BPS, TURNOVER_BPS, PERIOD, PRICE_AGE = 100, 20_000, 86_400, 3_600
FUNDS = 30_000 * 10**6  # the vault starts with 30,000 USDC (12 WETH at 2,500)
WEIGHT_TOLERANCE = 0.01  # a constant mix lands within 1 percentage point of equal weights
SYMBOLS = ("USDC", "USDT", "WBTC", "WETH")


@pytest.fixture(scope="module")
def forked(snapshot_state):
    with forked_snapshot(snapshot_state) as (ape, project, _):
        owner, agent, stranger, trader = ape.accounts.test_accounts[:4]
        tokens = {s: project.StandInToken.at(TOKENS[s][0]) for s in SYMBOLS}
        record = deploy_vault(
            ape,
            project,
            owner,
            agent.address,
            tokens["WETH"].address,
            [tokens[s].address for s in ("USDC", "USDT", "WBTC")],
            [UNISWAP_V2_ROUTER02],
            SLIPPAGE_BPS,
            TURNOVER_BPS,
            PERIOD,
            PRICE_AGE,
        )
        prices = refresh_reference_prices(project, record.vault, owner)
        tokens["USDC"].mint(owner, FUNDS, sender=owner)
        deposit(project, record.vault, owner, tokens["USDC"].address, FUNDS)
        yield {
            "ape": ape,
            "project": project,
            "vault": project.AgentVault.at(record.vault),
            "record": record,
            "prices": prices,
            "router": uniswap("router").at(UNISWAP_V2_ROUTER02),
            "owner": owner,
            "agent": agent,
            "stranger": stranger,
            "trader": trader,
            "fork_url": ape.chain.provider.uri,  # the forked node the subprocesses attach to
            **tokens,
        }


@pytest.fixture
def e(forked):
    snapshot = forked["ape"].chain.snapshot()
    yield forked
    forked["ape"].chain.restore(snapshot)


def balances(e, who=None) -> dict[str, int]:
    return {s: e[s].balanceOf(who or e["vault"]) for s in SYMBOLS}


def executor(e, spec="mix", account="agent", **cfg) -> PortfolioExecutor:
    strategy = parse_portfolio_strategy(spec)
    return PortfolioExecutor(e["ape"], e["project"], e["vault"].address, e[account], strategy, ExecutorConfig(**cfg))


def lamm(*args: str) -> subprocess.CompletedProcess:
    """The CLI in a subprocess; ETH_RPC_URL (the upstream snapshot node) comes from the environment."""
    return subprocess.run(
        [sys.executable, "-m", "lamm.cli", *args], capture_output=True, text=True, timeout=300, env=dict(os.environ)
    )


def test_reference_prices_come_from_v3_where_it_has_a_pool_else_v2(forked):
    sources = {p["token"]: p["source"] for p in forked["prices"]}
    assert sources == {TOKENS["USDC"][0]: "v3:500", TOKENS["USDT"][0]: "v2", TOKENS["WBTC"][0]: "v3:3000"}
    vault = forked["vault"]
    # numeraire raw (WETH wei) per 1e18 raw units: 1/2,500 WETH per USDC and USDT, 40 WETH per WBTC; a V3
    # TWAP is the price at its mean tick, within a tick (1 bp) of the pool's
    assert vault.price_wad(TOKENS["USDT"][0]) == 4 * 10**26
    assert abs(vault.price_wad(TOKENS["USDC"][0]) / (4 * 10**26) - 1) < 1e-4
    assert abs(vault.price_wad(TOKENS["WBTC"][0]) / (40 * 10**28) - 1) < 1e-4


def test_constant_mix_from_all_usdc_reaches_equal_weights_with_exact_predictions(e):
    before_state = read_state(e["project"], e["vault"])
    assert balances(e) == {"USDC": FUNDS, "USDT": 0, "WBTC": 0, "WETH": 0}
    report = executor(e).step()

    # Sell USDC for WETH first, then buy USDT and WBTC with the proceeds (scaled to what the sells bring).
    assert [(t.side, t.symbol) for t in report.trades] == [("sell", "USDC"), ("buy", "USDT"), ("buy", "WBTC")]
    assert all(t.status == "done" for t in report.trades), [t.reason for t in report.trades]
    reserves = {a.symbol: (a.reserve_token, a.reserve_numeraire) for a in before_state.assets}
    for t in report.trades:
        r_token, r_num = reserves[t.symbol]
        r_in, r_out = (r_token, r_num) if t.side == "sell" else (r_num, r_token)
        # V2's integer getAmountOut, which the float math of the backtest's execution model approximates
        assert t.predicted_out == get_amount_out(t.amount_in, r_in, r_out)
        assert abs(amount_out(float(t.amount_in), float(r_in), float(r_out), 0.003) - t.predicted_out) <= 1
        # Each pair is traded once and nobody else trades: the realised output is exactly the prediction.
        assert t.realised_out == t.predicted_out and t.realised_cost == t.predicted_cost
        assert 0 < t.predicted_cost < t.mid_value * 45 // 10_000  # 0.3% fee + small impact
        assert t.gas_used > 0 and t.tx_hash
    after = balances(e)
    sell, buy_usdt, buy_wbtc = report.trades
    assert after["USDC"] == FUNDS - sell.amount_in
    assert (after["USDT"], after["WBTC"]) == (buy_usdt.realised_out, buy_wbtc.realised_out)
    assert after["WETH"] == sell.realised_out - buy_usdt.amount_in - buy_wbtc.amount_in >= 0
    assert report.realised_cost == report.predicted_cost_done == report.predicted_cost
    for symbol in ("USDC", "USDT", "WBTC"):
        assert abs(report.weights_after[symbol] - 1 / 3) < WEIGHT_TOLERANCE, report.weights_after
    assert report.weights_after["WETH"] < 1e-6
    assert report.weights_before == {"USDC": 1.0, "USDT": 0.0, "WBTC": 0.0, "WETH": 0.0}
    print(
        "\nrealised vs predicted: "
        + "; ".join(
            f"{t.side} {t.symbol}: out {t.realised_out} vs {t.predicted_out}, cost {t.realised_cost} vs "
            f"{t.predicted_cost} wei ({t.realised_cost / t.mid_value * 1e4:.1f} bps), gas {t.gas_used}"
            for t in report.trades
        )
        + f"; weights after {', '.join(f'{k} {v:.4f}' for k, v in report.weights_after.items())}"
    )
    # A second run finds nothing worth trading (every delta is under the 10 bps minimum).
    assert executor(e).step().trades == []


def test_dry_run_through_the_cli_sends_nothing_and_prints_the_plan(e, tmp_path):
    ape, agent = e["ape"], e["agent"]
    nonce, held, height = agent.nonce, balances(e), ape.chain.blocks.head.number
    res = lamm(
        "agent",
        "portfolio",
        "--network",
        "ethereum:mainnet-fork",
        "--rpc",
        e["fork_url"],
        "--vault",
        e["vault"].address,
        "--strategy",
        "mix",
        "--account",
        "test:1",
        "--dry-run",
        "--once",
        "--json",
        str(tmp_path / "plan.json"),
    )
    assert res.returncode == 0, res.stderr[-2000:]
    (plan,) = json.loads((tmp_path / "plan.json").read_text())
    assert plan["dry_run"] and [t["status"] for t in plan["trades"]] == ["planned"] * 3
    text = res.stdout
    assert "dry run: nothing sent" in text and "weights before:  USDC 100.00%" in text
    assert re.search(r"#0 sell USDC: 20,0\d\d\.?\d* USDC -> predicted 7\.9\d+ WETH .*: planned", text), text
    assert re.search(r"#1 buy USDT: 3\.9\d+ WETH -> predicted 9,9\d\d\.?\d* USDT .*: planned", text), text
    assert re.search(r"#2 buy WBTC: 3\.9\d+ WETH -> predicted 0\.09\d+ WBTC .*: planned", text), text
    assert "target:          USDC 33.33%, USDT 33.33%, WBTC 33.33%, WETH 0.00%" in text
    assert e["fork_url"] not in res.stdout + res.stderr and os.environ["ETH_RPC_URL"] not in res.stdout + res.stderr
    assert agent.nonce == nonce and balances(e) == held and ape.chain.blocks.head.number == height


def _front_run(e, sold: str, bought: str, amount: int):
    """Another account swaps `amount` of `sold` for `bought` in their V2 pair just before the agent's trade."""
    token, trader = e[sold], e["trader"]
    token.mint(trader, amount, sender=e["owner"])
    token.approve(e["router"], MAX_UINT, sender=trader)
    e["router"].swapExactTokensForTokens(amount, 0, [token, e[bought]], trader, FAR, sender=trader)


@pytest.mark.parametrize(
    "tolerance_bps, reason",
    [
        # min_out at 0.5% under the prediction: the router's own check fails inside the vault's swap call first
        (50, "SwapFailed"),
        # min_out at 5% under: the router fills at ~4% worse, then the vault's 1% bound at reference prices refuses
        (500, "SlippageExceeded"),
    ],
)
def test_a_pair_moved_in_front_of_the_agent_reverts_its_trade_and_nothing_else_is_sent(e, tolerance_bps, reason):
    vault = e["vault"]
    held, used, nonce = balances(e), vault.turnover_used(), e["agent"].nonce

    def hook(trade):
        if trade.index == 0:
            _front_run(e, "USDC", "WETH", 400_000 * 10**6)  # WETH ~3.2% dearer in the WETH/USDC pair

    report = executor(e, tolerance_bps=tolerance_bps).step(before_trade=hook)
    sell, *buys = report.trades
    assert sell.status == "reverted" and sell.reason == reason and sell.realised_out is None
    assert all(t.status == "skipped" and "trade 0" in t.reason for t in buys)  # they needed its WETH
    assert balances(e) == held and vault.turnover_used() <= used  # it only decays
    print(f"\nfront-run, tolerance {tolerance_bps} bps: {sell.reason}, tx {sell.tx_hash}, gas {sell.gas_used}")
    if sell.tx_hash:  # mined and reverted (Ape sends without estimating gas on local nodes): one nonce used
        assert e["agent"].nonce == nonce + 1 and e["ape"].chain.get_receipt(sell.tx_hash).failed
    else:
        assert e["agent"].nonce == nonce
    assert e["USDC"].allowance(vault, e["router"]) == 0
    assert report.weights_after == report.weights_before and report.realised_cost == 0


def test_a_reverted_buy_leaves_the_independent_trades_going(e):
    """From an all-WETH vault every buy is paid from the WETH already held: one reverting stops no other."""
    vault, owner = e["vault"], e["owner"]
    vault.withdraw_all(e["USDC"], owner, sender=owner)
    e["WETH"].mint(vault, 12 * 10**18, sender=owner)

    def hook(trade):
        if trade.symbol == "USDT":
            _front_run(e, "WETH", "USDT", 160 * 10**18)  # WETH ~4% cheaper in USDT: the buy yields less

    report = executor(e).step(before_trade=hook)
    status = {t.symbol: (t.status, t.reason, t.depends_on) for t in report.trades}
    assert status["USDT"] == ("reverted", "SwapFailed", [])
    assert status["USDC"][0] == status["WBTC"][0] == "done"
    assert balances(e)["USDT"] == 0 and report.weights_after["WETH"] > 0.3  # the USDT third stays in WETH


def test_only_the_agent_trades_through_the_vault(e):
    vault, router, usdc, weth = e["vault"], e["router"], e["USDC"], e["WETH"]
    held = balances(e)
    for who in ("stranger", "owner"):
        with e["ape"].reverts("NotAgent"):
            vault.swap_v2(router, usdc, weth, 10**6, 0, FAR, sender=e[who])
    nonce = e["stranger"].nonce
    with pytest.raises(ValueError, match="NotAgent"):
        executor(e, account="stranger").step()
    assert e["stranger"].nonce == nonce and balances(e) == held
    assert executor(e, account="stranger").step(dry_run=True).trades  # planning needs no rights


def test_stale_reference_prices_are_reported_and_refreshed_by_the_owner_or_keeper(e):
    ape, vault = e["ape"], e["vault"]
    ape.chain.mine(deltatime=PRICE_AGE + 60)
    held, nonce = balances(e), e["agent"].nonce
    report = executor(e).step()
    assert report.trades and all(t.status in ("refused", "skipped") for t in report.trades)
    assert report.trades[0].reason.startswith("StalePrice: the vault's reference price of USDC is")
    assert balances(e) == held and e["agent"].nonce == nonce
    with pytest.raises(ValueError, match="neither the vault's owner nor its price keeper"):
        refresh_reference_prices(e["project"], vault, e["agent"])
    vault.set_price_keeper(e["stranger"], 1_000, sender=e["owner"])
    refresh_reference_prices(e["project"], vault, e["stranger"])  # the keeper: same prices, no jump
    assert all(t.status == "done" for t in executor(e).step().trades)


def test_the_cli_reports_stale_prices_and_only_the_owner_refreshes_them(e):
    e["ape"].chain.mine(deltatime=PRICE_AGE + 60)
    args = ("agent", "portfolio", "--network", "ethereum:mainnet-fork", "--rpc", e["fork_url"])
    args += ("--vault", e["vault"].address, "--strategy", "mix", "--account", "test:1", "--once")
    nonce, held = e["agent"].nonce, balances(e)
    res = lamm(*args)
    assert res.returncode == 1, res.stderr[-2000:]
    assert res.stdout.count("refused: StalePrice: the vault's reference price of") == 3
    assert "the owner or the price keeper must refresh it" in res.stdout and "0 of 3 trades done" in res.stdout
    res = lamm(*args, "--refresh-prices")
    assert res.returncode == 2 and "neither the vault's owner nor its price keeper" in res.stderr
    assert e["agent"].nonce == nonce and balances(e) == held


def test_a_vault_with_both_routers_trades_each_token_where_it_quotes_best(e):
    """From 3 WETH to equal thirds: 1 WETH of USDC goes through the V3 0.05% pool (0.05% fee + ~0.1% impact
    beats V2's 0.3%), USDT through V2 (no V3 pool), WBTC through V2 (its V3 pool has the same 0.3% fee and
    less depth). Every prediction, V2's formula or QuoterV2's, is realised exactly."""
    ape, project, owner, agent = e["ape"], e["project"], e["owner"], e["agent"]
    routers = [UNISWAP_V2_ROUTER02, UNISWAP_V3_SWAP_ROUTER]
    tokens = [TOKENS[s][0] for s in ("USDC", "USDT", "WBTC")]
    args = (SLIPPAGE_BPS, TURNOVER_BPS, PERIOD, PRICE_AGE)
    record = deploy_vault(ape, project, owner, agent.address, TOKENS["WETH"][0], tokens, routers, *args)
    refresh_reference_prices(project, record.vault, owner)
    e["WETH"].mint(record.vault, 3 * 10**18, sender=owner)
    vault = project.AgentVault.at(record.vault)
    assert vault.router_allowed(UNISWAP_V2_ROUTER02) and vault.router_allowed(UNISWAP_V3_SWAP_ROUTER)

    def run(dry_run=False, **kw):
        strategy = parse_portfolio_strategy("mix")
        return PortfolioExecutor(ape, project, record.vault, agent, strategy, log=lambda _: None, **kw).step(dry_run)

    v2_only = run(dry_run=True, v3_router=None)  # the same plan on V2 alone, for comparison
    assert {t.venue for t in v2_only.trades} == {"v2"}
    state = read_state(project, vault, v3_router=UNISWAP_V3_SWAP_ROUTER)
    assert {a.symbol: sorted(a.v3_pools) for a in state.assets} == {"USDC": [500], "USDT": [], "WBTC": [3000]}
    report = run()

    assert [(t.side, t.symbol, t.venue) for t in report.trades] == [
        ("buy", "USDC", "v3:500"),
        ("buy", "USDT", "v2"),
        ("buy", "WBTC", "v2"),
    ]
    assert all(t.status == "done" for t in report.trades), [t.reason for t in report.trades]
    reserves = {a.symbol: (a.reserve_numeraire, a.reserve_token) for a in state.assets}
    for t in report.trades:
        v2_out = get_amount_out(t.amount_in, *reserves[t.symbol])
        if t.venue == "v2":
            assert t.predicted_out == v2_out
        else:
            assert t.predicted_out > v2_out * 1.001  # V3 beats V2 by more than 10 bps here
        assert t.realised_out == t.predicted_out and t.realised_cost == t.predicted_cost
        (event,) = ape.chain.get_receipt(t.tx_hash).decode_logs(vault.Trade)
        assert event.router == (UNISWAP_V3_SWAP_ROUTER if t.venue != "v2" else UNISWAP_V2_ROUTER02)
        assert event.amount_out == t.realised_out
    for symbol in ("USDC", "USDT", "WBTC"):
        assert abs(report.weights_after[symbol] - 1 / 3) < WEIGHT_TOLERANCE, report.weights_after
    assert report.realised_cost == report.predicted_cost < v2_only.predicted_cost
    assert "via Uniswap V3 0.05%" in format_report(report) and "via Uniswap V2" in format_report(report)
    assert report.as_dict()["trades"][0]["venue"] == "v3:500"
    usdc = report.trades[0]
    print(
        f"\nUSDC buy of {usdc.amount_in / 1e18:.4f} WETH: V3 0.05% cost {usdc.realised_cost / usdc.mid_value * 1e4:.1f}"
        f" bps vs V2 {v2_only.trades[0].predicted_cost / v2_only.trades[0].mid_value * 1e4:.1f} bps planned; gas "
        + ", ".join(f"{t.symbol} {t.venue} {t.gas_used}" for t in report.trades)
        + f"; weights after {', '.join(f'{k} {w:.4f}' for k, w in report.weights_after.items())}"
    )


def test_two_tokens_with_one_symbol_are_told_apart_by_address(e):
    """Anyone can deploy a token called WBTC. A vault that holds the real WBTC (40 WETH) and such a namesake
    (priced at 1 WETH by its own deep pair) plans, pre-checks and sends each trade against its own token's
    reference price and pair, and labels both by their addresses."""
    ape, project, owner, agent = e["ape"], e["project"], e["owner"], e["agent"]
    fake = project.TestToken.deploy("Wrapped BTC", "WBTC", 8, sender=owner)
    factory = uniswap("v2_factory").at(uniswap("router").at(UNISWAP_V2_ROUTER02).factory())
    factory.createPair(fake, e["WETH"], sender=owner)
    pair = uniswap("v2_pair").at(factory.getPair(fake, e["WETH"]))
    fake.mint(pair, 1_000 * 10**8, sender=owner)
    e["WETH"].mint(pair, 1_000 * 10**18, sender=owner)
    pair.mint(owner, sender=owner)
    tokens = [TOKENS["WBTC"][0], fake.address]
    args = (SLIPPAGE_BPS, TURNOVER_BPS, PERIOD, PRICE_AGE)
    record = deploy_vault(ape, project, owner, agent.address, TOKENS["WETH"][0], tokens, [UNISWAP_V2_ROUTER02], *args)
    refresh_reference_prices(project, record.vault, owner)
    vault = project.AgentVault.at(record.vault)
    assert vault.price_wad(fake) * 39 < vault.price_wad(TOKENS["WBTC"][0])
    e["WETH"].mint(vault, 2 * 10**18, sender=owner)
    strategy = parse_portfolio_strategy("mix")
    report = PortfolioExecutor(ape, project, record.vault, agent, strategy, log=lambda _: None).step()
    labels = [f"WBTC@{token[:8]}" for token in tokens]
    assert [(t.side, t.symbol) for t in report.trades] == [("buy", label) for label in labels]
    assert all(t.status == "done" for t in report.trades), [t.reason for t in report.trades]
    assert [t.token for t in report.trades] == tokens
    for symbol in labels:
        assert abs(report.weights_after[symbol] - 1 / 2) < WEIGHT_TOLERANCE, report.weights_after
    assert e["WBTC"].balanceOf(vault) > 0 and fake.balanceOf(vault) > 0


@pytest.mark.parametrize("fault", ["lost", "drop", "html"])
def test_a_node_fault_mid_rebalance_stops_the_sending_and_the_next_run_sends_nothing_twice(e, fault):
    """The node takes the first trade and its answer is lost ('lost'), drops it unsent ('drop'), or a gateway
    answers HTML to it ('html'): the run reports that trade as an error, sends nothing more and exits 1; the
    next run plans from the chain as it is and completes the rebalance. Each token trades once in all."""
    from chain import faulty_rpc

    vault = e["vault"]
    args = ("agent", "portfolio", "--network", "ethereum:mainnet-fork", "--vault", vault.address)
    args += ("--strategy", "mix", "--account", "test:1", "--once")
    start = e["ape"].chain.blocks.head.number
    with faulty_rpc(e["fork_url"]) as node:
        node.fail("eth_sendRawTransaction", fault)
        first = lamm(*args, "--rpc", node.url)
        assert first.returncode == 1, first.stderr[-2000:]
        assert (
            "#0 sell USDC" in first.stdout and ": error" in first.stdout and "not sent after the error" in first.stdout
        )
        assert node.calls.get("eth_sendRawTransaction", 0) == (1 if fault == "lost" else 0)
        second = lamm(*args, "--rpc", node.url)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-2000:]
    trades = [log for log in vault.Trade.range(start, e["ape"].chain.blocks.head.number + 1)]
    sold = [t for t in trades if t.token_in == e["USDC"].address]
    assert len(sold) == 1 and len(trades) == 3  # the lost sell was not repeated
    assert sorted(t.token_out for t in trades if t.token_in == e["WETH"].address) == sorted(
        [e["USDT"].address, e["WBTC"].address]
    )
    weights = read_state(e["project"], vault).named_weights()
    for symbol in ("USDC", "USDT", "WBTC"):
        assert abs(weights[symbol] - 1 / 3) < WEIGHT_TOLERANCE, weights


def test_each_run_continues_the_strategy_where_the_last_left_it(e, tmp_path):
    """Runs in fresh processes, as a schedule runs them, remember the strategy's prices: mix:band=0.05 reaches
    equal weights, a market move then leaves WBTC about two points over, inside the band, and the next run sends
    nothing; started over (--fresh) the strategy is at its first step again and would trade."""
    run = (
        "agent",
        "portfolio",
        "--network",
        "ethereum:mainnet-fork",
        "--rpc",
        e["fork_url"],
        "--vault",
        e["vault"].address,
        "--strategy",
        "mix:band=0.05",
        "--account",
        "test:1",
        "--once",
    )
    first = lamm(*run, "--json", str(tmp_path / "first.json"))
    assert first.returncode == 0, first.stderr[-2000:]
    (report,) = json.loads((tmp_path / "first.json").read_text())
    assert [t["status"] for t in report["trades"]] == ["done"] * 3
    wbtc = next(a for a in read_state(e["project"], e["vault"]).assets if a.symbol == "WBTC")
    _front_run(e, "WETH", "WBTC", wbtc.reserve_numeraire * 4 // 100)  # WBTC up ~8%
    drift = read_state(e["project"], e["vault"]).named_weights()["WBTC"] - 1 / 3
    assert 0.01 < drift < 0.05, drift
    nonce = e["agent"].nonce

    second = lamm(*run, "--json", str(tmp_path / "second.json"))
    assert second.returncode == 0, second.stderr[-2000:]
    (report,) = json.loads((tmp_path / "second.json").read_text())
    assert report["trades"] == [] and "leaves the portfolio as it is" in second.stdout
    assert e["agent"].nonce == nonce

    over = lamm(*run, "--fresh", "--dry-run", "--json", str(tmp_path / "over.json"))
    assert over.returncode == 0, over.stderr[-2000:]
    (report,) = json.loads((tmp_path / "over.json").read_text())
    assert any(t["status"] == "planned" for t in report["trades"]), report
