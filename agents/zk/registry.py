"""On-chain side of a model: its verifier contract, the FeeController, registration and pool governance."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from agents.zk.circuit import ZkModel

DEFAULT_MIN_INTERVAL = 600  # seconds between two updates of one pool


def verifier_container(zk: ZkModel):
    from agents.chain.npm_artifacts import npm_contract

    return npm_contract(zk.path("verifier.json"), "Halo2Verifier")


def deploy_controller(project, account, min_interval: int = DEFAULT_MIN_INTERVAL):
    return project.FeeController.deploy(min_interval, sender=account)


@dataclass
class Registration:
    network: str
    chain_id: int
    controller: str
    model_id: str
    verifier: str
    verifier_bytes: int
    srs: str
    pools: list[str] = field(default_factory=list)
    transactions: dict[str, str] = field(default_factory=dict)

    def write(self, path: Path) -> Path:
        from backtests.report import write_atomic

        write_atomic(Path(path), json.dumps(asdict(self), indent=2) + "\n")
        return Path(path)


def register_model(
    ape, project, account, network: str, zk: ZkModel, controller: str | None = None, pools: tuple[str, ...] = ()
) -> Registration:
    """Deploys `zk`'s verifier and registers it at `controller` (a new FeeController when None), then puts
    each of `pools` (whose controller must be that contract) under the model."""
    txs: dict[str, str] = {}
    if controller is None:
        contract = deploy_controller(project, account)
        txs["deploy_controller"] = contract.creation_metadata.txn_hash
    else:
        contract = project.FeeController.at(controller)
    existing = contract.models(zk.model_id)
    if existing.verifier != "0x" + "0" * 40:
        if existing.retired:
            raise ValueError(f"model {zk.model_id} was retired at {contract.address}; it cannot be registered again")
        verifier = existing.verifier
    else:
        deployed = verifier_container(zk).deploy(sender=account)
        verifier = deployed.address
        txs["deploy_verifier"] = deployed.creation_metadata.txn_hash
        template, outputs = zk.grid.registration()
        txs["register_model"] = contract.register_model(
            zk.model_id, verifier, zk.in_scale, zk.out_scale, zk.grid_bits, template, outputs, sender=account
        ).txn_hash
    for pool in pools:
        if project.DynamicFeePool.at(pool).controller() != contract.address:
            raise ValueError(
                f"--pool {pool}: its controller is not {contract.address}; deploy the pool with "
                f"--controller {contract.address}"
            )
        txs[f"govern:{pool}"] = contract.govern(pool, zk.model_id, sender=account).txn_hash
    return Registration(
        network=network,
        chain_id=ape.chain.chain_id,
        controller=contract.address,
        model_id=zk.model_id,
        verifier=verifier,
        verifier_bytes=len(ape.chain.provider.get_code(verifier)),
        srs=zk.srs,
        pools=list(pools),
        transactions=txs,
    )
