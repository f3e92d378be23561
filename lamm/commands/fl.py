"""`lamm fl`: federated training of the fee policy (simulate an epoch with attackers; audit a round)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from lamm.commands.common import (
    ACCOUNT,
    ADDRESS,
    BACKEND,
    DATA,
    DAY,
    FL_CACHE,
    FL_CONFIG,
    FL_CONTRACT,
    NETWORK,
    RPC,
    out,
    user_errors,
)

fl_app = typer.Typer(help="Federated training: robust rounds, attacks, rewards and slashing, audits.")


@fl_app.command(
    "simulate",
    epilog="Example: lamm fl simulate --data synthetic --clients 10 --byzantine 3 --attack signflip --rule fltrust "
    "--json fl.json",
)
@user_errors
def simulate_command(
    data: DATA = "synthetic",
    clients: Annotated[int, typer.Option(help="Clients, each with its own shard.")] = 10,
    byzantine: Annotated[int, typer.Option(help="Attackers among them (drawn by the seed).")] = 0,
    attack: Annotated[str, typer.Option(help="none, signflip, scale, gauss, alie, ipm, poison or sybil.")] = "none",
    rule: Annotated[
        str, typer.Option(help="mean, median, trimmed, krum, multikrum, bulyan, clip or fltrust.")
    ] = "fltrust",
    rule_param: Annotated[int | None, typer.Option(help="The rule's parameter (e.g. trimmed: bps per side).")] = None,
    prestep: Annotated[str, typer.Option(help="none, bucketing[:s] or nnm (for non-IID honest clients).")] = "none",
    tolerate: Annotated[
        int | None, typer.Option(help="Attackers the rule is set for (default 30% of clients).")
    ] = None,
    rounds: Annotated[int, typer.Option(help="Rounds in the epoch.")] = 8,
    epochs: Annotated[int, typer.Option(help="Local epochs per round.")] = 3,
    seed: Annotated[int, typer.Option(help="Random seed (attackers, training, noise).")] = 0,
    train_from: Annotated[str, typer.Option(help="First training day (real data).")] = "2025-05-04",
    train_to: Annotated[str, typer.Option(help="Last training day.")] = "2025-07-05",
    eval_from: Annotated[str, typer.Option(help="First evaluation day (after training).")] = "2025-07-06",
    eval_to: Annotated[str, typer.Option(help="Last evaluation day.")] = "2025-07-30",
    config: Annotated[Path, typer.Option(help="Training settings (policy, rule map, simulation).")] = FL_CONFIG,
    chain: Annotated[bool, typer.Option(help="Play the epoch through TrainingRounds on a local chain.")] = False,
    rpc: RPC = None,
    store: Annotated[Path, typer.Option(help="Update store folder (with --chain).")] = Path("fl-store"),
    cache: Annotated[Path, typer.Option(help="Cache of the shards' prepared tables.")] = FL_CACHE,
    backend: BACKEND = "local",
    address: ADDRESS = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the report here.")] = None,
):
    """One federated epoch of the fee policy: clients train on their own shards, attackers attack, the rule
    aggregates in integers; reports the policy on the evaluation days against the same epoch without the
    attackers, and the rewards and slashes."""
    from rich.progress import Progress

    from agents.fl.federation import FederationSpec, build
    from agents.fl.rounds import RoundSettings
    from agents.fl.simulation import simulate
    from agents.training.config import load_train_config

    spec = FederationSpec(
        data=data, train=(train_from, train_to), evaluation=(eval_from, eval_to), clients=clients, seed=seed
    )
    settings = RoundSettings(
        rule=rule, rule_param=rule_param, prestep=prestep, tolerate=tolerate, rounds=rounds, epochs=epochs, seed=seed
    )
    _check(settings, clients)
    cfg = load_train_config(config)
    with Progress(transient=True) as bar:
        task = bar.add_task("preparing the shards", total=None)
        fed = build(spec, cfg, cache, backend, address)
        bar.update(task, description="rounds", total=rounds, completed=0)
        report = simulate(
            fed, attack, byzantine, settings, chain, store, rpc, lambda r: bar.advance(task), backend, address
        )
    _print(report)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(report, indent=1))
        out.print(f"report: {json_out}")


def _check(settings, clients: int) -> None:
    from agents.fl.rules import PRESTEPS, RULES

    if settings.rule not in RULES:
        raise ValueError(f"--rule {settings.rule!r}: use one of {', '.join(RULES)}")
    if settings.prestep.split(":")[0] not in PRESTEPS:
        raise ValueError(f"--prestep {settings.prestep!r}: use one of {', '.join(PRESTEPS)}")
    if settings.rounds < 1 or settings.epochs < 1:
        raise ValueError("--rounds and --epochs must be at least 1")
    if settings.tolerate is not None and not 0 <= settings.tolerate < clients:
        raise ValueError(f"--tolerate {settings.tolerate}: give 0 to {clients - 1}")


def _print(report: dict) -> None:
    start, final, honest = (report[k]["hedged_pnl_bps_per_day"] for k in ("start", "final", "honest_only"))
    out.print(
        f"rule {report['rule']}, attack {report['attack']}, byzantine {report['byzantine']}: hedged PnL "
        f"{final:+.4f} bps/day on the evaluation days (honest only {honest:+.4f}, round zero {start:+.4f})"
    )
    out.print(
        f"slashed {report['slashed']}; rewards (tokens): "
        + ", ".join(f"{c}: {int(v) / 1e18:.0f}" for c, v in report["rewards"].items())
    )
    if "chain" in report:
        gas = report["chain"]["gas"]
        out.print("gas (max): " + ", ".join(f"{k} {v['max']:,}" for k, v in gas.items()))
        out.print(
            f"audits {'ok' if report['chain']['audits_ok'] else 'FAILED'}; contract {report['chain']['contract']}"
        )


@fl_app.command("audit", epilog="Example: lamm fl audit 3 --store fl-store --rpc http://127.0.0.1:8545")
@user_errors
def audit_command(
    round_id: Annotated[int, typer.Argument(help="The round (as numbered in the store).")],
    store: Annotated[Path, typer.Option(help="Update store folder.")] = Path("fl-store"),
    rpc: RPC = None,
):
    """Recompute a round's aggregate from its revealed updates; with --rpc, check it against TrainingRounds."""
    from agents.fl.audit import audit_round
    from agents.fl.store import read_round

    if rpc is None:
        result = audit_round(store, round_id)
    else:
        from agents.chain.connection import connect

        meta, _ = read_round(store, round_id)
        with connect(rpc=rpc) as (_ape, project):
            result = audit_round(store, round_id, project.TrainingRounds.at(meta["contract"]))
    for name, ok in result["checks"].items():
        out.print(f"{'ok  ' if ok else 'FAIL'} {name}")
    if not result["ok"]:
        raise typer.Exit(1)


