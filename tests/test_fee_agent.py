"""`lamm model register` and `lamm agent fee` against a running anvil: the agent proves and changes the fee,
sends nothing when the proposal would be refused, and bad input gets one clear line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from zk_policies import volatility_circuit

from agents.chain.connection import connect
from agents.chain.deployments import deploy_pool, deploy_test_tokens
from agents.chain.local_node import rpc, start_anvil
from agents.zk.registry import deploy_controller, register_model
from envs.amm import PoolParams
from envs.fee_rule import FeeRule

FAR = 2**63
FAULT_POOLS = ("lost", "drop", "reorg")  # the pools after the first two, by the fault test that uses each


def lamm(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lamm.cli", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A node with a FeeController, the model registered and pools under it (max step 25 bps, 0.5 bps, then one
    per fault test), swaps done: each test proposes on its own pool, so each stands alone, in any order."""
    model = tmp_path_factory.mktemp("model")
    zk = volatility_circuit(model)
    node = start_anvil()
    try:
        with connect(rpc=node.url) as (ape, project):
            owner = ape.accounts.test_accounts[0]
            tokens = deploy_test_tokens(project, owner, 2**200)
            controller = deploy_controller(project, owner)
            pools = []
            for step in (2_500, 50, *[2_500] * len(FAULT_POOLS)):
                record = deploy_pool(
                    ape,
                    project,
                    owner,
                    "local",
                    tokens[0].address,
                    tokens[1].address,
                    3000,
                    PoolParams(fee_max_step=step),
                    controller.address,
                    (10**21, 2 * 10**12),
                )
                pool = project.DynamicFeePool.at(record.pool)
                for t in tokens:
                    t.approve(pool, 2**255, sender=owner)
                for zero_for_one, amount in ((True, 10**18), (False, 3 * 10**9)):
                    pool.swap(zero_for_one, amount, 0, owner, FAR, sender=owner)
                pools.append(record.pool)
            register_model(ape, project, owner, "local", zk, controller.address, tuple(pools))
        yield node.url, model, zk, controller.address, pools
    finally:
        node.stop()


def test_register_then_the_agent_proves_and_changes_the_fee(setup, tmp_path):
    url, model, zk, controller, (pool, tight, *_) = setup
    record = tmp_path / "model.json"
    res = lamm(
        "model",
        "register",
        "--rpc",
        url,
        "--model",
        str(model),
        "--controller",
        controller,
        "--pool",
        pool,
        "--pool",
        tight,
        "--out",
        str(record),
    )
    assert res.returncode == 0, res.stderr
    registration = json.loads(record.read_text())
    assert registration["model_id"] == zk.model_id and registration["pools"] == [pool, tight]
    assert 0 < registration["verifier_bytes"] <= 24_576

    res = lamm("agent", "fee", "--rpc", url, "--model", str(model), "--pool", pool, "--once")
    assert res.returncode == 0, res.stderr
    assert "proof" in res.stdout and "gas" in res.stdout and "tx 0x" in res.stdout, res.stdout
    with connect(rpc=url) as (ape, project):
        contract = project.DynamicFeePool.at(pool)
        fee, rule = contract.fee(), FeeRule.unpack(contract.rule())
        assert fee != 3000 and rule.skew_gain > 0  # the proof set both parameters the model outputs
        assert f"-> {fee / 100:g} bps" in res.stdout
        nonce = ape.accounts.test_accounts[0].nonce

    # again, on the same features: the agent sees the controller would refuse (no change) and sends nothing
    res = lamm("agent", "fee", "--rpc", url, "--model", str(model), "--pool", pool, "--once")
    assert res.returncode == 0 and "not sent" in res.stdout and "the pool's rule already" in res.stdout, res.stdout
    with connect(rpc=url) as (ape, project):
        assert ape.accounts.test_accounts[0].nonce == nonce
        assert project.DynamicFeePool.at(pool).rule() == rule.pack()


def test_the_agent_proposes_what_the_controller_clamps_to(setup):
    """A pool whose max step is 0.5 bps: the proven base is further away, the controller clamps it, and the
    agent's log says the clamped rule it set."""
    url, model, _, _, (_, tight, *_) = setup
    res = lamm("agent", "fee", "--rpc", url, "--model", str(model), "--pool", tight, "--once")
    assert res.returncode == 0, res.stderr
    with connect(rpc=url) as (ape, project):
        fee = project.DynamicFeePool.at(tight).fee()
    assert fee == 3050 and "fee 30 -> 30.5 bps" in res.stdout, res.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--once", "--every", "5"], "exactly one of --once or --every"),
        (["--every", "0"], "positive number of seconds"),
    ],
)
def test_agent_bad_input_is_one_clear_line(setup, args, message):
    url, model, _, _, (pool, *_) = setup
    res = lamm("agent", "fee", "--rpc", url, "--model", str(model), "--pool", pool, *args)
    assert res.returncode == 2 and message in res.stderr, res.stderr


def test_an_unbuilt_model_folder_is_one_clear_line(setup, tmp_path):
    url, _, _, _, (pool, *_) = setup
    res = lamm("agent", "fee", "--rpc", url, "--model", str(tmp_path), "--pool", pool, "--once")
    assert res.returncode == 2 and "card.json not found" in res.stderr, res.stderr


