"""DynamicFeePool's protocol fee switch (Uniswap V2's, in bps of the LP fee growth) and its way into
TrainingRounds: in process with titanoboa, and end to end on anvil through Ape.

With the switch off (the default) the pool behaves as it always did: a Python model of its swaps
(tests/pool_oracle.py) and liquidity formulas predicts every reserve and share. With share s on, the next
liquidity event mints the recipient m = S s (R - L) / (R (BPS - s) + s L) shares (R = sqrt(k) now, L = sqrt(k)
at the last liquidity event, S the supply), checked here against that formula and against what it must mean:
m / (S + m) is s / BPS of the growth (R - L) / R, to the unit. Swaps never read the switch: their gas is the
same with it on or off.
"""

from __future__ import annotations

import functools
import math
import random
from pathlib import Path

import boa
import pytest
from pool_oracle import Oracle

from envs.amm import PoolParams
from envs.fee_rule import FeeRule

ROOT = Path(__file__).resolve().parents[1]
FAR, BPS, MAX_SHARE, MINIMUM_SHARES = 2**63, 10_000, 2_500, 1_000
ZERO = "0x" + "0" * 40
PARAMS = PoolParams()
RULE = FeeRule(3_000, skew_gain=50_000, skew_cap=2_000, skew_tau=600)
R0, R1 = 1_000 * 10**18, 2_000_000 * 10**6


@functools.cache
def _deployers():
    load = boa.load_partial
    return {
        "token": load(str(ROOT / "contracts/testing/TestToken.vy")),
        "pool": load(str(ROOT / "contracts/DynamicFeePool.vy")),
        "controller": load(str(ROOT / "contracts/FeeController.vy")),
    }


def minted_reference(supply: int, share: int, k: int, k_last: int) -> int:
    """The protocol's shares for the growth of sqrt(k) from k_last to k (0 when off or no growth)."""
    root_k, root_last = math.isqrt(k), math.isqrt(k_last)
    if share == 0 or k_last == 0 or root_k <= root_last:
        return 0
    return supply * share * (root_k - root_last) // (root_k * (BPS - share) + share * root_last)


class World:
    """A pool (controlled by an account, or by `controller`) and funded LPs, a trader, a treasury."""

    def __init__(self, controller=None):
        d, env = _deployers(), boa.env
        self.owner, self.lp_a, self.lp_b, self.trader, self.treasury, self.stranger = (
            env.generate_address(n) for n in ("owner", "lp_a", "lp_b", "trader", "treasury", "stranger")
        )
        self.controller = controller or self.owner
        with env.prank(self.owner):
            self.t0 = d["token"].deploy("Token zero", "TK0", 18)
            self.t1 = d["token"].deploy("Token one", "TK1", 6)
            taus = [PARAMS.tau_fast, PARAMS.tau_slow, PARAMS.tau_flow, PARAMS.tau_twap]
            self.pool = d["pool"].deploy(
                self.t0,
                self.t1,
                self.controller,
                RULE.pack(),
                PARAMS.fee_min,
                PARAMS.fee_max,
                PARAMS.fee_max_step,
                taus,
            )
        for who in (self.lp_a, self.lp_b, self.trader):
            for token in (self.t0, self.t1):
                token.mint(who, 10**32, sender=self.owner)
                token.approve(self.pool, 2**256 - 1, sender=who)

    def k(self) -> int:
        return self.pool.reserve0() * self.pool.reserve1()

    def swaps(self, n: int, rng: random.Random):
        for _ in range(n):
            boa.env.time_travel(seconds=rng.choice([0, 12, 60, 600]))
            if rng.random() < 0.5:
                self.pool.swap(True, rng.randint(1, 50) * 10**18, 0, self.trader, FAR, sender=self.trader)
            else:
                self.pool.swap(False, rng.randint(1, 50) * 2_000 * 10**6, 0, self.trader, FAR, sender=self.trader)


@pytest.fixture
def world():
    with boa.env.anchor():
        yield World()


# ---------- off: nothing changes ----------


