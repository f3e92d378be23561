"""contracts/TrainingRounds.vy: the rounds of federated training on chain, with agents/fl/merkle.py's trees.

In process with titanoboa: a round of ten participants (one never reveals, one reveals what it did not
commit), the coordinator's finalization with a rewards tree and a listed attacker, disputes that win (a wrong
aggregate coordinate under each on-chain rule, a malformed value counted) and disputes refused, claims,
slashes, exits, a lapsed round, and every refused call with its named error and nothing changed. The
contract's rules are held to the integer definitions below on random inputs. One test runs the happy path
on anvil through Ape and agents/fl/chain_rounds.py, so the real toolchain compiles it.

Why this module is long: one contract's whole life (register to claim, disputes, every refusal with the
state unchanged) and the reference of its on-chain rules, together."""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field
from pathlib import Path

import boa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.fl.chain_rounds import RULES, dispute_args
from agents.fl.fixed_point import MAX_ABS, tdiv
from agents.fl.merkle import commitment, depth, rewards_tree, update_tree, verify_reward, verify_update

ROOT = Path(__file__).resolve().parents[1]
E18 = 10**18
MIN_STAKE, BURN, BOND = 100 * E18, 10 * E18, 1_000 * E18
COMMIT_S, REVEAL_S, CHALLENGE_S, EXIT_S = 3_600, 3_600, 86_400, 7_200
DIMS = 20
POOL = 1_000 * E18
MODEL = b"\x11" * 32


# ---------- the integer rules, as defined for the contract and agents/fl/rules.py ----------


def reference(rule: int, param: int, xs: list[int], ws: list[int]) -> int:
    """mean, median and trimmed mean of xs weighted by ws, exactly as the contract defines them."""
    total = sum(ws)
    if rule == RULES["mean"]:
        return tdiv(sum(w * x for w, x in zip(ws, xs, strict=True)), total)
    order = sorted(range(len(xs)), key=lambda k: (xs[k], k))
    x, w = [xs[k] for k in order], [ws[k] for k in order]
    cum = [sum(w[: k + 1]) for k in range(len(w))]
    if rule == RULES["median"]:
        k = next(k for k, c in enumerate(cum) if 2 * c >= total)
        return tdiv(x[k] + x[k + 1], 2) if 2 * cum[k] == total and k < len(x) - 1 else x[k]
    trim = total * param // 10_000
    kept = [max(0, min(cum[k], total - trim) - max(cum[k - 1] if k else 0, trim)) for k in range(len(x))]
    return tdiv(sum(c * v for c, v in zip(kept, x, strict=True)), total - 2 * trim)


def test_reference_on_hand_worked_cases():
    """The reference itself, on cases worked by hand."""
    assert reference(0, 0, [-7, 2], [1, 2]) == -1  # -3 / 3
    assert reference(0, 0, [-7, 1], [1, 1]) == -3  # -6 / 2, toward zero: -3
    assert reference(0, 0, [-8, 1], [1, 1]) == -3  # -7 / 2 = -3.5 -> -3
    assert reference(1, 0, [5, 1, 3], [1, 1, 1]) == 3
    assert reference(1, 0, [5, -2], [1, 1]) == 1  # an even split: the two middle values' mean, toward zero
    assert reference(1, 0, [5, -2], [1, 3]) == -2
    assert reference(2, 2_500, [0, 10, 20, 1_000], [1, 1, 1, 1]) == 15  # one of four trimmed each side
    assert reference(2, 1_000, [0, 10], [9, 1]) == 0  # weight 10, trim 1 each side: 8 * 0 / 8


@functools.cache
def _deployers():
    return {
        "token": boa.load_partial(str(ROOT / "contracts/testing/TestToken.vy")),
        "rounds": boa.load_partial(str(ROOT / "contracts/TrainingRounds.vy")),
    }


@pytest.fixture(scope="module")
def rules_contract():
    """Deployed outside any test (titanoboa rolls back what a test or a hypothesis example deploys)."""
    token = _deployers()["token"].deploy("Stake", "STK", 18)
    return _deployers()["rounds"].deploy(token, 1, 0, boa.env.generate_address(), 1, 1, 1, 1, 0)


