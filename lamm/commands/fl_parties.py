"""`lamm fl coordinator` and `lamm fl client`: real rounds between separate parties, each with its own key,
against one TrainingRounds contract and one shared update store (agents/fl/multiparty.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lamm.commands.common import ACCOUNT, DATA, DAY, FL_CACHE, FL_CONFIG, FL_CONTRACT, NETWORK, RPC, out, user_errors

coordinator_app = typer.Typer(help="The coordinator of real rounds: open them, aggregate and finalize.")
client_app = typer.Typer(help="A client of real rounds: register, train and commit, reveal, claim.")
STORE = Annotated[str, typer.Option(help="Update store: a folder or an fsspec URL (file://, s3://, ...).")]
START_FEE = Annotated[float, typer.Option(help="Round zero's policy: this static fee (bps), no skew.")]


def _rounds(project, contract: str):
    return project.TrainingRounds.at(contract)


def _policy_basics(config: Path, start_fee: float):
    """(training settings, policy shape, round zero's constant action)."""
    from dataclasses import replace

    from agents.fl.policy import PolicyShape
    from agents.training.config import load_train_config
    from envs.simulation import bps_to_pips

    cfg = load_train_config(config)
    rules = cfg.rules
    base = rules.action(replace(rules.template, base=bps_to_pips(start_fee), skew_gain=0))
    return cfg, PolicyShape(tuple(cfg.net_arch), rules.size), base


@coordinator_app.command("open", epilog="Example: lamm fl coordinator open --contract 0x... --store fl-store")
@user_errors
def coordinator_open(
    contract: FL_CONTRACT,
    store: STORE = "fl-store",
    rpc: RPC = None,
    network: NETWORK = "ethereum:local:foundry",
    account: ACCOUNT = "test:0",
    rule: Annotated[
        str, typer.Option(help="The round's rule (mean, median, trimmed are disputable on chain).")
    ] = "median",
    rule_param: Annotated[int, typer.Option(help="trimmed: bps trimmed on each side.")] = 0,
    start_fee: START_FEE = 30.0,
    config: Annotated[Path, typer.Option(help="Training settings (policy, rule map).")] = FL_CONFIG,
):
    """Publish the current global policy to the store and open the next round on it."""
    from agents.chain.connection import connect, load_account
    from agents.fl.fixed_point import encode
    from agents.fl.multiparty import current_policy, open_round
    from agents.fl.rules import RULES
    from agents.fl.store import UpdateStore

    if rule not in RULES:
        raise ValueError(f"--rule {rule!r}: use one of {', '.join(RULES)}")
    _, shape, base = _policy_basics(config, start_fee)
    s = UpdateStore(store)
    with connect(network, rpc) as (ape, project):
        rounds = _rounds(project, contract)
        params = current_policy(s, rounds, shape, encode(shape.initial(base, 0)))
        token = project.TestToken.at(rounds.token())  # only the ERC20 functions are used
        rid = open_round(s, rounds, token, load_account(ape, account), params, rule, rule_param)
    out.print(f"round {rid} open ({rule}); policy published to {store}")


@coordinator_app.command("finalize", epilog="Example: lamm fl coordinator finalize --contract 0x... --data DIR")
@user_errors
def coordinator_finalize(
    contract: FL_CONTRACT,
    store: STORE = "fl-store",
    rpc: RPC = None,
    network: NETWORK = "ethereum:local:foundry",
    account: ACCOUNT = "test:0",
    data: DATA = "synthetic",
    eval_from: DAY = None,
    eval_to: DAY = None,
    tolerate: Annotated[int, typer.Option(help="Attackers the rule is set for.")] = 1,
    prestep: Annotated[str, typer.Option(help="none, bucketing[:s] or nnm.")] = "none",
    budget: Annotated[float, typer.Option(help="Rewards paid this round, in whole tokens (from the pool).")] = 100.0,
    config: Annotated[Path, typer.Option(help="Training settings (policy, rule map).")] = FL_CONFIG,
):
    """Aggregate the revealed updates in the store, score them on the evaluation days, publish, finalize."""
    from agents.chain.connection import connect, load_account
    from agents.fl.multiparty import Evaluator, finalize
    from agents.fl.store import UpdateStore
    from agents.training.fee import Period, load_period
    from envs.market import MarketSpec, Step, parse_day

    cfg, shape, _ = _policy_basics(config, 30.0)
    period = Period(parse_day(eval_from), parse_day(eval_to)) if eval_from and eval_to else None
    market = load_period(data, period, MarketSpec(), cfg.step, synthetic_seed=2)
    step = Step.parse(cfg.step)
    evaluator = Evaluator(shape, cfg, market, step.count if step.unit == "s" else 0)
    with connect(network, rpc) as (ape, project):
        rounds = _rounds(project, contract)
        unit = 10 ** int(project.TestToken.at(rounds.token()).decimals())
        done = finalize(
            UpdateStore(store), rounds, load_account(ape, account), evaluator, tolerate, prestep, int(budget * unit)
        )
    out.print(
        f"round {done['round']} finalized ({done['rule']}): {len(done['counted'])} updates counted, "
        f"listed {done['listed'] or 'none'}, rewards to {len(done['rewards'])}"
    )


@client_app.command("register", epilog="Example: lamm fl client register --contract 0x... --stake 100")
@user_errors
def client_register(
    contract: FL_CONTRACT,
    stake: Annotated[float, typer.Option(help="Stake in whole tokens (the burn is added).")],
    rpc: RPC = None,
    network: NETWORK = "ethereum:local:foundry",
    account: ACCOUNT = "test:1",
):
    """Approve and register with a stake (plus the registration burn)."""
    from agents.chain.connection import connect, load_account

    with connect(network, rpc) as (ape, project):
        rounds, who = _rounds(project, contract), load_account(ape, account)
        token = project.TestToken.at(rounds.token())
        amount = int(stake * 10 ** int(token.decimals()))
        token.approve(rounds, amount + int(rounds.registration_burn()), sender=who)
        rounds.register(amount, sender=who)
    out.print(f"{who.address} registered with {stake:g} tokens")


@client_app.command("train", epilog="Example: lamm fl client train --contract 0x... --data DIR --from 2025-05-04")
@user_errors
def client_train(
    contract: FL_CONTRACT,
    store: STORE = "fl-store",
    rpc: RPC = None,
    network: NETWORK = "ethereum:local:foundry",
    account: ACCOUNT = "test:1",
    data: DATA = "synthetic",
    train_from: DAY = None,
    train_to: DAY = None,
    epochs: Annotated[int, typer.Option(help="Local epochs.")] = 3,
    seed: Annotated[int, typer.Option(help="Training seed (and the synthetic market's).")] = 0,
    start_fee: START_FEE = 30.0,
    config: Annotated[Path, typer.Option(help="Training settings (policy, rule map).")] = FL_CONFIG,
    cache: Annotated[Path, typer.Option(help="Cache of the prepared table.")] = FL_CACHE,
):
    """Train from the open round's policy on your own data, upload the update and commit to it."""
    from agents.chain.connection import connect, load_account
    from agents.fl.federation import PrepareJob, prepare_shard
    from agents.fl.multiparty import train_and_commit
    from agents.fl.shards import Shard
    from agents.fl.store import UpdateStore

    cfg, shape, base = _policy_basics(config, start_fee)
    if data == "synthetic":
        shard = Shard("own", regime="calm", seed=seed)
    else:
        if not (train_from and train_to):
            raise ValueError("--train-from and --train-to: the days of your data to train on")
        shard = Shard("own", data, train_from, train_to)
    table = prepare_shard(PrepareJob(shard, cfg.to_dict(), tuple(float(v) for v in base), 7, 4, str(cache)))
    with connect(network, rpc) as (ape, project):
        rounds = _rounds(project, contract)
        rid, root = train_and_commit(
            UpdateStore(store),
            rounds,
            load_account(ape, account),
            ape.chain.provider.chain_id,
            shape,
            table,
            epochs,
            1e-2,
            128,
            seed,
        )
    out.print(f"round {rid}: update uploaded and committed (root 0x{root.hex()[:16]}...)")


@client_app.command("reveal", epilog="Example: lamm fl client reveal --contract 0x... --account test:1")
@user_errors
def client_reveal(
    contract: FL_CONTRACT,
    rpc: RPC = None,
    network: NETWORK = "ethereum:local:foundry",
    account: ACCOUNT = "test:1",
):
    """Reveal this machine's commitment in the open round."""
    from agents.chain.connection import connect, load_account
    from agents.fl.multiparty import reveal

    with connect(network, rpc) as (ape, project):
        reveal(_rounds(project, contract), load_account(ape, account), ape.chain.provider.chain_id)
    out.print("revealed")


@client_app.command("claim", epilog="Example: lamm fl client claim 3 --contract 0x... --store fl-store")
@user_errors
def client_claim(
    round_id: Annotated[int, typer.Argument(help="The round to claim from.")],
    contract: FL_CONTRACT,
    store: STORE = "fl-store",
    rpc: RPC = None,
    network: NETWORK = "ethereum:local:foundry",
    account: ACCOUNT = "test:1",
):
    """Claim your reward of a final round (its proof is in the store)."""
    from agents.chain.connection import connect, load_account
    from agents.fl.multiparty import claim
    from agents.fl.store import UpdateStore

    with connect(network, rpc) as (ape, project):
        claim(UpdateStore(store), _rounds(project, contract), load_account(ape, account), round_id)
    out.print(f"claimed round {round_id}")
