"""The demo's scheduled stage: a rebalance job every few seconds against a demo vault on a fork of the mainnet
snapshot, run by the schedule daemon (APScheduler, SQLite job store and run ledger) for three runs, then the
ledger printed.

The job's strategy is the constant equal mix. The first run invests the vault's USDC in equal thirds; between
runs another account moves a Uniswap V2 pair (WBTC dumped, then USDT bought), so each later run finds the vault
off its mix and trades back, each transaction recorded in the ledger before it is sent.
"""

from __future__ import annotations

from rich.console import Console

from lamm.demo.fork import FUNDS_USDC, demo_vault, snapshot_fork

EVERY = "4s"
MOVES = (("WBTC", "WETH", 2), ("WETH", "USDT", 80))  # (sold, bought, human amount): ~2% price moves


def run_schedule_stage(out: Console) -> list[dict]:
    """Runs the stage; returns the ledger rows."""
    import logging

    from agents.chain.snapshot import TOKENS, UNISWAP_V2_ROUTER02
    from agents.portfolio.vault import uniswap
    from agents.schedule.daemon import Daemon
    from agents.schedule.database import open_engine
    from agents.schedule.jobstore import add_job
    from agents.schedule.ledger import Ledger
    from agents.schedule.report import runs_table

    logging.getLogger("apscheduler").setLevel(logging.ERROR)

    def say(line: str) -> None:
        out.print(line, soft_wrap=True, markup=False, highlight=False)

    with snapshot_fork() as (ape, project, tmp):
        owner, agent, trader = ape.accounts.test_accounts[:3]
        tokens = {s: project.StandInToken.at(TOKENS[s][0]) for s in TOKENS}
        record = demo_vault(ape, project, owner, agent)
        router = uniswap("router").at(UNISWAP_V2_ROUTER02)
        db = f"sqlite:///{tmp / 'schedule.db'}"
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
        out.print(runs_table(rows, title="run ledger", width=out.width))
        return rows