values = st.integers(-MAX_ABS, MAX_ABS)
weights = st.integers(1, 2**96 - 1)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(
    st.sampled_from([0, 1, 2]),
    st.integers(0, 4_999),
    st.lists(
        st.tuples(st.one_of(values, st.integers(-3, 3)), st.one_of(weights, st.integers(1, 4))), min_size=1, max_size=64
    ),
)
def test_contract_rules_match_reference(rules_contract, rule, param, pairs):
    """Every on-chain rule gives the reference's value to the unit (ties and small weights drawn often)."""
    xs, ws = [x for x, _ in pairs], [w for _, w in pairs]
    assert rules_contract.aggregate(rule, param, xs, ws) == reference(rule, param, xs, ws)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(
    st.integers(0, 4_999),
    st.lists(st.one_of(weights, st.integers(1, 4)), min_size=1, max_size=64),
    st.randoms(use_true_random=False),
)
def test_contract_rules_match_agents_fl_rules(rules_contract, param, ws, rng):
    """The contract and the coordinator's aggregation (agents/fl/rules.py) agree on every coordinate."""
    import numpy as np

    from agents.fl import rules

    small = rng.random() < 0.5  # many ties
    matrix = np.array(
        [[rng.randint(-3, 3) if small else rng.randint(-MAX_ABS, MAX_ABS) for _ in range(3)] for _ in ws],
        dtype=np.int64,
    )
    python = {
        RULES["mean"]: rules.weighted_mean(matrix, ws),
        RULES["median"]: rules.weighted_median(matrix, ws),
        RULES["trimmed"]: rules.weighted_trimmed_mean(matrix, ws, param),
    }
    for rule, column_values in python.items():
        for j, expected in enumerate(column_values):
            assert rules_contract.aggregate(rule, param, [int(x) for x in matrix[:, j]], ws) == int(expected)


# ---------- a round ----------


@dataclass
class World:
    token: object
    rounds: object
    owner: str
    coordinator: str
    people: list[str]
    funder: str
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    roots: dict = field(default_factory=dict)
    salts: dict = field(default_factory=dict)
    updates: dict = field(default_factory=dict)

    def open(self, rule: int, param: int = 0) -> int:
        return self.rounds.open_round(MODEL, rule, param, DIMS, sender=self.coordinator)

    def commit(self, who: str, round_id: int, update=None) -> None:
        update = update or [self.rng.randint(-(2**30), 2**30) for _ in range(DIMS)]
        salt = self.rng.randbytes(32)
        self.updates[who], self.salts[who], self.roots[who] = update, salt, update_tree(update).root
        self.rounds.commit(round_id, commitment(self.roots[who], salt, who), sender=who)

    def reveal(self, who: str, round_id: int) -> None:
        self.rounds.reveal(round_id, self.roots[who], self.salts[who], sender=who)

    def snapshot(self, *extra: str) -> tuple:
        """Everything a refused call must leave as it was."""
        accounts = [*self.people, self.coordinator, self.funder, *extra]
        rounds = self.rounds
        last = rounds.current_round()
        return (
            [self.token.balanceOf(a) for a in [rounds.address, *accounts]],
            [tuple(rounds.participant(a)) for a in accounts],
            [tuple(rounds.round_info(r)) for r in range(1, last + 1)],
            rounds.reward_pool(),
            rounds.burned(),
            rounds.slashed_total(),
            rounds.bond_of(self.coordinator),
            last,
            rounds.coordinator(),
        )

    def refused(self, error: str, call, *extra: str) -> None:
        before = self.snapshot(*extra)
        with boa.reverts(error):
            call()
        assert self.snapshot(*extra) == before


def world(people: int = 10) -> World:
    deployers = _deployers()
    owner, coordinator, funder = (boa.env.generate_address() for _ in range(3))
    with boa.env.prank(owner):
        token = deployers["token"].deploy("Stake", "STK", 18)
        rounds = deployers["rounds"].deploy(
            token, MIN_STAKE, BURN, coordinator, BOND, COMMIT_S, REVEAL_S, CHALLENGE_S, EXIT_S
        )
    accounts = [boa.env.generate_address() for _ in range(people)]
    for who in [*accounts, coordinator, funder]:
        token.mint(who, 10_000 * E18)
        token.approve(rounds, 2**256 - 1, sender=who)
    rounds.post_bond(BOND, sender=coordinator)
    rounds.fund(POOL, sender=funder)
    for k, who in enumerate(accounts):
        rounds.register(MIN_STAKE + k * E18, sender=who)
    return World(token, rounds, owner, coordinator, accounts, funder)


