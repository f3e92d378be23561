"""DynamicFeePool under attack, on anvil: k and LP share value never fall to a swap, only the controller moves
the fee and only within bounds, reentrancy through a token is refused, and every refusal names its reason."""

import math

import pytest
from chain import FAR, deploy_pool, deploy_tokens, fund, local_chain
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envs.amm import PoolParams
from envs.fee_rule import FeeRule

PARAMS = PoolParams(fee_min=100, fee_max=10_000, fee_max_step=2_500)
R0, R1 = 10**21, 2 * 10**12


@pytest.fixture(scope="module")
def env():
    with local_chain() as (ape, project):
        owner, controller, stranger = ape.accounts.test_accounts[:3]
        t0, t1 = deploy_tokens(ape, project, owner)
        pool = deploy_pool(project, owner, t0, t1, controller, PARAMS, 3000)
        fund(owner, (t0, t1), pool)
        pool.add_liquidity(R0, R1, 0, FAR, sender=owner)
        yield ape, project, pool, (t0, t1), owner, controller, stranger


def share_value(pool) -> float:
    return math.isqrt(pool.reserve0() * pool.reserve1()) / pool.totalSupply()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(swaps=st.lists(st.tuples(st.booleans(), st.integers(10**9, 10**23)), min_size=1, max_size=6))
def test_k_and_share_value_never_fall_to_a_swap(env, swaps):
    ape, _, pool, _, owner, _, _ = env
    snapshot = ape.chain.snapshot()
    try:
        for zero_for_one, amount in swaps:
            k, value = pool.reserve0() * pool.reserve1(), share_value(pool)
            try:
                pool.swap(zero_for_one, amount, 0, owner, FAR, sender=owner)
            except ape.exceptions.ContractLogicError as refused:  # e.g. nothing left to buy: a refusal moves nothing
                assert str(refused) in ("ZeroOutput", "ReserveOverflow")
                assert pool.reserve0() * pool.reserve1() == k
                continue
            assert pool.reserve0() * pool.reserve1() >= k
            assert share_value(pool) >= value
    finally:
        ape.chain.restore(snapshot)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    requests=st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 20_000), st.integers(0, 20_000), st.integers(0, 5000)),
        min_size=1,
        max_size=6,
    )
)
def test_only_the_controller_moves_the_rule_and_only_within_bounds(env, requests):
    """set_rule: the controller only; the base within bounds and the max step; every fee cap within bounds."""
    ape, _, pool, _, owner, controller, stranger = env
    callers = (owner, controller, stranger, controller)
    snapshot = ape.chain.snapshot()
    try:
        for who, base, cap, gain in requests:
            old = FeeRule.unpack(pool.rule())
            rule = FeeRule(base, skew_gain=gain, skew_cap=cap, skew_tau=60)
            caller = callers[who]
            in_bounds = PARAMS.fee_min <= base <= PARAMS.fee_max and cap <= PARAMS.fee_max
            if caller != controller:
                reason = "Unauthorized"
            elif not in_bounds:
                reason = "FeeOutOfBounds"
            elif abs(base - old.base) > PARAMS.fee_max_step:
                reason = "FeeStepTooLarge"
            else:
                receipt = pool.set_rule(rule.pack(), sender=caller)
                event = receipt.decode_logs(pool.RuleChanged)[0]
                assert (event.old_rule, event.new_rule) == (old.pack(), rule.pack())
                continue
            with ape.reverts(reason):
                pool.set_rule(rule.pack(), sender=caller)
            assert pool.rule() == old.pack()
        now = FeeRule.unpack(pool.rule())
        assert PARAMS.fee_min <= now.base <= PARAMS.fee_max and now.skew_cap <= PARAMS.fee_max
        for direction in (True, False):  # whatever the rule, a swap pays a fee within the bounds
            assert PARAMS.fee_min <= pool.fee_for(direction) <= PARAMS.fee_max
    finally:
        ape.chain.restore(snapshot)


def test_named_errors_for_each_refusal(env):
    ape, _, pool, _, owner, _, _ = env
    with ape.reverts("ZeroAmount"):
        pool.swap(True, 0, 0, owner, FAR, sender=owner)
    with ape.reverts("Expired"):
        pool.swap(True, 10**18, 0, owner, 1, sender=owner)
    with ape.reverts("Slippage"):
        pool.swap(True, 10**18, 10**18, owner, FAR, sender=owner)
    with ape.reverts("ZeroOutput"):
        pool.swap(True, 1, 0, owner, FAR, sender=owner)
    with ape.reverts("ReserveOverflow"):
        pool.swap(True, 2**112, 0, owner, FAR, sender=owner)
    with ape.reverts("ZeroAmount"):
        pool.remove_liquidity(0, 0, 0, FAR, sender=owner)


