"""The demo's verified stage: the shipped policy registered at a FeeController on a local anvil, synthetic swaps
moving the pool's features, and the fee agent changing the pool's fee rule with a zero-knowledge proof; then
swaps in both directions pay the rule's fee for their side."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

FAR = 2**63


def run_verified_stage(out: Console, model_dir: Path, swaps: int = 30, seed: int = 0) -> None:
    from ape.logging import logger

    from agents.chain.connection import connect
    from agents.chain.local_node import start_anvil
    from agents.fee.agent import FeeAgent
    from agents.zk.model_circuit import zk_for_model
    from agents.zk.registry import deploy_controller, register_model
    from envs.market import build_market
    from envs.synthetic import SyntheticMarketConfig, generate_swaps
    from lamm.demo.chain import market_pool

    logger.set_level("WARNING")
    zk = zk_for_model(model_dir, log=out.print)
    market = build_market(generate_swaps(SyntheticMarketConfig(days=1, seed=seed)))
    picks = [i for i in range(len(market.price)) if market.uninformed[i]][:swaps]
    node = start_anvil()
    try:
        with connect(rpc=node.url) as (ape, project):
            owner = ape.accounts.test_accounts[0]
            controller = deploy_controller(project, owner)
            record, pool = market_pool(ape, project, owner, market, controller.address)
            registration = register_model(ape, project, owner, "local", zk, controller.address, (record.pool,))
            out.print(
                f"model {zk.model_id[:18]}... ({zk.srs.split(':')[0]} SRS): verifier {registration.verifier} "
                f"({registration.verifier_bytes:,} bytes) registered at FeeController {controller.address}, "
                f"governing pool {record.pool}"
            )
            for i in picks:
                zero_for_one = bool(market.amount0[i] > 0)
                amount = int(market.amount0[i] if zero_for_one else market.amount1[i])
                pool.swap(zero_for_one, amount, 0, owner, FAR, sender=owner)
            out.print(f"{len(picks)} synthetic swaps moved the pool's features (epoch {pool.epoch()})")
            log = lambda line: out.print(line, soft_wrap=True, markup=False, highlight=False)  # noqa: E731
            step = FeeAgent(ape, project, owner, zk, record.pool, log=log).step()
            if step.sent:
                onnx = step.onnx_rule or {}
                out.print(
                    f"verified rule update: base fee {step.old_fee_bps:g} -> {step.proven_fee_bps:g} bps, skew gain "
                    f"{step.proven_rule['skew_gain'] / 1000:g} (ONNX policy: base {onnx.get('base', 0) / 100:g} bps, "
                    f"gain {onnx.get('skew_gain', 0) / 1000:g}); proof {step.proof_seconds:.2f} s, propose gas "
                    f"{step.gas_used:,}, features to mined update {step.seconds:.2f} s"
                )
                buy, sell = pool.fee_for(False), pool.fee_for(True)
                out.print(
                    f"the pool now charges {buy / 100:g} bps to buy token0 and {sell / 100:g} bps to sell it "
                    "(the skew follows its last moves)"
                )
    finally:
        node.stop()