def stake(w: World, who: str) -> int:
    return w.rounds.participant(who)[0]


def counted_in_reveal_order(w: World, round_id: int, listed=()) -> tuple[list[str], list]:
    """The revealers in reveal order, and their updates (None where listed)."""
    n = w.rounds.round_info(round_id)[5]
    order = [w.rounds.revealer(round_id, k)[0] for k in range(n)]
    return order, [None if who in listed else w.updates[who] for who in order]


def aggregate_of(w: World, round_id: int, rule: int, param: int, listed=()) -> list[int]:
    order, updates = counted_in_reveal_order(w, round_id, listed)
    xs_ws = [(u, w.rounds.revealer(round_id, k)[1]) for k, u in enumerate(updates) if u is not None]
    return [reference(rule, param, [u[i] for u, _ in xs_ws], [wt for _, wt in xs_ws]) for i in range(DIMS)]


def run_to_finalize(w: World, rule: int, param: int = 0):
    """Round 1: all ten commit; people[8] reveals a root it did not commit (refused) and then nothing;
    people[9] never reveals; the other eight reveal in a shuffled order."""
    r = w.open(rule, param)
    for who in w.people:
        w.commit(who, r)
    boa.env.time_travel(seconds=COMMIT_S + 1)
    revealers = w.people[:8]
    w.rng.shuffle(revealers)
    for who in revealers:
        w.reveal(who, r)
    liar = w.people[8]
    w.refused(
        "CommitmentMismatch", lambda: w.rounds.reveal(r, update_tree([1] * DIMS).root, w.salts[liar], sender=liar)
    )
    boa.env.time_travel(seconds=REVEAL_S)
    return r


