"""The demo's v4 hook stage: on a fork of the project's mainnet snapshot, a DynamicFeeHook and the ETH/USDC
dynamic-fee pool it serves (`lamm deploy hook`'s steps), governed by a FeeController under the shipped policy;
swaps through the Universal Router pay the hook's fee and move the pool's features, then the fee agent changes
the pool's fee rule with a zero-knowledge proof."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

PRICE = 2_500  # USDC per ETH
LIQUIDITY = (100 * 10**18, 250_000 * 10**6)  # most ETH and USDC in the full-range position
SWAPS = ((True, 2 * 10**18), (False, 3_000 * 10**6), (True, 5 * 10**17), (True, 10**18), (False, 7_000 * 10**6))


def run_hook_stage(out: Console, model_dir: Path) -> None:
    from agents.chain.fee_target import FeeTarget
    from agents.chain.hook_deployment import DYNAMIC_FEE_FLAG, deploy_hook_pool
    from agents.chain.npm_artifacts import UNISWAP_V4_CORE, npm_contract
    from agents.chain.snapshot import TOKENS
    from agents.chain.snapshot_v4 import NATIVE, POOL_MANAGER
    from agents.chain.universal_router import swap_exact_in
    from agents.fee.agent import FeeAgent
    from agents.zk.model_circuit import zk_for_model
    from agents.zk.registry import deploy_controller, register_model
    from envs.amm import PoolParams
    from envs.fee_rule import FeeRule
    from lamm.demo.fork import snapshot_fork

    zk = zk_for_model(model_dir, log=out.print)
    usdc = TOKENS["USDC"][0]
    with snapshot_fork() as (ape, project, scratch):
        owner, trader = ape.accounts.test_accounts[0], ape.accounts.test_accounts[1]
        controller = deploy_controller(project, owner)
        project.StandInToken.at(usdc).mint(owner, LIQUIDITY[1], sender=owner)
        record = deploy_hook_pool(
            ape,
            project,
            owner,
            "ethereum:mainnet-fork",
            (NATIVE, usdc, DYNAMIC_FEE_FLAG, 60),
            PRICE,
            FeeRule(3000),
            PoolParams(),
            controller.address,
            None,
            LIQUIDITY,
            scratch / "hook.json",
        )
        key, pool_id = tuple(record.pool_key), bytes.fromhex(record.pool_id[2:])
        hook = project.DynamicFeeHook.at(record.hook)
        governed = ((hook.address, record.pool_id),)
        register_model(ape, project, owner, "ethereum:mainnet-fork", zk, controller.address, hook_pools=governed)
        out.print(
            f"DynamicFeeHook {hook.address} (CREATE2 salt {int(record.salt, 16)}: permission bits "
            f"{int(hook.address, 16) & 0x3FFF:#06x}); ETH/USDC dynamic-fee pool {record.pool_id[:18]}... at "
            f"{PRICE:,} USDC, full range, governed by FeeController {controller.address}"
        )
        pm = npm_contract(UNISWAP_V4_CORE / "PoolManager.sol" / "PoolManager.json").at(POOL_MANAGER)
        project.StandInToken.at(usdc).mint(trader, sum(a for z, a in SWAPS if not z), sender=owner)
        charged = []
        for zero_for_one, amount in SWAPS:
            receipt = swap_exact_in(ape, key, zero_for_one, amount, trader)
            (event,) = [e for e in receipt.decode_logs(pm.Swap) if bytes(e.id) == pool_id]
            side = "sell" if zero_for_one else "buy"
            charged.append(f"{side} ETH {event.fee / 100:g} bps ({receipt.gas_used:,} gas)")
        out.print(f"{len(SWAPS)} swaps through the Universal Router, each at the hook's fee: " + "; ".join(charged))
        log = lambda line: out.print(line, soft_wrap=True, markup=False, highlight=False)  # noqa: E731
        step = FeeAgent(ape, project, owner, zk, FeeTarget(hook, pool_id), log=log).step()
        if step.sent:
            buy, sell = hook.fee_for(pool_id, False), hook.fee_for(pool_id, True)
            out.print(
                f"verified rule update of the v4 pool: base fee {step.old_fee_bps:g} -> {step.proven_fee_bps:g} bps; "
                f"proof {step.proof_seconds:.2f} s, propose gas {step.gas_used:,}; the hook now charges "
                f"{buy / 100:g} bps to buy ETH and {sell / 100:g} bps to sell it"
            )
