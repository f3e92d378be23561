"""DynamicFeeHook's own guards, in titanoboa with v4-core's PoolManager: who may create pools on it and which
pools, where it may live, who may change a rule, and the controller's refusals of hook pools it does not govern.
(The controller's state machine, tests/test_controller_state_machine.py, runs the proposals and the attacker's
direct calls against the hook.)"""

from __future__ import annotations

import math

import boa
import pytest
from v4_world import DYNAMIC_FEE_FLAG, Q96, TICK_SPACING, deploy_hook, v4_world, vyper

from envs.amm import PoolParams
from envs.fee_rule import FeeRule

PARAMS = PoolParams()
SQRT_PRICE = math.isqrt(2 * 10**12 * Q96**2 // 10**21)


@pytest.fixture(scope="module")
def world():
    with boa.env.anchor():
        yield v4_world(FeeRule(3000), PARAMS, SQRT_PRICE, 10**16)


@pytest.fixture
def w(world):
    with boa.env.anchor():
        yield world


def test_only_the_owner_creates_pools_and_only_dynamic_fee_pools_with_this_hook(w):
    stranger = boa.env.generate_address("stranger")
    other = (*w.key[:3], 2 * TICK_SPACING, w.key[4])
    with boa.env.prank(stranger), pytest.raises(boa.BoaError) as refused:
        w.pm.initialize(other, SQRT_PRICE)
    assert "DynamicFeeHook.beforeInitialize" in str(refused.value) and "<Unauthorized>" in str(refused.value)
    static = (*w.key[:2], 3000, TICK_SPACING, w.key[4])
    with boa.env.prank(w.owner), pytest.raises(boa.BoaError) as refused:
        w.pm.initialize(static, SQRT_PRICE)
    assert "<NotDynamicFee>" in str(refused.value)
    with boa.env.prank(w.owner):
        w.pm.initialize(other, SQRT_PRICE)  # the owner's dynamic-fee pool: accepted, starts at the initial rule
    assert w.hook.rule(w.hook.pool_id(other)) == FeeRule(3000).pack() and other[2] == DYNAMIC_FEE_FLAG


def test_the_hook_lives_only_at_an_address_with_its_permission_bits(w):
    with boa.reverts("HookAddressNotValid"):
        deploy_hook(w.pm, w.controller, w.owner, FeeRule(3000), PARAMS, at="0x" + "5a" * 18 + "20c1")
    with boa.reverts("HookAddressNotValid"):
        vyper("contracts/DynamicFeeHook.vy").deploy(
            w.pm.address, w.controller, w.owner, 3000, 0, 10_000, 2_500, [60, 3600, 600, 600]
        )


def test_only_the_controller_sets_a_rule_within_bounds_and_step_of_a_known_pool(w):
    rule = FeeRule(3500).pack()
    for who in (w.owner, w.trader, boa.env.generate_address("stranger")):
        with boa.env.prank(who), boa.reverts("Unauthorized"):
            w.hook.set_rule(w.pool_id, rule)
    with boa.env.prank(w.controller):
        with boa.reverts("UnknownPool"):
            w.hook.set_rule(b"\1" * 32, rule)
        with boa.reverts("FeeStepTooLarge"):
            w.hook.set_rule(w.pool_id, FeeRule(3000 + PARAMS.fee_max_step + 1).pack())
        with boa.reverts("FeeOutOfBounds"):
            w.hook.set_rule(w.pool_id, FeeRule(PARAMS.fee_max + 1).pack())
        w.hook.set_rule(w.pool_id, rule)
    assert w.hook.rule(w.pool_id) == rule and w.hook.fee_for(w.pool_id, True) == 3500
    for view in (w.hook.rule, w.hook.epoch, w.hook.last_ts, w.hook.features):
        with boa.reverts("UnknownPool"):
            view(b"\1" * 32)


def test_the_controller_refuses_hook_pools_it_does_not_govern_or_that_do_not_exist(w):
    controller = vyper("contracts/FeeController.vy").deploy(60)
    hook = deploy_hook(w.pm, controller.address, w.owner, FeeRule(3000), PARAMS, at="0x" + "6b" * 18 + "20c0")
    key = (*w.key[:4], hook.address)
    with boa.env.prank(w.owner):
        w.pm.initialize(key, SQRT_PRICE)
    verifier = vyper("tests/boa/PolicyVerifier.vy").deploy([[0] * 8] * 4, [0] * 4, 0, 1 << 10)
    model = b"A".ljust(32, b"\0")
    controller.register_model(model, verifier, 10, 10, 6, 3000, [(0, 100, 10_000, True)])
    with boa.reverts("UnknownPool"):
        controller.govern(hook.address, model, b"\1" * 32)
    with boa.reverts("NotController"):
        controller.govern(w.hook.address, model, w.pool_id)  # the other hook's controller is not this one
    pool_id = hook.pool_id(key)
    with boa.reverts("NotGoverned"):
        controller.propose(hook.address, model, hook.last_ts(pool_id), 0, [0], b"", pool_id)
    controller.govern(hook.address, model, pool_id)
    assert controller.pool_model(hook.address, pool_id) == model and controller.pool_model(hook.address) == bytes(32)
