"""Verified fee updates on anvil with real EZKL proofs: FeeController accepts a fee only with a proof that the
pool's registered policy, on the pool's own features, produced it; every refusal names its reason."""

from __future__ import annotations

import numpy as np
import pytest
from chain import FAR, deploy_pool, deploy_tokens, fund, local_chain
from zk_policies import volatility_circuit

from agents.zk.prover import prove_fee, verify_locally
from envs.amm import PoolParams

PARAMS = PoolParams(fee_min=100, fee_max=10_000, fee_max_step=2_500)
R0, R1 = 10**21, 2 * 10**12  # 1,000 WETH and 2,000,000 USDT: 2,000 USDT per WETH


@pytest.fixture(scope="module")
def zk(tmp_path_factory):
    return volatility_circuit(tmp_path_factory.mktemp("zk"))


@pytest.fixture(scope="module")
def env(zk):
    from agents.zk.registry import deploy_controller, register_model

    with local_chain() as (ape, project):
        owner, stranger = ape.accounts.test_accounts[:2]
        t0, t1 = deploy_tokens(ape, project, owner)
        controller = deploy_controller(project, owner)
        pool = deploy_pool(project, owner, t0, t1, controller, PARAMS, 3000)
        fund(owner, (t0, t1), pool)
        pool.add_liquidity(R0, R1, 0, FAR, sender=owner)
        register_model(ape, project, owner, "local", zk, controller.address, (pool.address,))
        for zero_for_one, amount in ((True, 10**18), (False, 3 * 10**9), (True, 5 * 10**17)):
            pool.swap(zero_for_one, amount, 0, owner, FAR, sender=owner)
        yield ape, project, controller, pool, (t0, t1), owner, stranger


def proof_now(ape, pool, zk):
    at = ape.chain.blocks.head.timestamp
    features, epoch = pool.features_at(at)
    return at, epoch, prove_fee(zk, [int(v) for v in features])


def propose(controller, pool, zk, at, epoch, proof, sender, fee=None, action=None, model_id=None):
    return controller.propose(
        pool,
        model_id or zk.model_id,
        at,
        epoch,
        proof.action if action is None else action,
        proof.fee if fee is None else fee,
        proof.proof,
        sender=sender,
    )


def test_a_valid_proof_changes_the_fee_and_emits_the_update(env, zk):
    ape, _, controller, pool, _, _, stranger = env
    snapshot = ape.chain.snapshot()
    try:
        at, epoch, proof = proof_now(ape, pool, zk)
        old = pool.fee()
        assert proof.fee != old
        receipt = propose(controller, pool, zk, at, epoch, proof, stranger)  # anyone may carry the proof
        assert pool.fee() == proof.fee
        (event,) = receipt.decode_logs(controller.FeeUpdated)
        assert event.model_id.hex() == zk.model_id.removeprefix("0x")
        assert (event.epoch, event.old_fee, event.new_fee, event.action) == (epoch, old, proof.fee, proof.action)
    finally:
        ape.chain.restore(snapshot)


def refused(ape, reason, fn):
    """fn() reverts with `reason` and moves nothing."""
    with pytest.raises(ape.exceptions.ContractLogicError) as caught:
        fn()
    assert str(caught.value) == reason


@pytest.fixture
def fresh(env):
    """The module's chain, restored after each test."""
    ape = env[0]
    snapshot = ape.chain.snapshot()
    yield env
    ape.chain.restore(snapshot)


def test_a_fee_one_unit_off_the_proven_one_is_refused(fresh, zk):
    ape, _, controller, pool, _, owner, _ = fresh
    at, epoch, proof = proof_now(ape, pool, zk)
    old = pool.fee()
    for fee in (proof.fee - 1, proof.fee + 1):
        refused(ape, "FeeMismatch", lambda fee=fee: propose(controller, pool, zk, at, epoch, proof, owner, fee=fee))
    # moving the action too (to keep the fee on the grid) breaks the proof instead
    shifted = proof.action + (1 << (zk.out_scale - zk.fee_bits))
    refused(
        ape,
        "InvalidProof",
        lambda: propose(controller, pool, zk, at, epoch, proof, owner, action=shifted, fee=zk.grid.fee(shifted)),
    )
    assert pool.fee() == old and controller.updated_epoch(pool) == 0


