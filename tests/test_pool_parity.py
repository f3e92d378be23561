"""DynamicFeePool.vy on anvil computes exactly what envs/ computes: the fee of each swap from the rule,
reserves, amounts out, fees, the packed accumulators and the features."""

import pytest
from chain import FAR, deploy_pool, deploy_tokens, fund, local_chain
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pool_oracle import rules

from envs.amm import RESERVE_LIMIT, Pool, PoolParams, SwapError
from envs.fee_rule import FeeRule

PARAMS = PoolParams(fee_min=0, fee_max=100_000, fee_max_step=100_000)
R0, R1 = 10**21, 2 * 10**12  # 1,000 WETH and 2M USDT in raw units


@pytest.fixture(scope="module")
def chain_pool():
    with local_chain() as (ape, project):
        owner = ape.accounts.test_accounts[0]
        t0, t1 = deploy_tokens(ape, project, owner)
        pool = deploy_pool(project, owner, t0, t1, owner, PARAMS, 3000)
        fund(owner, (t0, t1), pool)
        pool.add_liquidity(R0, R1, 0, FAR, sender=owner)
        yield ape, pool, owner


amounts = st.one_of(
    st.integers(1, 10**6),  # dust: often a zero output
    st.integers(10**6, 10**20),  # everyday trades
    st.integers(10**20, 2**111),  # huge, up to the reserve bound
)
sequences = st.lists(
    st.tuples(st.booleans(), amounts, st.sampled_from([0, 1, 12, 600, 86_400, 30 * 86_400])), min_size=1, max_size=8
)


def _state(pool) -> dict:
    names = ("var_fast", "var_slow", "flow", "volume", "logp", "logp_twap", "skew", "surge_ts", "epoch")
    return {n: getattr(pool, n)() for n in names}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule=rules(), seq=sequences)
def test_random_rules_and_swap_sequences_match_envs_to_the_unit(chain_pool, rule, seq):
    ape, pool, owner = chain_pool
    snapshot = ape.chain.snapshot()
    try:
        # the controller (here the owner) sets the rule; within one update the base may move by max step
        pool.set_rule(rule.pack(), sender=owner)
        assert FeeRule.unpack(pool.rule()) == rule
        sim = Pool(R0, R1, rule, PARAMS, now=pool.last_ts())
        for zero_for_one, amount, gap in seq:
            ape.chain.pending_timestamp = ape.chain.pending_timestamp + gap
            ts = ape.chain.pending_timestamp
            fee = sim.fee_for(zero_for_one, ts)
            try:
                expected = sim.swap(zero_for_one, amount, ts)
            except SwapError:
                with pytest.raises(ape.exceptions.ContractLogicError):
                    pool.swap(zero_for_one, amount, 0, owner, FAR, sender=owner)
                continue
            receipt = pool.swap(zero_for_one, amount, 0, owner, FAR, sender=owner)
            assert receipt.timestamp == ts
            event = receipt.decode_logs(pool.Swap)[0]
            assert (event.amount_out, event.fee_amount, event.fee) == (*expected, fee)
            assert (pool.reserve0(), pool.reserve1()) == sim.reserves
            state = sim.state
            assert _state(pool) == {k: state[k] for k in _state(pool)}
            assert max(sim.reserves) < RESERVE_LIMIT
        ape.chain.mine(timestamp=ape.chain.pending_timestamp + seq[-1][2])
        now = ape.chain.blocks.head.timestamp
        features, epoch = pool.features()
        assert list(features) == sim.features(now) and epoch == sim.state["epoch"]
        assert [pool.fee_for(d) for d in (True, False)] == [sim.fee_for(d, now) for d in (True, False)]
    finally:
        ape.chain.restore(snapshot)
