"""`lamm model register`: a model's circuit, its verifier on chain, and its registration at a FeeController."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lamm.commands.common import ACCOUNT, NETWORK, RPC, err, out, user_errors

model_app = typer.Typer(help="Models on-chain: circuits, verifiers, registration.", no_args_is_help=True)


@model_app.command(
    "register",
    epilog="Example: lamm model register --rpc http://127.0.0.1:8545 --model models/fee-arbitrum "
    "--controller 0x... --pool 0x... --out deployments/model.json",
)
@user_errors
def register(
    model: Annotated[Path, typer.Option(help="Model folder (models/NAME).")],
    network: NETWORK = "ethereum:local:foundry",
    rpc: RPC = None,
    account: ACCOUNT = "test:0",
    controller: Annotated[
        str | None, typer.Option(help="FeeController to register at (default: deploy a new one).")
    ] = None,
    pool: Annotated[list[str] | None, typer.Option(help="Pool to put under the model (repeatable).")] = None,
    hook: Annotated[str | None, typer.Option(help="A DynamicFeeHook: put its pool --pool-id under the model.")] = None,
    pool_id: Annotated[str | None, typer.Option(help="The v4 pool behind --hook (its id, from the record).")] = None,
    srs: Annotated[
        Path | None,
        typer.Option(help="KZG SRS file (production); default: a development SRS. Must match a built circuit's."),
    ] = None,
    allow_development_srs: Annotated[
        bool,
        typer.Option(
            "--allow-development-srs",
            help="Register a circuit made with a development SRS on a node that is not a local development node, "
            "accepting that whoever generated that SRS can forge proofs and set any fee.",
        ),
    ] = False,
    out_file: Annotated[Path | None, typer.Option("--out", help="Registration record (JSON).")] = None,
) -> None:
    """Build the model's circuit if missing, deploy its verifier and register it at a FeeController."""
    from agents.chain.connection import connect, load_account
    from agents.zk.model_circuit import zk_for_model
    from agents.zk.registry import register_model

    with connect(network, rpc) as (ape, project):
        _check_federated(model, ape, project)
        zk = zk_for_model(model, srs, log=err.print)
        record = register_model(
            ape,
            project,
            load_account(ape, account),
            network,
            zk,
            controller,
            tuple(pool or ()),
            allow_development_srs,
            ((hook, pool_id),) if hook or pool_id else (),
        )
    out.print(
        f"model {record.model_id}: verifier {record.verifier} ({record.verifier_bytes} bytes) registered at "
        f"FeeController {record.controller}; pools {', '.join(record.pools) or 'none'}; SRS {record.srs}"
    )
    if out_file:
        out.print(f"record: {record.write(out_file)}")


def _check_federated(model: Path, ape, project) -> None:
    """A model from federated training registers only once its round is final on this chain."""
    import json

    from agents.fl.export import check_model_final

    card_path = Path(model) / "card.json"
    card = json.loads(card_path.read_text()) if card_path.is_file() else {}
    if "federated" in card:
        contract = project.TrainingRounds.at(card["federated"]["contract"])
        check_model_final(model, card, contract, ape.chain.provider.chain_id)