def test_empty_pool_refuses_swaps_and_dust_liquidity(env):
    ape, project, _, (t0, t1), owner, controller, _ = env
    empty = deploy_pool(project, owner, t0, t1, controller, PARAMS, 3000)
    with ape.reverts("ZeroLiquidity"):
        empty.swap(True, 10**18, 0, owner, FAR, sender=owner)
    t0.approve(empty, 2**255, sender=owner)
    t1.approve(empty, 2**255, sender=owner)
    with ape.reverts("ZeroLiquidity"):
        empty.add_liquidity(10, 10, 0, FAR, sender=owner)


def test_liquidity_round_trip_returns_the_pro_rata_reserves(env):
    ape, _, pool, (t0, t1), owner, _, _ = env
    snapshot = ape.chain.snapshot()
    try:
        shares = pool.add_liquidity(10**18, 2 * 10**9, 0, FAR, sender=owner).decode_logs(pool.AddLiquidity)[0].shares
        before = (t0.balanceOf(owner), t1.balanceOf(owner))
        supply, r0, r1 = pool.totalSupply(), pool.reserve0(), pool.reserve1()
        pool.remove_liquidity(shares, 0, 0, FAR, sender=owner)
        assert t0.balanceOf(owner) - before[0] == shares * r0 // supply
        assert t1.balanceOf(owner) - before[1] == shares * r1 // supply
    finally:
        ape.chain.restore(snapshot)


def test_unbalanced_deposits_pull_only_the_proportional_amounts(env):
    """The review's case: 10 of token0 and 30,000 of token1 at a price of 2,000 used to keep the surplus 10,000
    of token1 in the pool. Now only 20,000 are pulled, the event says so, and a round trip loses rounding."""
    ape, _, pool, (t0, t1), owner, _, _ = env
    snapshot = ape.chain.snapshot()
    try:
        before = (t0.balanceOf(owner), t1.balanceOf(owner))
        supply, r0, r1 = pool.totalSupply(), pool.reserve0(), pool.reserve1()
        receipt = pool.add_liquidity(10 * 10**18, 30_000 * 10**6, 0, FAR, sender=owner)
        event = receipt.decode_logs(pool.AddLiquidity)[0]
        assert event.shares == 10 * 10**18 * supply // r0
        assert (event.amount0, event.amount1) == (-(-event.shares * r0 // supply), -(-event.shares * r1 // supply))
        assert abs(event.amount1 - 20_000 * 10**6) <= 1 and event.amount0 <= 10 * 10**18
        assert (before[0] - t0.balanceOf(owner), before[1] - t1.balanceOf(owner)) == (event.amount0, event.amount1)
        assert (pool.reserve0(), pool.reserve1()) == (r0 + event.amount0, r1 + event.amount1)
        pool.remove_liquidity(event.shares, 0, 0, FAR, sender=owner)
        lost = (before[0] - t0.balanceOf(owner), before[1] - t1.balanceOf(owner))
        assert 0 <= lost[0] <= 2 and 0 <= lost[1] <= 2  # rounding, for the pool
    finally:
        ape.chain.restore(snapshot)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(amount0=st.integers(10**15, 10**24), amount1=st.integers(10**6, 10**15))
def test_a_deposit_and_withdrawal_round_trip_loses_at_most_a_share(env, amount0, amount1):
    """Any pair of maxima (from 0.001 to 1e6 of token0 and 1 to 1e9 of token1, the pool holding 1,000 and 2e6)."""
    ape, _, pool, (t0, t1), owner, _, _ = env
    snapshot = ape.chain.snapshot()
    try:
        supply, r0, r1 = pool.totalSupply(), pool.reserve0(), pool.reserve1()
        before = (t0.balanceOf(owner), t1.balanceOf(owner))
        shares = pool.add_liquidity(amount0, amount1, 0, FAR, sender=owner).decode_logs(pool.AddLiquidity)[0].shares
        pool.remove_liquidity(shares, 0, 0, FAR, sender=owner)
        lost = (before[0] - t0.balanceOf(owner), before[1] - t1.balanceOf(owner))
        assert 0 <= lost[0] <= r0 // supply + 2 and 0 <= lost[1] <= r1 // supply + 2
    finally:
        ape.chain.restore(snapshot)


def test_reentrancy_through_a_malicious_token_is_refused(env):
    ape, project, _, (_, t1), owner, controller, _ = env
    evil = project.ReentrantToken.deploy(sender=owner)
    pool = deploy_pool(project, owner, evil, t1, controller, PARAMS, 3000)
    evil.mint(owner, 10**24, sender=owner)
    evil.mint(evil, 10**24, sender=owner)
    evil.approve(pool, 2**255, sender=owner)
    t1.approve(pool, 2**255, sender=owner)
    pool.add_liquidity(R0, R1, 0, FAR, sender=owner)
    state = (pool.reserve0(), pool.reserve1(), pool.epoch())
    evil.arm(pool, sender=owner)
    with pytest.raises(ape.exceptions.ContractLogicError):
        pool.swap(True, 10**18, 0, owner, FAR, sender=owner)
    assert (pool.reserve0(), pool.reserve1(), pool.epoch()) == state
    assert evil.target() == pool.address  # the whole attack was rolled back