def test_a_proof_on_features_from_before_a_swap_is_stale(fresh, zk):
    ape, _, controller, pool, _, owner, _ = fresh
    at, epoch, proof = proof_now(ape, pool, zk)
    pool.swap(False, 10**9, 0, owner, FAR, sender=owner)
    old = pool.fee()
    refused(ape, "StaleFeatures", lambda: propose(controller, pool, zk, at, epoch, proof, owner))
    # claiming the new epoch does not help: the proof opens to the old features
    now = ape.chain.blocks.head.timestamp
    refused(ape, "InvalidProof", lambda: propose(controller, pool, zk, now, epoch + 1, proof, owner))
    assert pool.fee() == old


def test_a_second_update_in_the_same_epoch_is_a_replay(fresh, zk):
    ape, _, controller, pool, _, owner, _ = fresh
    at, epoch, proof = proof_now(ape, pool, zk)
    propose(controller, pool, zk, at, epoch, proof, owner)
    fee = pool.fee()
    refused(ape, "AlreadyUpdated", lambda: propose(controller, pool, zk, at, epoch, proof, owner))
    _, _, again = proof_now(ape, pool, zk)  # a fresh, valid proof in the same epoch
    refused(ape, "AlreadyUpdated", lambda: propose(controller, pool, zk, at, epoch, again, owner))
    assert pool.fee() == fee


def test_proofs_from_unregistered_or_retired_models_are_refused(fresh, zk):
    ape, _, controller, pool, _, owner, _ = fresh
    at, epoch, proof = proof_now(ape, pool, zk)
    old = pool.fee()
    unknown = "0x" + "ab" * 32
    refused(ape, "UnknownModel", lambda: propose(controller, pool, zk, at, epoch, proof, owner, model_id=unknown))
    # another registered model (same verifier, other id) is not this pool's
    other = "0x" + "cd" * 32
    controller.register_model(
        other,
        controller.models(zk.model_id).verifier,
        zk.in_scale,
        zk.out_scale,
        zk.fee_bits,
        zk.fee_lo,
        zk.fee_hi,
        sender=owner,
    )
    refused(ape, "WrongModel", lambda: propose(controller, pool, zk, at, epoch, proof, owner, model_id=other))
    receipt = controller.retire_model(zk.model_id, sender=owner)
    assert len(receipt.decode_logs(controller.ModelRetired)) == 1
    refused(ape, "ModelRetired", lambda: propose(controller, pool, zk, at, epoch, proof, owner))
    assert pool.fee() == old


def test_only_the_owner_registers_retires_and_governs(fresh, zk):
    ape, _, controller, pool, _, _, stranger = fresh
    verifier = controller.models(zk.model_id).verifier
    refused(
        ape,
        "Unauthorized",
        lambda: controller.register_model("0x" + "11" * 32, verifier, 10, 10, 8, 100, 10_000, sender=stranger),
    )
    refused(ape, "Unauthorized", lambda: controller.retire_model(zk.model_id, sender=stranger))
    refused(ape, "Unauthorized", lambda: controller.govern(pool, zk.model_id, sender=stranger))
    assert not controller.models(zk.model_id).retired


def pool_with(env, zk, params, fee):
    """Another pool under the controller and the model, with its own bounds, after the same swaps."""
    ape, project, controller, _, (t0, t1), owner, _ = env
    pool = deploy_pool(project, owner, t0, t1, controller, params, fee)
    fund(owner, (t0, t1), pool)
    pool.add_liquidity(R0, R1, 0, FAR, sender=owner)
    controller.govern(pool, zk.model_id, sender=owner)
    for zero_for_one, amount in ((True, 10**18), (False, 3 * 10**9), (True, 5 * 10**17)):
        pool.swap(zero_for_one, amount, 0, owner, FAR, sender=owner)
    return pool