def test_full_round_with_claims_slashes_and_exits():
    w = world()
    rule = RULES["median"]
    r = run_to_finalize(w, rule)
    info = w.rounds.round_info(r)
    assert (info[0], info[4], info[5]) == (1, 10, 8)  # open, ten committed, eight revealed
    for k in range(8):
        who, weight, root = w.rounds.revealer(r, k)
        assert root == w.roots[who] and weight == stake(w, who)
    attacker = w.people[0]
    aggregate = aggregate_of(w, r, rule, 0, listed=[attacker])
    honest = [p for p in w.people[:8] if p != attacker]
    rewards = {who: (k + 1) * E18 for k, who in enumerate(honest)}
    reward_root, proofs = rewards_tree(r, rewards)
    total = sum(rewards.values())
    w.rounds.finalize(r, update_tree(aggregate).root, reward_root, total, [attacker], sender=w.coordinator)
    assert w.rounds.reward_pool() == POOL - total
    assert not w.rounds.is_final(r)

    # a dispute of a correct coordinate is refused; so is one with a forged proof
    _, updates = counted_in_reveal_order(w, r, [attacker])
    args = dispute_args(updates, aggregate, 3)
    w.refused("AggregateCorrect", lambda: w.rounds.dispute(r, *args, sender=w.funder))
    index, vals, prfs, agg_value, agg_proof = args
    w.refused("BadProof", lambda: w.rounds.dispute(r, index, vals, prfs, agg_value + 1, agg_proof, sender=w.funder))
    forged = next(k for k, u in enumerate(updates) if u is not None)
    bad_vals = [v + (k == forged) for k, v in enumerate(vals)]
    w.refused("BadProof", lambda: w.rounds.dispute(r, index, bad_vals, prfs, agg_value, agg_proof, sender=w.funder))
    w.refused(
        "WrongValueCount", lambda: w.rounds.dispute(r, index, vals[1:], prfs[1:], agg_value, agg_proof, sender=w.funder)
    )
    w.refused("BadIndex", lambda: w.rounds.dispute(r, DIMS, vals, prfs, agg_value, agg_proof, sender=w.funder))

    # the no-shows are slashed once the reveal phase is over; anyone may apply it
    silent, liar = w.people[9], w.people[8]
    due = stake(w, silent) + stake(w, liar)
    w.rounds.settle(silent, sender=w.funder)
    w.rounds.settle(liar, sender=w.funder)
    assert stake(w, silent) == stake(w, liar) == 0 and w.rounds.slashed_total() == due
    assert w.rounds.reward_pool() == POOL - total + due
    # the listed attacker: pending during the window (it may not commit to the next round), slashed once final
    before = stake(w, attacker)
    w.rounds.settle(attacker)
    assert stake(w, attacker) == before > 0
    w.rounds.post_bond(BOND, sender=w.coordinator)
    r2 = w.open(RULES["mean"])
    w.refused("SlashPending", lambda: w.rounds.commit(r2, b"\x01" * 32, sender=attacker))
    w.refused("StakeTooLow", lambda: w.rounds.commit(r2, b"\x01" * 32, sender=silent))  # slashed to nothing
    w.commit(honest[2], r2)
    assert w.rounds.participant(honest[2])[2] == r2
    w.refused("ChallengeOpen", lambda: w.rounds.claim(r, rewards[honest[0]], proofs[honest[0]], sender=honest[0]))

    boa.env.time_travel(seconds=CHALLENGE_S + 1)
    assert w.rounds.is_final(r)
    w.refused("ChallengeClosed", lambda: w.rounds.dispute(r, *dispute_args(updates, aggregate, 3), sender=w.funder))
    w.rounds.settle(attacker)
    assert stake(w, attacker) == 0 and w.rounds.slashed_total() == due + before

    # claims by proof; not twice, not with a wrong amount or someone else's proof
    for who in honest:
        assert verify_reward(reward_root, r, who, rewards[who], proofs[who])
        paid = w.token.balanceOf(who)
        w.rounds.claim(r, rewards[who], proofs[who], sender=who)
        assert w.token.balanceOf(who) == paid + rewards[who]
    who = honest[0]
    w.refused("AlreadyClaimed", lambda: w.rounds.claim(r, rewards[who], proofs[who], sender=who))
    w.refused("BadProof", lambda: w.rounds.claim(r, rewards[who], proofs[who], sender=w.people[9]))
    assert w.rounds.round_info(r)[13] == total  # all claimed

    # exits: after the delay, the stake (not the burn) comes back; a slashed participant gets nothing
    who = honest[1]
    w.rounds.request_exit(sender=who)
    w.refused("ExitDelay", lambda: w.rounds.withdraw(sender=who))
    w.refused("Exiting", lambda: w.rounds.add_stake(E18, sender=who))
    boa.env.time_travel(seconds=EXIT_S)
    balance, staked = w.token.balanceOf(who), stake(w, who)
    w.rounds.withdraw(sender=who)
    assert w.token.balanceOf(who) == balance + staked and not w.rounds.participant(who)[3]
    w.rounds.request_exit(sender=silent)
    boa.env.time_travel(seconds=EXIT_S)
    balance = w.token.balanceOf(silent)
    w.rounds.withdraw(sender=silent)
    assert w.token.balanceOf(silent) == balance
    assert w.rounds.burned() == 10 * BURN
    # the contract holds exactly stakes + burns + pool + unclaimed rewards + bonds
    stakes = sum(stake(w, p) for p in w.people)
    assert w.token.balanceOf(w.rounds) == stakes + 10 * BURN + w.rounds.reward_pool() + 2 * BOND
    # round 1's bond comes back once the round is final; round 2 was never finalized: its bond is forfeit
    w.rounds.release_bond(r)
    assert w.rounds.bond_of(w.coordinator) == BOND
    pool = w.rounds.reward_pool()
    w.rounds.release_bond(r2)
    assert w.rounds.reward_pool() == pool + BOND and w.rounds.bond_of(w.coordinator) == BOND
    w.refused("NoBond", lambda: w.rounds.release_bond(r))