def test_a_built_circuit_refuses_another_srs(setup, tmp_path):
    """`--srs` names the SRS the verifier will trust: with a circuit already built on another SRS, registration
    refuses it (it used to log 'already built' and deploy a verifier trusting the old one)."""
    from agents.zk.ezkl_calls import call

    url, model, zk, controller, _ = setup
    other = tmp_path / "ceremony.srs"
    call("gen_srs", str(other), zk.logrows)
    res = lamm(
        "model", "register", "--rpc", url, "--model", str(model), "--controller", controller, "--srs", str(other)
    )
    assert res.returncode == 2 and "is not the SRS" in res.stderr and "Traceback" not in res.stderr, res.stderr
    same = lamm(
        "model", "register", "--rpc", url, "--model", str(model), "--controller", controller,
        "--srs", str(zk.path("kzg.srs")),
    )  # fmt: skip
    assert same.returncode == 0, same.stderr


def test_a_development_srs_is_refused_off_a_development_node_unless_accepted(setup):
    """The shipped circuits trust a development SRS: fine on anvil, refused on a node that is not a local
    development node (here anvil, chain id 1337, behind a proxy that says it is Geth, reached through Ape's
    generic node provider) unless --allow-development-srs."""
    from chain import rpc_proxy

    _, model, zk, _, _ = setup
    assert zk.srs.startswith("development")
    node = start_anvil(chain_id=1337)
    try:
        with rpc_proxy(node.url, {"web3_clientVersion": "Geth/v1.14.11-stable/linux-amd64/go1.23.2"}) as live:
            args = ("model", "register", "--network", "ethereum:local:node", "--rpc", live, "--model", str(model))
            res = lamm(*args)
            assert res.returncode == 2 and "development SRS" in res.stderr and "forge" in res.stderr, res.stderr
            accepted = lamm(*args, "--allow-development-srs")
            assert accepted.returncode == 0 and f"model {zk.model_id}" in accepted.stdout, accepted.stderr
    finally:
        node.stop()


def fee_agent(ape, project, model, pool, lines: list[str]):
    from agents.fee.agent import FeeAgent
    from agents.zk.model_circuit import zk_for_model

    return FeeAgent(ape, project, ape.accounts.test_accounts[0], zk_for_model(model), pool, log=lines.append)


def updates(project, controller: str, pool: str) -> list:
    """The FeeUpdated events of `pool` on the chain as it is now."""
    logs = project.FeeController.at(controller).FeeUpdated.range(0, project.chain_manager.blocks.head.number + 1)
    return [log for log in logs if log.pool == pool]


@pytest.mark.parametrize("fault", ["lost", "drop"])
def test_a_proposal_whose_answer_is_lost_is_never_sent_twice(setup, fault):
    """The node takes the proposal and its answer is lost ('lost'), or the connection drops before it reaches
    the node ('drop'): the agent looks on chain instead of sending again, reports the update it finds (or
    none), and the next step proposes only if nothing landed. One update, one nonce, whatever the fault."""
    from chain import faulty_rpc

    url, model, _, controller, pools = setup
    pool = pools[2 + FAULT_POOLS.index(fault)]
    lines: list[str] = []
    with faulty_rpc(url) as node, connect(rpc=node.url) as (ape, project):
        agent = fee_agent(ape, project, model, pool, lines)
        nonce = ape.accounts.test_accounts[0].nonce
        node.fail("eth_sendRawTransaction", fault)
        step = agent.step()
        assert any("checking whether the update landed" in line for line in lines), lines
        if fault == "lost":
            assert step.sent and step.tx_hash and step.gas_used > 0
        else:
            assert not step.sent and "the node never took the proposal" in step.reason
            again = agent.step()
            assert again.sent and again.tx_hash, (lines, again)
        (update,) = updates(project, controller, pool)
        assert node.calls["eth_sendRawTransaction"] == 1 and ape.accounts.test_accounts[0].nonce == nonce + 1
        assert update.new_rule == project.DynamicFeePool.at(pool).rule()
        later = agent.step()  # and once more: nothing to do
        assert not later.sent and len(updates(project, controller, pool)) == 1


def test_garbage_answers_to_reads_are_retried_and_a_reorg_is_recovered(setup):
    """A gateway answers HTML to two reads: retried. Then the block with the update is reorged away (anvil
    reverts to a snapshot): the next step sees the old rule and proposes again, and one update stands."""
    from chain import faulty_rpc

    url, model, _, controller, pools = setup
    pool = pools[2 + FAULT_POOLS.index("reorg")]
    lines: list[str] = []
    with faulty_rpc(url) as node, connect(rpc=node.url) as (ape, project):
        agent = fee_agent(ape, project, model, pool, lines)
        node.fail("eth_call", "html", 2)
        before_reorg = rpc(url, "evm_snapshot")
        step = agent.step()
        assert step.sent and sum("RPC error" in line for line in lines) == 2, (lines, step)
        rpc(url, "evm_revert", [before_reorg])
        assert updates(project, controller, pool) == [] and project.DynamicFeePool.at(pool).fee() == 3000
        again = agent.step()
        assert again.sent and again.proven_rule == step.proven_rule
        assert len(updates(project, controller, pool)) == 1