def test_bounds_and_max_step_hold_even_with_a_valid_proof(fresh, zk):
    ape, _, controller, _, _, owner, _ = fresh
    low_cap = pool_with(fresh, zk, PoolParams(fee_min=100, fee_max=2_000, fee_max_step=2_500), 1_500)
    at, epoch, proof = proof_now(ape, low_cap, zk)
    assert verify_locally(zk, proof) and proof.fee > 2_000
    refused(ape, "FeeOutOfBounds", lambda: propose(controller, low_cap, zk, at, epoch, proof, owner))
    small_step = pool_with(fresh, zk, PoolParams(fee_min=100, fee_max=10_000, fee_max_step=100), 3_000)
    at, epoch, proof = proof_now(ape, small_step, zk)
    assert verify_locally(zk, proof) and abs(proof.fee - 3_000) > 100
    refused(ape, "FeeStepTooLarge", lambda: propose(controller, small_step, zk, at, epoch, proof, owner))
    assert (low_cap.fee(), small_step.fee()) == (1_500, 3_000)


def test_pools_the_controller_does_not_govern_are_refused(fresh, zk):
    ape, project, controller, _, (t0, t1), owner, stranger = fresh
    foreign = deploy_pool(project, owner, t0, t1, owner, PARAMS, 3_000)  # its controller is an account
    fund(owner, (t0, t1), foreign)
    foreign.add_liquidity(R0, R1, 0, FAR, sender=owner)
    at, epoch, proof = proof_now(ape, foreign, zk)
    refused(ape, "NotGoverned", lambda: propose(controller, foreign, zk, at, epoch, proof, stranger))
    refused(ape, "NotController", lambda: controller.govern(foreign, zk.model_id, sender=owner))
    assert foreign.fee() == 3_000


def test_python_and_the_verifier_contract_agree(fresh, zk):
    ape, _, controller, pool, _, owner, _ = fresh
    at, epoch, proof = proof_now(ape, pool, zk)
    # the controller derives exactly the public inputs the prover used
    assert list(controller.public_inputs(pool, zk.model_id, at, proof.action)) == proof.instances
    verifier = controller.models(zk.model_id).verifier
    from agents.zk.registry import verifier_container

    contract = verifier_container(zk).at(verifier)
    tampered = list(proof.instances)
    tampered[1] += 1  # one quantum of volatility
    for instances in (proof.instances, tampered):
        local = verify_locally(zk, proof, instances)
        try:
            onchain = bool(contract.verifyProof.call(proof.proof, instances))
        except ape.exceptions.ContractLogicError:
            onchain = False
        assert local == onchain == (instances == proof.instances)


def test_the_contract_maps_every_action_to_the_python_fee(fresh, zk):
    _, _, controller, _, _, _, _ = fresh
    one = 1 << zk.out_scale
    actions = sorted({-one, one, 0, -1, 1} | set(np.random.default_rng(0).integers(-one, one + 1, 40).tolist()))
    assert [controller.fee_of(zk.model_id, a) for a in actions] == [zk.grid.fee(a) for a in actions]
    assert zk.grid.fee(-one) == zk.fee_lo and zk.grid.fee(one) == zk.fee_hi


def test_the_proving_key_is_rebuilt_from_the_srs_and_a_foreign_srs_is_refused(zk, tmp_path):
    import shutil

    from agents.zk.circuit import ZkBuildError, ZkModel, ensure_proving_key
    from agents.zk.ezkl_calls import call

    copy = tmp_path / "zk"
    shutil.copytree(zk.folder, copy, ignore=shutil.ignore_patterns("pk.key"))
    rebuilt = ZkModel.load(copy)
    assert ensure_proving_key(rebuilt).is_file()
    (copy / "pk.key").unlink()
    call("gen_srs", str(copy / "kzg.srs"), zk.logrows)  # someone else's SRS
    with pytest.raises(ZkBuildError, match="not the one"):
        ensure_proving_key(rebuilt)
    assert not (copy / "pk.key").exists()