@pytest.mark.parametrize("rule_name, param", [("mean", 0), ("median", 0), ("trimmed", 2_000)])
def test_a_wrong_aggregate_coordinate_loses_the_bond(rule_name, param):
    w = world()
    rule = RULES[rule_name]
    r = run_to_finalize(w, rule, param)
    attacker = w.people[2]
    aggregate = aggregate_of(w, r, rule, param, listed=[attacker])
    aggregate[5] += 1  # off by one unit at one coordinate
    w.rounds.finalize(r, update_tree(aggregate).root, b"\x01" * 32, 50 * E18, [attacker], sender=w.coordinator)
    _, updates = counted_in_reveal_order(w, r, [attacker])
    w.refused("AggregateCorrect", lambda: w.rounds.dispute(r, *dispute_args(updates, aggregate, 4), sender=w.funder))
    balance = w.token.balanceOf(w.funder)
    w.rounds.dispute(r, *dispute_args(updates, aggregate, 5), sender=w.funder)
    assert w.token.balanceOf(w.funder) == balance + BOND
    info = w.rounds.round_info(r)
    assert info[0] == 3 and not info[15]  # disputed, bond gone
    assert w.rounds.reward_pool() == POOL  # the allotment returns
    w.refused("AlreadyDisputed", lambda: w.rounds.dispute(r, *dispute_args(updates, aggregate, 5), sender=w.funder))
    boa.env.time_travel(seconds=CHALLENGE_S + 1)
    assert not w.rounds.is_final(r)
    w.refused("RoundDisputed", lambda: w.rounds.claim(r, E18, [], sender=w.people[0]))
    # the list is void: the attacker keeps its stake and may withdraw it
    staked = stake(w, attacker)
    w.rounds.settle(attacker)
    assert stake(w, attacker) == staked > 0 and not w.rounds.participant(attacker)[5]
    w.refused("NoBond", lambda: w.rounds.release_bond(r))


def test_a_counted_malformed_value_wins_a_dispute():
    """A client's value beyond +-2**47 that the coordinator counted: the dispute succeeds whatever the
    aggregate (the coordinator should have refused the update and listed the client)."""
    w = world(people=3)
    r = w.open(RULES["mean"])
    w.commit(w.people[0], r, [MAX_ABS + 1] * DIMS)
    w.commit(w.people[1], r)
    boa.env.time_travel(seconds=COMMIT_S + 1)
    w.reveal(w.people[0], r)
    w.reveal(w.people[1], r)
    boa.env.time_travel(seconds=REVEAL_S)
    aggregate = [0] * DIMS
    w.rounds.finalize(r, update_tree(aggregate).root, b"\x01" * 32, 0, [], sender=w.coordinator)
    w.rounds.dispute(r, *dispute_args([w.updates[w.people[0]], w.updates[w.people[1]]], aggregate, 0), sender=w.funder)
    assert w.rounds.round_info(r)[0] == 3


def test_a_round_never_finalized_lapses():
    w = world(people=2)
    r = w.open(RULES["mean"])
    w.commit(w.people[0], r)
    boa.env.time_travel(seconds=COMMIT_S + 1)
    w.reveal(w.people[0], r)
    w.rounds.request_exit(sender=w.people[0])
    boa.env.time_travel(seconds=EXIT_S)  # past the exit delay and the reveal phase
    w.refused("StakeLocked", lambda: w.rounds.withdraw(sender=w.people[0]))
    w.refused("RoundInProgress", lambda: w.open(RULES["mean"]))
    w.refused("BondLocked", lambda: w.rounds.release_bond(r))
    boa.env.time_travel(seconds=CHALLENGE_S)
    w.refused("RoundLapsed", lambda: w.rounds.finalize(r, b"\x01" * 32, b"\x01" * 32, 0, [], sender=w.coordinator))
    w.rounds.withdraw(sender=w.people[0])
    w.rounds.release_bond(r)
    assert w.rounds.reward_pool() == POOL + BOND and w.rounds.bond_of(w.coordinator) == 0
    assert not w.rounds.is_final(r)
    w.refused("BondTooLow", lambda: w.open(RULES["mean"]))


