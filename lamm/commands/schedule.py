"""`lamm schedule`: scheduled rebalancing and fee updates (add, list, pause, resume, remove, run, runs).
Argument parsing only; the work is in agents/schedule/."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Annotated

import typer

from lamm.commands.common import ROUTER02, out, say, user_errors

schedule_app = typer.Typer(
    help="Scheduled runs: rebalancing and fee updates on a schedule that survives crashes.", no_args_is_help=True
)
add_app = typer.Typer(help="Add a scheduled job (--every DURATION or --cron EXPR).", no_args_is_help=True)
schedule_app.add_typer(add_app, name="add")

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_DB = Annotated[
    str | None,
    typer.Option(
        "--db", help="Schedule database: any SQLAlchemy URL (default $LAMM_SCHEDULE_DB, else ~/.lamm/schedule.db)."
    ),
]
_EVERY = Annotated[str | None, typer.Option(help="Interval: 30s, 5m, 1h, 1d, 1h30m.")]
_CRON = Annotated[str | None, typer.Option(help='Crontab, five fields, UTC: "0 * * * *".')]
_ID = Annotated[str | None, typer.Option("--id", help="Job id (default KIND-xxxxxx).")]
_GRACE = Annotated[int, typer.Option(help="A run this many seconds late is skipped (missed runs coalesce to one).")]
_NETWORK = Annotated[str, typer.Option(help="Ape network choice, e.g. ethereum:mainnet-fork.")]
_RPC = Annotated[str | None, typer.Option(help="Attach to this running node (stored with the job, never printed).")]
_ACCOUNT_HELP = (
    "{who}: test:N on local chains, else a keystore alias, whose passphrase the daemon reads from "
    "APE_ACCOUNTS_<ALIAS>_PASSPHRASE (the alias uppercased, other characters than letters and digits as _: "
    "my-agent -> APE_ACCOUNTS_MY_AGENT_PASSPHRASE)."
)
_JOB_ID = Annotated[str, typer.Argument(help="Job id (see `lamm schedule list`).")]


def _address(option: str, value: str) -> str:
    if not _ADDRESS.match(value):
        raise ValueError(f"{option} {value!r}: not an address; give 0x and 40 hex digits")
    return value


def _rpc(value: str | None) -> str | None:
    if value is not None and not re.match(r"^(https?|wss?)://", value):
        raise ValueError("--rpc: give an http(s):// or ws(s):// URL of the node")
    return value


def _added(job: dict) -> None:
    say(f"added {job['id']}: {job['kind']} {job['trigger']}, first run {_when(job['next_run'])}")


def _when(value) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S} UTC" if value else "paused"


@add_app.command(
    "rebalance",
    epilog="Example: lamm schedule add rebalance --every 1h --network ethereum:mainnet-fork --vault 0x... "
    "--strategy mix:band=0.05 --account test:1 --max-trades 4",
)
@user_errors
def add_rebalance(
    vault: Annotated[str, typer.Option(help="AgentVault address (see `lamm deploy vault`).")],
    strategy: Annotated[
        str, typer.Option(help="Portfolio strategy: hold, mix, mix:band=X, momentum, learned:PATH, seesaw.")
    ],
    every: _EVERY = None,
    cron: _CRON = None,
    network: _NETWORK = "ethereum:local:foundry",
    rpc: _RPC = None,
    account: Annotated[str, typer.Option(help=_ACCOUNT_HELP.format(who="The vault's agent"))] = "test:0",
    router: Annotated[str, typer.Option(help="Uniswap V2 Router02 to trade through.")] = ROUTER02,
    tolerance_bps: Annotated[int, typer.Option(help="min_out = predicted output less this, bps.")] = 50,
    min_trade_bps: Annotated[float, typer.Option(help="Skip trades under this share of the vault, bps.")] = 10.0,
    deadline: Annotated[int, typer.Option(help="Seconds each trade stays valid.")] = 300,
    max_trades: Annotated[
        int | None, typer.Option(help="Send nothing when a run's plan has more trades than this.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Plan and record only; send nothing.")] = False,
    job_id: _ID = None,
    misfire_grace: _GRACE = 60,
    db: _DB = None,
) -> None:
    """Rebalance an AgentVault toward a portfolio strategy on a schedule."""
    from agents.schedule.jobstore import add_job
    from agents.schedule.seesaw import parse_strategy

    parse_strategy(strategy)
    if not 0 <= tolerance_bps < 10_000 or min_trade_bps < 0 or deadline <= 0:
        raise ValueError("--tolerance-bps in [0, 10000), --min-trade-bps >= 0 and a positive --deadline")
    if max_trades is not None and max_trades < 1:
        raise ValueError(f"--max-trades {max_trades}: give at least 1")
    kwargs = dict(
        network=network,
        vault=_address("--vault", vault),
        strategy=strategy,
        account=account,
        rpc=_rpc(rpc),
        router=_address("--router", router),
        tolerance_bps=tolerance_bps,
        min_trade_bps=min_trade_bps,
        deadline=deadline,
        max_trades=max_trades,
        dry_run=dry_run,
    )
    _added(add_job(db, "rebalance", kwargs, every, cron, job_id, misfire_grace))


@add_app.command(
    "fee-update",
    epilog="Example: lamm schedule add fee-update --every 10m --rpc http://127.0.0.1:8545 --model models/fee-arbitrum "
    "--pool 0x...",
)
@user_errors
def add_fee_update(
    model: Annotated[Path, typer.Option(help="Model folder (models/NAME), registered with `lamm model register`.")],
    pool: Annotated[str | None, typer.Option(help="DynamicFeePool governed by the model.")] = None,
    hook: Annotated[str | None, typer.Option(help="Or: a DynamicFeeHook, with --pool-id.")] = None,
    pool_id: Annotated[str | None, typer.Option(help="The v4 pool behind --hook (its id, from the record).")] = None,
    every: _EVERY = None,
    cron: _CRON = None,
    network: _NETWORK = "ethereum:local:foundry",
    rpc: _RPC = None,
    account: Annotated[str, typer.Option(help=_ACCOUNT_HELP.format(who="The proposer"))] = "test:0",
    job_id: _ID = None,
    misfire_grace: _GRACE = 60,
    db: _DB = None,
) -> None:
    """Prove and propose a pool's fee with a registered model on a schedule."""
    from agents.schedule.jobstore import add_job

    if not model.is_dir():
        raise FileNotFoundError(f"--model {model}: no such folder (train one, then `lamm model register`)")
    if (pool is None) == (hook is None) or (hook is None) != (pool_id is None):
        raise ValueError("give --pool (a DynamicFeePool), or --hook and --pool-id (a v4 pool behind DynamicFeeHook)")
    kwargs = dict(network=network, model=str(model.resolve()), pool=pool and _address("--pool", pool))
    kwargs |= dict(account=account, rpc=_rpc(rpc))
    if hook:
        if not re.match(r"^0x[0-9a-fA-F]{64}$", pool_id):
            raise ValueError(f"--pool-id {pool_id!r}: give the v4 pool id, 0x and 64 hex digits")
        kwargs |= dict(hook=_address("--hook", hook), pool_id=pool_id)
    _added(add_job(db, "fee-update", kwargs, every, cron, job_id, misfire_grace))