@fl_app.command(
    "export", epilog="Example: lamm fl export 7 --store fl-store --rpc http://127.0.0.1:8545 --out models/fee-federated"
)
@user_errors
def export_command(
    round_id: Annotated[int, typer.Argument(help="The round (as numbered in the store).")],
    store: Annotated[Path, typer.Option(help="Update store folder.")] = Path("fl-store"),
    rpc: RPC = None,
    network: NETWORK = "ethereum:local:foundry",
    out_dir: Annotated[Path, typer.Option("--out", help="Model folder to write.")] = Path("models/fee-federated"),
    data: DATA = "synthetic",
    eval_from: DAY = None,
    eval_to: DAY = None,
    config: Annotated[Path, typer.Option(help="Training settings the round used.")] = FL_CONFIG,
):
    """Write a final round's policy as a model folder (for `lamm model register`); refused unless the round is
    final on chain."""
    from agents.chain.connection import connect
    from agents.fl.export import export_round
    from agents.fl.store import read_round
    from agents.training.config import load_train_config
    from agents.training.fee import Period, load_period
    from envs.market import MarketSpec, parse_day

    cfg = load_train_config(config)
    period = Period(parse_day(eval_from), parse_day(eval_to)) if eval_from and eval_to else None
    market = load_period(data, period, MarketSpec(), cfg.step)
    meta, _ = read_round(store, round_id)
    with connect(network, rpc) as (ape, project):
        contract = project.TrainingRounds.at(meta["contract"])
        chain_id = ape.chain.provider.chain_id
        days = (period.start, period.end) if period else None
        card = export_round(store, round_id, contract, chain_id, cfg, market, out_dir, data, days)
    out.print(f"{out_dir}: the policy of final round {card['federated']['round']} ({card['federated']['rule']})")