def test_refused_calls_name_their_error_and_change_nothing():
    w = world(people=4)
    a, b, c, d = w.people
    stranger = boa.env.generate_address()
    w.token.mint(stranger, 1_000 * E18)
    w.token.approve(w.rounds, 2**256 - 1, sender=stranger)
    rr = w.rounds

    w.refused("StakeTooLow", lambda: rr.register(MIN_STAKE - 1, sender=stranger), stranger)
    w.refused("StakeTooLarge", lambda: rr.register(2**96, sender=stranger), stranger)
    w.refused("AlreadyRegistered", lambda: rr.register(MIN_STAKE, sender=a))
    w.refused("NotRegistered", lambda: rr.add_stake(E18, sender=stranger), stranger)
    w.refused("ZeroAmount", lambda: rr.add_stake(0, sender=a))
    w.refused("NotCoordinator", lambda: rr.open_round(MODEL, 0, 0, DIMS, sender=a))
    w.refused("BadDims", lambda: rr.open_round(MODEL, 0, 0, 0, sender=w.coordinator))
    w.refused("BadDims", lambda: rr.open_round(MODEL, 0, 0, 2**16 + 1, sender=w.coordinator))
    w.refused("BadRuleParam", lambda: rr.open_round(MODEL, 2, 5_000, DIMS, sender=w.coordinator))
    w.refused("CommitClosed", lambda: rr.commit(1, b"\x01" * 32, sender=a))
    w.refused("Unauthorized", lambda: rr.set_coordinator(a, sender=a))

    r = w.open(RULES["trimmed"], 1_000)
    assert r == 1 and rr.round_info(r)[9] == MODEL
    w.refused("RoundInProgress", lambda: w.open(RULES["mean"]))
    w.refused("RoundInProgress", lambda: rr.set_coordinator(a, sender=w.owner))
    w.refused("NotRegistered", lambda: rr.commit(r, b"\x01" * 32, sender=stranger), stranger)
    w.refused("EmptyCommitment", lambda: rr.commit(r, b"\x00" * 32, sender=a))
    w.commit(a, r)
    w.refused("AlreadyCommitted", lambda: rr.commit(r, b"\x02" * 32, sender=a))
    rr.request_exit(sender=d)
    w.refused("Exiting", lambda: rr.commit(r, b"\x02" * 32, sender=d))
    w.refused("Exiting", lambda: rr.request_exit(sender=d))
    w.refused("NotExiting", lambda: rr.withdraw(sender=c))
    w.commit(b, r)
    w.refused("RevealNotOpen", lambda: w.reveal(a, r))
    w.refused("NotCoordinator", lambda: rr.finalize(r, b"\x01" * 32, b"\x01" * 32, 0, [], sender=a))
    w.refused("RevealNotOver", lambda: rr.finalize(r, b"\x01" * 32, b"\x01" * 32, 0, [], sender=w.coordinator))
    boa.env.time_travel(seconds=COMMIT_S + 1)
    w.refused("CommitClosed", lambda: rr.commit(r, b"\x01" * 32, sender=c))
    w.refused("NotCommitted", lambda: rr.reveal(r, b"\x01" * 32, b"\x01" * 32, sender=c))
    w.refused("CommitmentMismatch", lambda: rr.reveal(r, w.roots[a], w.salts[b], sender=a))
    w.reveal(a, r)
    w.refused("AlreadyRevealed", lambda: w.reveal(a, r))
    w.refused("NotFinalized", lambda: rr.dispute(r, 0, [0], [[]], 0, [], sender=c))
    boa.env.time_travel(seconds=REVEAL_S)
    w.refused("RevealClosed", lambda: w.reveal(b, r))  # late
    root = update_tree([0] * DIMS).root
    w.refused("RewardsBeyondPool", lambda: rr.finalize(r, root, root, POOL + 1, [], sender=w.coordinator))
    w.refused("NotARevealer", lambda: rr.finalize(r, root, root, 0, [b], sender=w.coordinator))
    w.refused("DuplicateSlash", lambda: rr.finalize(r, root, root, 0, [a, a], sender=w.coordinator))
    w.refused("NoSuchRound", lambda: rr.finalize(r + 1, root, root, 0, [], sender=w.coordinator))
    w.refused("NotFinalized", lambda: rr.claim(r, 0, [], sender=a))
    rewards = {a: 5 * E18}
    reward_root, proofs = rewards_tree(r, rewards)
    w.rounds.finalize(r, root, reward_root, 4 * E18, [], sender=w.coordinator)  # allots less than the tree
    w.refused("ChallengeOpen", lambda: rr.claim(r, 5 * E18, proofs[a], sender=a))
    w.refused("AlreadyFinalized", lambda: rr.finalize(r, root, root, 0, [], sender=w.coordinator))
    w.refused("BadProof", lambda: rr.dispute(r, 0, [0], [[]], 0, update_tree([0] * DIMS).proof(0), sender=c))
    boa.env.time_travel(seconds=CHALLENGE_S + 1)
    w.refused("ChallengeClosed", lambda: rr.dispute(r, 0, [0], [[]], 0, [], sender=c))
    w.refused("RewardsExhausted", lambda: rr.claim(r, 5 * E18, proofs[a], sender=a))
    w.refused("NotFinalized", lambda: rr.claim(r + 1, 0, [], sender=a))
    w.refused("ZeroAmount", lambda: rr.fund(0, sender=w.funder))
    w.refused("BondTooLow", lambda: rr.withdraw_bond(1, sender=w.funder))


