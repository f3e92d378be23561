"""Verified fee-rule updates on anvil with real EZKL proofs: FeeController sets a pool's rule only with a proof
that the pool's registered policy, on the pool's own features at a moment the chain fixes, produced it, at most
once per interval, clamped as the simulator clamps; every refusal names its reason."""

from __future__ import annotations

import numpy as np
import pytest
from chain import FAR, deploy_pool, deploy_tokens, fund, local_chain
from zk_policies import volatility_circuit

from agents.zk.prover import prove_fee, verify_locally
from envs.amm import Pool, PoolParams
from envs.fee_rule import FeeRule

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


def proof_now(controller, pool, zk):
    at = controller.expected_at(pool)
    features, epoch = pool.features_at(at)
    return at, epoch, prove_fee(zk, [int(v) for v in features])


def propose(controller, pool, zk, at, epoch, proof, sender, actions=None, model_id=None):
    actions = proof.actions if actions is None else actions
    return controller.propose(pool, model_id or zk.model_id, at, epoch, actions, proof.proof, sender=sender)


def simulated_clamp(pool, rule: FeeRule) -> FeeRule:
    """The clamp of envs/ (the C core) for a pool with this contract's bounds and current rule."""
    params = PoolParams(pool.fee_min(), pool.fee_max(), pool.fee_max_step())
    return Pool(10**21, 10**12, FeeRule.unpack(pool.rule()), params).clamp_rule(rule)


def test_a_valid_proof_changes_the_rule_and_emits_the_update(env, zk):
    ape, _, controller, pool, _, _, stranger = env
    snapshot = ape.chain.snapshot()
    try:
        at, epoch, proof = proof_now(controller, pool, zk)
        old = FeeRule.unpack(pool.rule())
        want = simulated_clamp(pool, proof.rule)
        assert want != old and want.skew_gain == proof.rule.skew_gain > 0
        receipt = propose(controller, pool, zk, at, epoch, proof, stranger)  # anyone may carry the proof
        assert FeeRule.unpack(pool.rule()) == want
        (event,) = receipt.decode_logs(controller.FeeUpdated)
        assert event.model_id.hex() == zk.model_id.removeprefix("0x")
        assert (event.epoch, event.old_fee, event.new_fee) == (epoch, old.base, want.base)
        assert (event.old_rule, event.new_rule) == (old.pack(), want.pack())
        assert controller.last_update(pool) == receipt.timestamp
    finally:
        ape.chain.restore(snapshot)


def refused(ape, reason, fn):
    """fn() reverts with `reason` and moves nothing."""
    with pytest.raises(ape.exceptions.ContractLogicError) as caught:
        fn()
    assert str(caught.value) == reason