def test_switch_off_behaves_as_before(world):
    """The default pool, on a random sequence of swaps, deposits (maxima in any proportion) and withdrawals:
    every reserve, share and balance is what the pre-switch formulas give; nothing is minted to anyone else."""
    pool, w, rng = world.pool, world, random.Random(16)
    assert (pool.protocol_recipient(), pool.protocol_share(), pool.k_last()) == (ZERO, 0, 0)
    pool.add_liquidity(R0, R1, 0, FAR, sender=w.lp_a)
    oracle = Oracle(R0, R1, RULE, PARAMS, now=pool.last_ts())
    supply = math.isqrt(R0 * R1)
    held = {w.lp_a: supply - MINIMUM_SHARES, w.lp_b: 0}
    for step in range(60):
        boa.env.time_travel(seconds=rng.choice([0, 1, 12, 600, 3_600]))
        r0, r1, now = oracle.r0, oracle.r1, boa.env.timestamp
        kind = rng.choice(["swap", "swap", "swap", "add", "remove"])
        lp = rng.choice([w.lp_a, w.lp_b])
        if kind == "swap":
            zero_for_one = rng.random() < 0.5
            amount = rng.randint(1, 10**6) * (10**15 if zero_for_one else 10**3)
            out = oracle.swap(zero_for_one, amount, now)[0]
            assert pool.swap(zero_for_one, amount, out, w.trader, FAR, sender=w.trader) == out
        elif kind == "add":
            max0, max1 = rng.randint(1, 10**6) * 10**15, rng.randint(1, 10**6) * 10**3
            shares = min(max0 * supply // r0, max1 * supply // r1)
            used0, used1 = -(-shares * r0 // supply), -(-shares * r1 // supply)
            assert pool.add_liquidity(max0, max1, shares, FAR, sender=lp) == shares
            oracle.r0, oracle.r1, supply, held[lp] = r0 + used0, r1 + used1, supply + shares, held[lp] + shares
        else:
            shares = held[lp] * rng.randint(1, 9) // 10
            if shares == 0:
                continue
            out0, out1 = shares * r0 // supply, shares * r1 // supply
            assert pool.remove_liquidity(shares, out0, out1, FAR, sender=lp) == (out0, out1)
            oracle.r0, oracle.r1, supply, held[lp] = r0 - out0, r1 - out1, supply - shares, held[lp] - shares
        assert (pool.reserve0(), pool.reserve1(), pool.totalSupply()) == (oracle.r0, oracle.r1, supply), step
        assert (pool.balanceOf(w.lp_a), pool.balanceOf(w.lp_b)) == (held[w.lp_a], held[w.lp_b])
        assert pool.epoch() == oracle.epoch and pool.skew() == oracle.skew
        assert pool.k_last() == 0 and pool.balanceOf(w.treasury) == 0
    assert supply == held[w.lp_a] + held[w.lp_b] + MINIMUM_SHARES


def test_swaps_pay_nothing_for_the_switch(world):
    """One swap from one state, with the switch on and off: the same gas, and it changes neither k_last nor
    anyone's shares (only liquidity events settle the protocol's part)."""
    pool, w = world.pool, world
    pool.add_liquidity(R0, R1, 0, FAR, sender=w.lp_a)
    world.swaps(5, random.Random(1))
    gas = {}
    for share in (0, 2_000):
        with boa.env.anchor():
            pool.set_protocol_fee(w.treasury, share, sender=w.controller)
            k_last, supply = pool.k_last(), pool.totalSupply()
            for zero_for_one, amount in ((True, 7 * 10**18), (False, 9_000 * 10**6)):
                pool.swap(zero_for_one, amount, 0, w.trader, FAR, sender=w.trader)
                gas[share, zero_for_one] = pool._computation.get_gas_used()
            assert (pool.k_last(), pool.totalSupply(), pool.balanceOf(w.treasury)) == (k_last, supply, 0)
    assert gas[0, True] == gas[2_000, True] and gas[0, False] == gas[2_000, False], gas


# ---------- on: the protocol's share of the growth ----------


def _check_share(minted: int, supply: int, share: int, k: int, k_last: int):
    """m / (S + m) <= s (R - L) / (BPS R) < (m + 1) / (S + m + 1): the largest whole m whose part of the pool
    is at most s of the growth of sqrt(k)."""
    root_k, root_last = math.isqrt(k), math.isqrt(k_last)
    grown = share * (root_k - root_last)
    assert minted * BPS * root_k <= grown * (supply + minted)
    assert (minted + 1) * BPS * root_k > grown * (supply + minted + 1)


@pytest.mark.parametrize("share", [1, 1_667, MAX_SHARE])
def test_the_next_liquidity_event_mints_the_share_of_the_growth(world, share):
    pool, w, rng = world.pool, world, random.Random(share)
    pool.set_protocol_fee(w.treasury, share, sender=w.controller)
    assert (pool.protocol_recipient(), pool.protocol_share(), pool.k_last()) == (w.treasury, share, 0)
    pool.add_liquidity(R0, R1, 0, FAR, sender=w.lp_a)
    assert pool.k_last() == R0 * R1 and pool.balanceOf(w.treasury) == 0  # the first deposit: nothing grew yet
    for event in ("add", "remove", "add"):
        k_last = pool.k_last()
        world.swaps(25, rng)
        r0, r1, supply, k = pool.reserve0(), pool.reserve1(), pool.totalSupply(), world.k()
        assert pool.k_last() == k_last and k > k_last
        minted = minted_reference(supply, share, k, k_last)
        assert minted > 0
        _check_share(minted, supply, share, k, k_last)
        held = pool.balanceOf(w.treasury)
        if event == "add":
            max0, max1 = 300 * 10**18, 10**13
            new_supply = supply + minted
            shares = min(max0 * new_supply // r0, max1 * new_supply // r1)
            used0, used1 = -(-shares * r0 // new_supply), -(-shares * r1 // new_supply)
            assert pool.add_liquidity(max0, max1, shares, FAR, sender=w.lp_b) == shares
            assert (pool.reserve0(), pool.reserve1()) == (r0 + used0, r1 + used1)
            assert pool.totalSupply() == new_supply + shares
        else:
            new_supply, shares = supply + minted, pool.balanceOf(w.lp_a) // 3
            out0, out1 = shares * r0 // new_supply, shares * r1 // new_supply
            assert pool.remove_liquidity(shares, out0, out1, FAR, sender=w.lp_a) == (out0, out1)
            assert (pool.reserve0(), pool.reserve1()) == (r0 - out0, r1 - out1)
            assert pool.totalSupply() == new_supply - shares
        assert pool.balanceOf(w.treasury) == held + minted
        assert pool.k_last() == world.k()
        # the LPs keep the rest: their part S / (S + m) of R is at least L and (BPS - s) / BPS of the growth,
        # so a share's value in sqrt(k) does not fall with the mint: R / (S + m) >= L / S
        root_k, root_last = math.isqrt(k), math.isqrt(k_last)
        assert supply * root_k * BPS >= (supply + minted) * (root_last * BPS + (BPS - share) * (root_k - root_last))
        assert k * supply**2 >= k_last * (supply + minted) ** 2
    assert pool.totalSupply() == sum(pool.balanceOf(a) for a in (w.lp_a, w.lp_b, w.treasury, ZERO))


def test_only_the_controller_sets_it_within_bounds(world):
    pool, w = world.pool, world
    for who in (w.stranger, w.lp_a, w.treasury):
        with boa.reverts("Unauthorized"):
            pool.set_protocol_fee(w.treasury, 100, sender=who)
    with boa.reverts("BadProtocolFee"):
        pool.set_protocol_fee(w.treasury, MAX_SHARE + 1, sender=w.controller)
    with boa.reverts("BadProtocolFee"):
        pool.set_protocol_fee(ZERO, 1, sender=w.controller)
    assert (pool.protocol_recipient(), pool.protocol_share(), pool.k_last()) == (ZERO, 0, 0)
    pool.set_protocol_fee(w.treasury, MAX_SHARE, sender=w.controller)
    logs = pool.get_logs()
    assert [(type(e).__name__, e.recipient, e.share) for e in logs] == [("ProtocolFeeSet", w.treasury, MAX_SHARE)]
    pool.set_protocol_fee(w.stranger, 0, sender=w.controller)  # off: the recipient is not kept
    assert (pool.protocol_recipient(), pool.protocol_share(), pool.k_last()) == (ZERO, 0, 0)


def test_turning_it_off_or_changing_it_settles_first_then_stops(world):
    pool, w, rng = world.pool, world, random.Random(7)
    pool.add_liquidity(R0, R1, 0, FAR, sender=w.lp_a)
    world.swaps(10, rng)
    pool.set_protocol_fee(w.treasury, 2_000, sender=w.controller)  # growth before the switch is not the protocol's
    assert pool.balanceOf(w.treasury) == 0 and pool.k_last() == world.k()
    world.swaps(10, rng)
    # a new share (and recipient): the growth so far is settled at the old one, to the old recipient
    k_last, supply, k = pool.k_last(), pool.totalSupply(), world.k()
    owed = minted_reference(supply, 2_000, k, k_last)
    pool.set_protocol_fee(w.stranger, 500, sender=w.controller)
    assert owed > 0 and pool.balanceOf(w.treasury) == owed and pool.balanceOf(w.stranger) == 0
    assert pool.k_last() == k
    world.swaps(10, rng)
    k_last, supply, k = pool.k_last(), pool.totalSupply(), world.k()
    owed = minted_reference(supply, 500, k, k_last)
    pool.set_protocol_fee(ZERO, 0, sender=w.controller)
    assert owed > 0 and pool.balanceOf(w.stranger) == owed and pool.k_last() == 0
    # off again: swaps and liquidity events mint nothing more
    supply, protocol = pool.totalSupply(), (pool.balanceOf(w.treasury), pool.balanceOf(w.stranger))
    world.swaps(10, rng)
    shares = pool.add_liquidity(100 * 10**18, 10**12, 0, FAR, sender=w.lp_b)
    pool.remove_liquidity(shares // 2, 0, 0, FAR, sender=w.lp_b)
    assert pool.totalSupply() == supply + shares - shares // 2
    assert (pool.balanceOf(w.treasury), pool.balanceOf(w.stranger)) == protocol and pool.k_last() == 0


# ---------- FeeController passes it through ----------


def test_fee_controller_sets_it_for_a_governed_pool_owner_only():
    d = _deployers()
    with boa.env.anchor():
        owner = boa.env.generate_address("owner")
        with boa.env.prank(owner):
            controller = d["controller"].deploy(60)
        w = World(controller=controller)
        model = b"m".ljust(32, b"\0")
        with boa.reverts("NotGoverned"):
            controller.set_protocol_fee(w.pool, w.treasury, 1_000, sender=owner)
        controller.register_model(model, w.t0, 0, 0, 0, RULE.pack(), [(0, 100, 10_000, True)], sender=owner)
        controller.govern(w.pool, model, sender=owner)
        for who in (w.stranger, w.lp_a, w.treasury):
            with boa.reverts("Unauthorized"):
                controller.set_protocol_fee(w.pool, w.treasury, 1_000, sender=who)
        with boa.reverts("Unauthorized"):  # nor around the controller, nor as the controller's owner
            w.pool.set_protocol_fee(w.treasury, 1_000, sender=owner)
        with boa.reverts("BadProtocolFee"):
            controller.set_protocol_fee(w.pool, w.treasury, MAX_SHARE + 1, sender=owner)
        controller.set_protocol_fee(w.pool, w.treasury, 1_000, sender=owner)
        assert (w.pool.protocol_recipient(), w.pool.protocol_share()) == (w.treasury, 1_000)
        controller.set_protocol_fee(w.pool, ZERO, 0, sender=owner)
        assert (w.pool.protocol_recipient(), w.pool.protocol_share()) == (ZERO, 0)


# ---------- end to end on anvil: swaps -> liquidity event -> TrainingRounds ----------


def test_protocol_shares_fund_training_rounds_on_anvil():
    from chain import deploy_pool, deploy_tokens, fund, local_chain

    from agents.fl.chain_rounds import RoundsParams, deploy_training_rounds
    from agents.fl.protocol_fee import fund_from_pool, protocol_setting

    with local_chain() as (ape, project):
        owner, lp, trader, treasury = ape.accounts.test_accounts[:4]
        t0, t1 = deploy_tokens(ape, project, owner)
        pool = deploy_pool(project, owner, t0, t1, owner, PARAMS, RULE)  # the owner as its controller
        for who in (lp, trader):
            for t in (t0, t1):
                t.mint(who, 10**32, sender=owner)
                t.approve(pool, 2**256 - 1, sender=who)
        fund(owner, (t0, t1), pool)
        rounds = deploy_training_rounds(project, owner, pool, RoundsParams(10**18, 10**15, 10**18))
        pool.set_protocol_fee(treasury, 2_000, sender=owner)
        assert protocol_setting(pool) == (treasury.address, 2_000)
        pool.add_liquidity(R0, R1, 0, FAR, sender=lp)
        assert fund_from_pool(pool, rounds, treasury) == 0  # nothing minted yet, nothing sent
        for i in range(12):
            if i % 2:
                pool.swap(True, 40 * 10**18, 0, trader, FAR, sender=trader)
            else:
                pool.swap(False, 80_000 * 10**6, 0, trader, FAR, sender=trader)
        k_last, supply, k = pool.k_last(), pool.totalSupply(), pool.reserve0() * pool.reserve1()
        expected = minted_reference(supply, 2_000, k, k_last)
        pool.add_liquidity(10 * 10**18, 10**11, 0, FAR, sender=lp)
        assert expected > 0 and pool.balanceOf(treasury) == expected
        pool_before = rounds.reward_pool()
        assert fund_from_pool(pool, rounds, treasury) == expected
        assert rounds.reward_pool() == pool_before + expected
        assert pool.balanceOf(rounds) == expected and pool.balanceOf(treasury) == 0
