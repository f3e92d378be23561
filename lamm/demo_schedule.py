"""The demo's scheduled stage: a rebalance job every few seconds against a demo vault on a fork of the mainnet
snapshot, run by the schedule daemon (APScheduler, SQLite job store and run ledger) for three runs, then the
ledger printed.

The job's strategy is the constant equal mix. The first run invests the vault's USDC in equal thirds; between
runs another account moves a Uniswap V2 pair (WBTC dumped, then USDT bought), so each later run finds the vault
off its mix and trades back, each transaction recorded in the ledger before it is sent.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from rich.console import Console

FUNDS_USDC = 30_000
EVERY = "4s"
MOVES = (("WBTC", "WETH", 2), ("WETH", "USDT", 80))  # (sold, bought, human amount): ~2% price moves


def run_schedule_stage(out: Console) -> list[dict]:
    """Runs the stage; returns the ledger rows."""
    import logging

    from ape.logging import logger

    from agents.chain import connect
    from agents.local_node import start_anvil
    from agents.schedule.daemon import Daemon
    from agents.schedule.database import open_engine
    from agents.schedule.jobstore import add_job
    from agents.schedule.ledger import Ledger
    from agents.schedule.report import runs_table
    from agents.snapshot import TOKENS, UNISWAP_V2_ROUTER02, build_snapshot
    from agents.vault import deploy_vault, deposit, refresh_reference_prices, uniswap

    logger.set_level("WARNING")
    logging.getLogger("apscheduler").setLevel(logging.ERROR)

    def say(line: str) -> None:
        out.print(line, soft_wrap=True, markup=False, highlight=False)

    with tempfile.TemporaryDirectory(prefix="lamm-demo-schedule-") as tmp:
        state = Path(tmp) / "mainnet.json"
        build_snapshot(state)
        upstream = start_anvil(state=state, chain_id=1)
        previous = os.environ.get("ETH_RPC_URL")
        os.environ["ETH_RPC_URL"] = upstream.url  # the snapshot stands in for mainnet
        try:
            with connect("ethereum:mainnet-fork:foundry") as (ape, project):
                owner, agent, trader = ape.accounts.test_accounts[:3]
                tokens = {s: project.StandInToken.at(TOKENS[s][0]) for s in TOKENS}
                record = deploy_vault(
                    ape,
                    project,
                    owner,
                    agent.address,
                    tokens["WETH"].address,
                    [tokens[s].address for s in ("USDC", "USDT", "WBTC")],
                    [UNISWAP_V2_ROUTER02],
                    100,
                    20_000,
                    86_400,
                    3_600,
                )
                refresh_reference_prices(project, record.vault, owner)
                amount = FUNDS_USDC * 10 ** TOKENS["USDC"][2]
                tokens["USDC"].mint(owner, amount, sender=owner)
                deposit(project, record.vault, owner, tokens["USDC"].address, amount)
                router = uniswap("router").at(UNISWAP_V2_ROUTER02)
                db = f"sqlite:///{Path(tmp) / 'schedule.db'}"
                job = add_job(
                    db,
                    "rebalance",
                    {
                        "network": "ethereum:mainnet-fork",
                        "rpc": ape.chain.provider.uri,
                        "vault": record.vault,
                        "strategy": "mix",
                        "account": "test:1",
                    },
                    every=EVERY,
                    job_id="demo-rebalance",
                )
                say(
                    f"AgentVault {record.vault} on a fork of the mainnet snapshot with {FUNDS_USDC:,} USDC; scheduled "
                    f"job {job['id']}: rebalance to the equal mix of USDC, USDT and WBTC {job['trigger']} "
                    "(APScheduler, SQLite job store and run ledger)"
                )

                def move_prices(row: dict) -> None:
                    """After runs 1 and 2 another account moves a pair, so the next run has trading to do."""
                    done = sum(1 for r in daemon.finished if r["status"] == "done")
                    if done > len(MOVES):
                        return
                    sold, bought, human = MOVES[done - 1]
                    raw = human * 10 ** TOKENS[sold][2]
                    tokens[sold].mint(trader, raw, sender=owner)
                    tokens[sold].approve(router, raw, sender=trader)
                    path = [tokens[sold], tokens[bought]]
                    router.swapExactTokensForTokens(raw, 0, path, trader, 2**63, sender=trader)
                    say(f"  (market: another account swapped {human:g} {sold} for {bought} in their V2 pair)")

                daemon = Daemon(db, log=say, grace=30)
                daemon.on_finish.append(move_prices)
                daemon.run(duration=120, runs=3)
                engine = open_engine(db)
                rows = Ledger(engine).runs()
                engine.dispose()
                wide = out if out.is_terminal else Console(width=200)  # pipes and logs: keep the columns
                wide.print(runs_table(rows, title="run ledger"))
                return rows
        finally:
            upstream.stop()
            if previous is None:
                os.environ.pop("ETH_RPC_URL", None)
            else:
                os.environ["ETH_RPC_URL"] = previous