@pytest.fixture
def fresh(env):
    """The module's chain, restored after each test. Each starts just after an update interval opens, so the
    moment a proof is about (`expected_at`) cannot move on while a slow machine proves and proposes."""
    ape = env[0]
    snapshot = ape.chain.snapshot()
    interval = int(env[2].min_interval())
    ape.chain.mine(timestamp=(ape.chain.blocks.head.timestamp // interval + 1) * interval + 1)
    yield env
    ape.chain.restore(snapshot)


def test_changed_actions_break_the_proof(fresh, zk):
    ape, _, controller, pool, _, owner, _ = fresh
    at, epoch, proof = proof_now(controller, pool, zk)
    old = pool.rule()
    step = 1 << (zk.out_scale - zk.grid_bits)  # one grid step: still a valid action, another rule
    for i in range(len(proof.actions)):
        shifted = list(proof.actions)
        shifted[i] += step
        refused(ape, "InvalidProof", lambda a=shifted: propose(controller, pool, zk, at, epoch, proof, owner, a))
    refused(ape, "WrongActions", lambda: propose(controller, pool, zk, at, epoch, proof, owner, proof.actions[:1]))
    beyond = [(1 << zk.out_scale) + 1, proof.actions[1]]
    refused(ape, "ActionOutOfRange", lambda: propose(controller, pool, zk, at, epoch, proof, owner, beyond))
    assert pool.rule() == old and controller.last_update(pool) == 0


def test_the_moment_proven_is_fixed_by_the_chain(fresh, zk):
    """The proposer cannot pick the moment its features are read at: any other `at` is stale, and a proof made
    before a swap is stale after it (claiming the new epoch and moment does not help)."""
    ape, _, controller, pool, _, owner, _ = fresh
    at, epoch, proof = proof_now(controller, pool, zk)
    assert at == max(pool.last_ts(), ape.chain.blocks.head.timestamp // 600 * 600)
    for other in (at + 1, at - 1):
        refused(ape, "StaleFeatures", lambda o=other: propose(controller, pool, zk, o, epoch, proof, owner))
    pool.swap(False, 10**9, 0, owner, FAR, sender=owner)
    old = pool.rule()
    refused(ape, "StaleFeatures", lambda: propose(controller, pool, zk, at, epoch, proof, owner))
    now_at = controller.expected_at(pool)
    refused(ape, "InvalidProof", lambda: propose(controller, pool, zk, now_at, epoch + 1, proof, owner))
    assert pool.rule() == old


def test_updates_are_limited_in_time_not_by_swaps(fresh, zk):
    """After an update, a fresh valid proof is refused until min_interval has passed, even when dust swaps
    have opened new epochs; then it goes through. A proof that changes nothing is refused."""
    ape, _, controller, pool, _, owner, _ = fresh
    at, epoch, proof = proof_now(controller, pool, zk)
    propose(controller, pool, zk, at, epoch, proof, owner)
    rule = pool.rule()
    for _ in range(3):
        pool.swap(False, 10**6, 0, owner, FAR, sender=owner)  # dust
    at, epoch, again = proof_now(controller, pool, zk)
    refused(ape, "TooSoon", lambda: propose(controller, pool, zk, at, epoch, again, owner))
    assert pool.rule() == rule
    ape.chain.mine(timestamp=ape.chain.blocks.head.timestamp + controller.min_interval())
    at, epoch, later = proof_now(controller, pool, zk)
    if simulated_clamp(pool, later.rule).pack() == pool.rule():
        refused(ape, "NoChange", lambda: propose(controller, pool, zk, at, epoch, later, owner))
    else:
        propose(controller, pool, zk, at, epoch, later, owner)
        assert pool.rule() == simulated_clamp(pool, later.rule).pack() or pool.rule() != rule


def test_proofs_from_unregistered_or_retired_models_are_refused(fresh, zk):
    ape, _, controller, pool, _, owner, _ = fresh
    at, epoch, proof = proof_now(controller, pool, zk)
    old = pool.rule()
    unknown = "0x" + "ab" * 32
    refused(ape, "UnknownModel", lambda: propose(controller, pool, zk, at, epoch, proof, owner, model_id=unknown))
    # another registered model (same verifier, other id) is not this pool's
    other = "0x" + "cd" * 32
    template, outputs = zk.grid.registration()
    verifier = controller.models(zk.model_id).verifier
    controller.register_model(other, verifier, zk.in_scale, zk.out_scale, zk.grid_bits, template, outputs, sender=owner)
    refused(ape, "WrongModel", lambda: propose(controller, pool, zk, at, epoch, proof, owner, model_id=other))
    receipt = controller.retire_model(zk.model_id, sender=owner)
    assert len(receipt.decode_logs(controller.ModelRetired)) == 1
    refused(ape, "ModelRetired", lambda: propose(controller, pool, zk, at, epoch, proof, owner))
    assert pool.rule() == old


def test_only_the_owner_registers_retires_and_governs_and_bad_rule_maps_are_refused(fresh, zk):
    ape, _, controller, pool, _, owner, stranger = fresh
    verifier = controller.models(zk.model_id).verifier
    template, outputs = zk.grid.registration()
    new_id = "0x" + "11" * 32

    def register(outs, sender=owner):
        return controller.register_model(new_id, verifier, 10, 13, 8, template, outs, sender=sender)

    refused(ape, "Unauthorized", lambda: register(outputs, stranger))
    refused(ape, "Unauthorized", lambda: controller.retire_model(zk.model_id, sender=stranger))
    refused(ape, "Unauthorized", lambda: controller.govern(pool, zk.model_id, sender=stranger))
    refused(ape, "Unauthorized", lambda: controller.set_min_interval(1, sender=stranger))
    refused(ape, "BadRuleMap", lambda: register([(0, 100, 2**20, True)]))  # beyond the field's width
    refused(ape, "BadRuleMap", lambda: register([(1, 0, 4000, True)]))  # a log range from zero
    refused(ape, "BadRuleMap", lambda: register([(0, 100, 200, True), (0, 100, 200, True)]))  # one field twice
    refused(ape, "BadRuleMap", lambda: register([(11, 0, 1, False)]))  # no such field
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


def test_bounds_and_max_step_clamp_a_valid_proof_as_the_simulator_does(fresh, zk):
    """A proven base beyond the pool's highest fee, or further than its max step, is clamped (the simulator's
    clamp, envs/_ammcore.c), not refused: the policy wanting 40 bps from 30 gets 30 + the max step."""
    ape, _, controller, _, _, owner, _ = fresh
    low_cap = pool_with(fresh, zk, PoolParams(fee_min=100, fee_max=2_000, fee_max_step=2_500), 1_500)
    at, epoch, proof = proof_now(controller, low_cap, zk)
    assert verify_locally(zk, proof) and proof.rule.base > 2_000
    want = simulated_clamp(low_cap, proof.rule)
    propose(controller, low_cap, zk, at, epoch, proof, owner)
    assert FeeRule.unpack(low_cap.rule()) == want and want.base == 2_000
    small_step = pool_with(fresh, zk, PoolParams(fee_min=100, fee_max=10_000, fee_max_step=100), 3_000)
    at, epoch, proof = proof_now(controller, small_step, zk)
    assert verify_locally(zk, proof) and proof.rule.base - 3_000 > 100
    want = simulated_clamp(small_step, proof.rule)
    propose(controller, small_step, zk, at, epoch, proof, owner)
    assert FeeRule.unpack(small_step.rule()) == want and want.base == 3_100


def test_pools_the_controller_does_not_govern_are_refused(fresh, zk):
    ape, project, controller, _, (t0, t1), owner, stranger = fresh
    foreign = deploy_pool(project, owner, t0, t1, owner, PARAMS, 3_000)  # its controller is an account
    fund(owner, (t0, t1), foreign)
    foreign.add_liquidity(R0, R1, 0, FAR, sender=owner)
    features, epoch = foreign.features_at(foreign.last_ts())
    proof = prove_fee(zk, [int(v) for v in features])
    refused(ape, "NotGoverned", lambda: propose(controller, foreign, zk, foreign.last_ts(), epoch, proof, stranger))
    refused(ape, "NotController", lambda: controller.govern(foreign, zk.model_id, sender=owner))
    assert foreign.fee() == 3_000


def test_python_and_the_verifier_contract_agree(fresh, zk):
    ape, _, controller, pool, _, owner, _ = fresh
    at, epoch, proof = proof_now(controller, pool, zk)
    # the controller derives exactly the public inputs the prover used
    assert list(controller.public_inputs(pool, zk.model_id, at, proof.actions)) == proof.instances
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


def test_the_contract_maps_every_action_to_the_python_rule_and_clamps_as_the_simulator(fresh, zk):
    _, _, controller, pool, _, _, _ = fresh
    one = 1 << zk.out_scale
    rng = np.random.default_rng(0)
    values = sorted({-one, one, 0, -1, 1} | set(rng.integers(-one, one + 1, 40).tolist()))
    pairs = [[int(a), int(b)] for a, b in zip(values, rng.permutation(values), strict=True)]
    for actions in pairs:
        word = controller.rule_of(zk.model_id, actions)
        assert FeeRule.unpack(word) == zk.grid.rule(actions)
        assert FeeRule.unpack(controller.clamped(pool, word)) == simulated_clamp(pool, zk.grid.rule(actions))
    low, high = zk.grid.rule([-one, -one]), zk.grid.rule([one, one])
    assert (low.base, low.skew_gain, high.base, high.skew_gain) == (100, 0, 10_000, 4000)


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