def test_a_rule_audited_off_chain_cannot_be_disputed_on_chain():
    w = world(people=1)
    who = w.people[0]
    r = w.open(7)
    w.commit(who, r)
    boa.env.time_travel(seconds=COMMIT_S + 1)
    w.reveal(who, r)
    boa.env.time_travel(seconds=REVEAL_S)
    aggregate = [1] * DIMS
    w.rounds.finalize(r, update_tree(aggregate).root, b"\x01" * 32, 0, [], sender=w.coordinator)
    w.refused(
        "RuleNotCheckable", lambda: w.rounds.dispute(r, *dispute_args([w.updates[who]], aggregate, 0), sender=w.funder)
    )


def test_stake_added_mid_round_keeps_the_committed_weight():
    w = world(people=1)
    who = w.people[0]
    r = w.open(RULES["mean"])
    w.commit(who, r)
    w.rounds.add_stake(50 * E18, sender=who)
    boa.env.time_travel(seconds=COMMIT_S + 1)
    w.reveal(who, r)
    assert w.rounds.revealer(r, 0)[1] == MIN_STAKE and stake(w, who) == MIN_STAKE + 50 * E18


def test_merkle_trees_match_the_rules_the_contract_checks():
    """Python's verify functions accept exactly the proofs of their tree, and the proofs have the depth the
    contract requires."""
    rng = random.Random(3)
    for dims in (1, 2, 3, 1_500):
        v = [rng.randint(-MAX_ABS, MAX_ABS) for _ in range(dims)]
        tree = update_tree(v)
        for i in {0, dims // 2, dims - 1}:
            proof = tree.proof(i)
            assert len(proof) == depth(dims) and verify_update(tree.root, dims, i, v[i], proof)
            assert not verify_update(tree.root, dims, i, v[i] + 1, proof)
            assert not verify_update(tree.root, dims, i, v[i], proof + [b"\x00" * 32])


# ---------- on anvil, through Ape ----------


def test_happy_path_on_anvil():
    from chain import local_chain

    from agents.fl.chain_rounds import (
        RoundsParams,
        claim_reward,
        commit_update,
        deploy_training_rounds,
        finalize_round,
        new_salt,
        reveal_update,
        round_is_final,
    )

    params = RoundsParams(MIN_STAKE, BURN, BOND, 60, 60, 120, 0)
    with local_chain() as (ape, project):
        owner, *people = ape.accounts.test_accounts[:4]
        token = project.TestToken.deploy("Stake", "STK", 18, sender=owner)
        rounds = deploy_training_rounds(project, owner, token, params)
        for who in [owner, *people]:
            token.mint(who, 10_000 * E18, sender=owner)
            token.approve(rounds, 2**256 - 1, sender=who)
        rounds.post_bond(BOND, sender=owner)
        rounds.fund(POOL, sender=owner)
        updates = {who: [k + 1] * DIMS for k, who in enumerate(people)}
        for who in people:
            rounds.register(MIN_STAKE, sender=who)
        rounds.open_round(MODEL, RULES["median"], 0, DIMS, sender=owner)
        r = rounds.current_round()
        salts = {who: new_salt() for who in people}
        roots = {who: commit_update(rounds, who, r, updates[who], salts[who]) for who in people}
        ape.chain.mine(deltatime=61)
        for who in people:
            reveal_update(rounds, who, r, roots[who], salts[who])
        ape.chain.mine(deltatime=61)
        rewards = {who.address: 10 * E18 for who in people}
        proofs = finalize_round(rounds, owner, r, [2] * DIMS, rewards)
        assert not round_is_final(rounds, r)
        ape.chain.mine(deltatime=121)
        assert round_is_final(rounds, r)
        for who in people:
            before = token.balanceOf(who)
            claim_reward(rounds, who, r, 10 * E18, proofs[who.address])
            assert token.balanceOf(who) == before + 10 * E18
        assert rounds.round_info(r).aggregate_root == update_tree([2] * DIMS).root
