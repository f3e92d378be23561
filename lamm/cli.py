"""The `lamm` command: assembles the command groups of `lamm/commands/`, one module per group."""

from __future__ import annotations

import typer

from lamm.commands.agent import agent_app
from lamm.commands.backtest import backtest_app
from lamm.commands.chain import chain_app
from lamm.commands.data import data_app
from lamm.commands.demo import demo
from lamm.commands.deploy import deploy_app
from lamm.commands.evaluate import evaluate_app
from lamm.commands.fl import fl_app
from lamm.commands.fl_parties import client_app, coordinator_app
from lamm.commands.model import model_app
from lamm.commands.schedule import schedule_app
from lamm.commands.train import train_app, tune_app

app = typer.Typer(
    help="lamm: learned AMM strategies on replayed on-chain data.", no_args_is_help=True, add_completion=False
)
app.add_typer(backtest_app, name="backtest")
app.add_typer(evaluate_app, name="evaluate")
app.add_typer(data_app, name="data")
app.add_typer(chain_app, name="chain")
app.add_typer(deploy_app, name="deploy")
app.add_typer(train_app, name="train")
app.add_typer(tune_app, name="tune")
app.add_typer(model_app, name="model")
app.add_typer(agent_app, name="agent")
app.add_typer(schedule_app, name="schedule")
fl_app.add_typer(coordinator_app, name="coordinator")
fl_app.add_typer(client_app, name="client")
app.add_typer(fl_app, name="fl")
app.command(epilog="Example: lamm demo --out reports/demo")(demo)

if __name__ == "__main__":
    app()