@schedule_app.command("list")
@user_errors
def list_jobs(
    db: _DB = None, as_json: Annotated[bool, typer.Option("--json", help="Print the jobs as JSON.")] = False
) -> None:
    """The scheduled jobs: id, kind, trigger, next run (or paused), target and options (never the RPC URL)."""
    from agents.schedule.jobstore import list_jobs as jobs
    from agents.schedule.report import jobs_table, public_inputs

    found = jobs(db)
    if as_json:
        doc = [
            {**j, "next_run": j["next_run"] and j["next_run"].isoformat(), "kwargs": public_inputs(j["kwargs"])}
            for j in found
        ]
        print(json.dumps(doc, indent=2))
    elif not found:
        say("no scheduled jobs (add one with `lamm schedule add rebalance|fee-update ...`)")
    else:
        out.print(jobs_table(found, width=out.width))


def _change(job_id: str, action: str, db: str | None) -> None:
    from agents.schedule.jobstore import change_job

    job = change_job(db, job_id, action)
    if action == "remove":
        say(f"removed {job_id}; its runs stay in the ledger (its strategy's memory is forgotten)")
    else:
        say(f"{action}d {job_id}: next run {_when(job['next_run'])}")


@schedule_app.command("pause")
@user_errors
def pause(job_id: _JOB_ID, db: _DB = None) -> None:
    """Stop a job's runs until it is resumed (a run in flight finishes)."""
    _change(job_id, "pause", db)


@schedule_app.command("resume")
@user_errors
def resume(job_id: _JOB_ID, db: _DB = None) -> None:
    """Resume a paused job from its trigger's next time."""
    _change(job_id, "resume", db)


@schedule_app.command("remove")
@user_errors
def remove(job_id: _JOB_ID, db: _DB = None) -> None:
    """Remove a job (its ledger rows stay)."""
    _change(job_id, "remove", db)


@schedule_app.command(
    "run", epilog="Example: lamm schedule run  (Ctrl-C stops after the run in flight; twice abandons it)"
)
@user_errors
def run(
    db: _DB = None,
    for_s: Annotated[float | None, typer.Option("--for", help="Stop after this many seconds.")] = None,
    runs: Annotated[int | None, typer.Option("--runs", help="Stop after this many runs.")] = None,
    grace: Annotated[float, typer.Option(help="Seconds a run in flight gets to finish when stopping.")] = 60.0,
) -> None:
    """The scheduler in the foreground: reconciles runs a crash left in flight, then runs the jobs."""
    from agents.schedule.daemon import Daemon

    daemon = Daemon(db, log=say, grace=grace)
    if out.is_terminal:
        with out.status("starting") as status:
            daemon.status = status.update
            daemon.run(for_s, runs)
        return
    last = [0.0]

    def every_30s(line: str) -> None:
        if time.monotonic() - last[0] >= 30:
            last[0] = time.monotonic()
            say(f"status: {line}")

    daemon.status = every_30s
    daemon.run(for_s, runs)


@schedule_app.command("runs")
@user_errors
def runs_command(
    job: Annotated[str | None, typer.Option(help="Only this job's runs.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the runs as JSON.")] = False,
    limit: Annotated[int | None, typer.Option(help="Only the newest N runs.")] = None,
    db: _DB = None,
) -> None:
    """The run ledger: each run's times, status, intent, transactions and result."""
    from agents.schedule.database import open_engine, shown
    from agents.schedule.jobstore import list_jobs as jobs
    from agents.schedule.ledger import Ledger
    from agents.schedule.report import public_run, runs_table

    engine = open_engine(db)
    rows = Ledger(engine).runs(job, limit)
    if job and not rows and job not in {j["id"] for j in jobs(db)}:
        where = shown(engine.url.render_as_string(hide_password=False))
        raise ValueError(f"--job {job}: no such job nor runs of it in {where}; `lamm schedule list` shows the ids")
    if as_json:
        print(json.dumps([public_run(r) for r in rows], indent=2))
    elif not rows:
        say("no runs yet")
    else:
        out.print(runs_table(rows, width=out.width))