@fl_app.command("deploy", epilog="Example: lamm fl deploy --rpc http://127.0.0.1:8545 --token 0x... --out fl.json")
@user_errors
def deploy_command(
    token: Annotated[str, typer.Option(help="The staking and reward token (ERC20).")],
    rpc: RPC = None,
    network: NETWORK = "ethereum:local:foundry",
    account: ACCOUNT = "test:0",
    coordinator: Annotated[str | None, typer.Option(help="Coordinator address (default: the deployer).")] = None,
    min_stake: Annotated[float, typer.Option(help="Least stake, in whole tokens.")] = 100.0,
    burn: Annotated[float, typer.Option(help="Registration burn (the Sybil cost), in whole tokens.")] = 1.0,
    bond: Annotated[float, typer.Option(help="Coordinator bond per round, in whole tokens.")] = 1_000.0,
    commit_seconds: Annotated[int, typer.Option(help="Commit phase.")] = 3_600,
    reveal_seconds: Annotated[int, typer.Option(help="Reveal phase.")] = 3_600,
    challenge_seconds: Annotated[int, typer.Option(help="Challenge window after finalize.")] = 86_400,
    exit_delay: Annotated[int, typer.Option(help="Seconds between an exit request and the withdrawal.")] = 86_400,
    out_file: Annotated[Path | None, typer.Option("--out", help="Deployment record (JSON).")] = None,
):
    """Deploy TrainingRounds for a token (amounts in whole tokens of its decimals)."""
    from agents.chain.connection import connect, load_account
    from agents.fl.chain_rounds import RoundsParams, deploy_training_rounds

    with connect(network, rpc) as (ape, project):
        sender = load_account(ape, account)
        unit = 10 ** int(project.TestToken.at(token).decimals())  # only the ERC20 functions are used
        params = RoundsParams(
            int(min_stake * unit),
            int(burn * unit),
            int(bond * unit),
            commit_seconds,
            reveal_seconds,
            challenge_seconds,
            exit_delay,
        )
        rounds = deploy_training_rounds(project, sender, token, params, coordinator)
        record = {"contract": rounds.address, "token": token, "chain_id": ape.chain.provider.chain_id}
    out.print(f"TrainingRounds {record['contract']} for token {token}")
    if out_file:
        out_file.write_text(json.dumps(record | {"params": params.__dict__}, indent=1))


@fl_app.command("fund", epilog="Example: lamm fl fund 1000 --contract 0x... --rpc http://127.0.0.1:8545")
@user_errors
def fund_command(
    amount: Annotated[float, typer.Argument(help="Whole tokens to add to the reward pool.")],
    contract: FL_CONTRACT,
    rpc: RPC = None,
    network: NETWORK = "ethereum:local:foundry",
    account: ACCOUNT = "test:0",
):
    """Add tokens to the reward pool (what the governed pool's protocol fee share pays for)."""
    from agents.chain.connection import connect, load_account

    with connect(network, rpc) as (ape, project):
        rounds, who = project.TrainingRounds.at(contract), load_account(ape, account)
        token = project.TestToken.at(rounds.token())  # only the ERC20 functions are used
        raw = int(amount * 10 ** int(token.decimals()))
        token.approve(rounds, raw, sender=who)
        rounds.fund(raw, sender=who)
    out.print(f"reward pool +{amount:g} tokens")
