"""Cost of a verified fee-rule update, for the shipped policy and for one 10x larger.

    .venv/bin/python benchmarks/zk_fee_update.py [--proofs 5]

For each policy: EZKL circuit size (logrows), proof time (median of --proofs proofs on different features, after
one warm-up; witness + proof, one process, this machine's cores), local verification time, the verifier's
runtime bytecode size (EIP-170 limit 24,576), on-chain verification gas (eth_estimateGas of a verifyProof
transaction minus the 21,000 intrinsic and the calldata gas), the whole propose() transaction's gas, and the
end-to-end time of one fee-agent step on anvil: features read, ONNX policy, proof, checks, propose mined.
Targets for the shipped policy: proof <= 1 s, verification <= 650k gas.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FAR = 2**63
SHIPPED = ROOT / "models" / "fee-arbitrum"


def larger_policy(folder: Path, rule_map):
    """A ReLU policy of the shipped shape with 10x the parameters (8 -> 110 -> 110 -> 2, 13,442 weights)."""
    from agents.training.export import export_onnx, parameter_count
    from agents.zk.circuit import build_circuit
    from envs.amm import NFEATURES

    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(NFEATURES, 110),
        torch.nn.ReLU(),
        torch.nn.Linear(110, 110),
        torch.nn.ReLU(),
        torch.nn.Linear(110, rule_map.size),
    )

    class Clipped(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = net

        def forward(self, x):
            return torch.clamp(self.net(x), -1.0, 1.0)

    graph = export_onnx(Clipped(), NFEATURES, folder / "graph.onnx", batch=1)
    return build_circuit(graph, folder / "zk", rule_map, log=lambda _: None), parameter_count(net)


def calldata_gas(data: bytes) -> int:
    return sum(16 if b else 4 for b in data)


def measure(label: str, zk, proofs: int) -> dict:
    from agents.zk.circuit import ensure_proving_key
    from agents.zk.prover import prove_fee, verify_locally
    from envs.synthetic import feature_samples

    zk.path("pk.key").unlink(missing_ok=True)  # time the rebuild a fresh checkout does
    t0 = time.perf_counter()
    ensure_proving_key(zk)
    setup = time.perf_counter() - t0
    features = feature_samples(proofs + 1, seed=3)
    prove_fee(zk, features[0])  # warm-up
    runs = [prove_fee(zk, f) for f in features[1:]]
    t0 = time.perf_counter()
    assert all(verify_locally(zk, r) for r in runs[:3])
    verify = (time.perf_counter() - t0) / 3
    chain = on_chain(zk, runs[-1])
    runtime = json.loads(zk.path("verifier.json").read_text())["runtime_size"]
    return {
        "label": label,
        "logrows": zk.logrows,
        "proving_key_setup_s": setup,
        "prove_s": statistics.median(r.seconds for r in runs),
        "verify_s": verify,
        "verifier_bytes": runtime,
        **chain,
    }


def on_chain(zk, proof) -> dict:
    from agents.chain.connection import connect
    from agents.chain.deployments import deploy_pool, deploy_test_tokens
    from agents.fee.agent import FeeAgent
    from agents.zk.registry import deploy_controller, register_model, verifier_container
    from envs.amm import PoolParams

    with connect() as (ape, project):
        from ape.logging import logger

        logger.set_level("WARNING")
        owner = ape.accounts.test_accounts[0]
        tokens = deploy_test_tokens(project, owner, 2**200)
        controller = deploy_controller(project, owner)
        params = PoolParams(fee_min=100, fee_max=10_000, fee_max_step=10_000)
        record = deploy_pool(
            ape,
            project,
            owner,
            "local",
            tokens[0].address,
            tokens[1].address,
            3000,
            params,
            controller.address,
            (10**21, 2 * 10**12),
        )
        registration = register_model(ape, project, owner, "local", zk, controller.address, (record.pool,))
        verifier = verifier_container(zk).at(registration.verifier)
        data = verifier.verifyProof.encode_input(proof.proof, proof.instances)
        estimate = verifier.verifyProof.estimate_gas_cost(proof.proof, proof.instances, sender=owner)
        verification = estimate - 21_000 - calldata_gas(bytes(data))
        pool = project.DynamicFeePool.at(record.pool)
        for t in tokens:
            t.approve(pool, 2**255, sender=owner)
        for zero_for_one, amount in ((True, 10**18), (False, 4 * 10**9), (True, 2 * 10**18)):
            pool.swap(zero_for_one, amount, 0, owner, FAR, sender=owner)
        step = FeeAgent(ape, project, owner, zk, record.pool, log=lambda _: None).step()
    return {
        "verification_gas": verification,
        "propose_gas": step.gas_used,
        "end_to_end_s": step.seconds,
        "sent": step.sent,
        "reason": step.reason,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--proofs", type=int, default=5)
    args = parser.parse_args()
    from agents.zk.model_circuit import zk_for_model

    shipped = zk_for_model(SHIPPED)
    card = json.loads((SHIPPED / "card.json").read_text())
    results = [
        measure(f"shipped models/fee-arbitrum ({card['policy']['parameters']:,} parameters)", shipped, args.proofs)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        zk, params = larger_policy(Path(tmp), shipped.grid.rule_map)
        results.append(measure(f"10x policy 8-110-110-2 ({params:,} parameters)", zk, args.proofs))
    for r in results:
        print(f"\n{r['label']}")
        print(
            f"  circuit: logrows {r['logrows']}; proving key rebuilt from the SRS in {r['proving_key_setup_s']:.2f} s"
        )
        print(f"  proof: {r['prove_s']:.2f} s (median of {args.proofs}, witness + proof; target <= 1 s)")
        print(f"  local verification: {r['verify_s'] * 1000:.0f} ms")
        print(f"  verifier runtime bytecode: {r['verifier_bytes']:,} bytes (EIP-170: 24,576)")
        print(f"  on-chain verification: {r['verification_gas']:,} gas (target <= 650,000)")
        print(f"  propose() transaction: {r['propose_gas']:,} gas ({r['reason']})")
        print(f"  features read -> fee update mined: {r['end_to_end_s']:.2f} s")
    small, big = results
    print(
        f"\n10x parameters cost {big['prove_s'] / small['prove_s']:.2f}x proof time, "
        f"{big['verification_gas'] / small['verification_gas']:.2f}x verification gas, "
        f"{big['verifier_bytes'] / small['verifier_bytes']:.2f}x verifier bytecode"
    )


if __name__ == "__main__":
    main()
