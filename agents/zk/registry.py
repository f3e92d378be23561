"""On-chain side of a model: its verifier contract, the FeeController, registration and pool governance."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from agents.chain.fee_target import fee_target
from agents.zk.circuit import ZkBuildError, ZkModel, is_development

DEVELOPMENT_NODES = ("anvil", "hardhat", "ganache")  # web3_clientVersion prefixes of local development nodes

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
    pools: list[str] = field(default_factory=list)  # DynamicFeePools, and hooks' pools as HOOK:POOL_ID
    transactions: dict[str, str] = field(default_factory=dict)

    def write(self, path: Path) -> Path:
        from backtests.report import write_atomic

        write_atomic(Path(path), json.dumps(asdict(self), indent=2) + "\n")
        return Path(path)


def development_node(ape) -> bool:
    """Whether the connected node is a local development node (anvil, also forking a live chain), where a
    forged proof can cost nothing real."""
    try:
        client = str(ape.chain.provider.web3.client_version).lower()
    except Exception:  # noqa: BLE001 - a node that does not say what it is is not taken for a local one
        return False
    return client.startswith(DEVELOPMENT_NODES)


def check_srs_for_chain(ape, zk: ZkModel, allow_development_srs: bool) -> None:
    """A development SRS only on a development node, unless the user says, with the flag, that they accept
    that whoever generated it can forge proofs for this model."""
    if is_development(zk) and not allow_development_srs and not development_node(ape):
        raise ZkBuildError(
            f"{zk.folder} trusts a development SRS ({zk.srs}), and this node is not a local development node: "
            "whoever generated that SRS could forge proofs and set any fee. Rebuild the circuit with a public "
            "ceremony's SRS (remove the zk folder, then --srs FILE), or pass --allow-development-srs if you "
            "accept exactly that on this chain."
        )


def register_model(
    ape,
    project,
    account,
    network: str,
    zk: ZkModel,
    controller: str | None = None,
    pools: tuple[str, ...] = (),
    allow_development_srs: bool = False,
    hook_pools: tuple[tuple[str, str], ...] = (),
) -> Registration:
    """Deploys `zk`'s verifier and registers it at `controller` (a new FeeController when None), then puts
    each of `pools` and `hook_pools` ((hook, v4 pool id); the controller of each must be that contract) under the
    model. A development SRS is refused
    unless the node is a local development node or `allow_development_srs`."""
    check_srs_for_chain(ape, zk, allow_development_srs)
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
    for hook, pool_id in hook_pools:
        target = fee_target(project, hook=hook, pool_id=pool_id)
        if target.controller() != contract.address:
            raise ValueError(
                f"--hook {hook}: its controller is not {contract.address}; deploy the hook with "
                f"--controller {contract.address}"
            )
        txs[f"govern:{hook}:{pool_id}"] = contract.govern(hook, zk.model_id, target.pool_id, sender=account).txn_hash
    return Registration(
        network=network,
        chain_id=ape.chain.chain_id,
        controller=contract.address,
        model_id=zk.model_id,
        verifier=verifier,
        verifier_bytes=len(ape.chain.provider.get_code(verifier)),
        srs=zk.srs,
        pools=[*pools, *(f"{hook}:{pool_id}" for hook, pool_id in hook_pools)],
        transactions=txs,
    )
