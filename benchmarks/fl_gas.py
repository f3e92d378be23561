"""Gas per call of contracts/TrainingRounds.vy in a round of ten participants, against its targets.

On a local anvil: ten participants register and commit to updates of 1,500 values, all reveal, the
coordinator finalizes listing three of them, and after the challenge window the seven others claim by Merkle
proof. Then one round per on-chain rule (mean, median, trimmed mean) with one wrong aggregate coordinate,
disputed successfully with ten proven values. Medians over the calls of each kind (maxima alongside).

    .venv/bin/python benchmarks/fl_gas.py [--strict]

`--strict` exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from chain import local_chain  # noqa: E402

from agents.fl.chain_rounds import (  # noqa: E402
    RULES,
    RoundsParams,
    deploy_training_rounds,
    dispute_args,
    new_salt,
)
from agents.fl.merkle import commitment, rewards_tree, update_tree  # noqa: E402

E18 = 10**18
PEOPLE, LISTED, DIMS = 10, 3, 1_500
PARAMS = RoundsParams(100 * E18, 10 * E18, 1_000 * E18, 60, 60, 120, 0)
TARGETS = {"commit": 60_000, "reveal": 80_000, "finalize": 200_000, "claim": 100_000}
TRIM_BPS = 2_000


def play_round(ape, rounds, coordinator, people, rule_name: str, param: int, rng, gas, wrong: bool) -> None:
    """One round: everyone commits and reveals; the coordinator finalizes listing LISTED of them; then the
    others claim (wrong=False) or a watcher disputes one coordinate (wrong=True)."""
    rule = RULES[rule_name]
    rounds.open_round(b"\x22" * 32, rule, param, DIMS, sender=coordinator)
    r = rounds.current_round()
    updates = {who: [rng.randint(-(2**40), 2**40) for _ in range(DIMS)] for who in people}
    trees = {who: update_tree(u) for who, u in updates.items()}
    salts = {who: new_salt() for who in people}
    for who in people:
        tx = rounds.commit(r, commitment(trees[who].root, salts[who], who.address), sender=who)
        gas["commit"].append(tx.gas_used)
    ape.chain.mine(deltatime=PARAMS.commit_seconds + 1)
    for who in people:
        gas["reveal"].append(rounds.reveal(r, trees[who].root, salts[who], sender=who).gas_used)
    ape.chain.mine(deltatime=PARAMS.reveal_seconds + 1)
    listed, counted = people[:LISTED], people[LISTED:]
    aggregate = [0] * DIMS  # the coordinator's claimed aggregate: its value only matters at the disputed index
    order = [rounds.revealer(r, k)[0] for k in range(len(people))]
    by_address = {who.address: who for who in people}
    if wrong:
        index = 7
        xs = [updates[by_address[a]][index] for a in order if by_address[a] in counted]
        ws = [rounds.revealer(r, k)[1] for k, a in enumerate(order) if by_address[a] in counted]
        aggregate[index] = rounds.aggregate(rule, param, xs, ws) + 1
    rewards = {who.address: (k + 1) * E18 for k, who in enumerate(counted)}
    reward_root, proofs = rewards_tree(r, rewards)
    tx = rounds.finalize(r, update_tree(aggregate).root, reward_root, sum(rewards.values()), listed, sender=coordinator)
    gas["finalize"].append(tx.gas_used)
    if wrong:
        updates_in_order = [None if by_address[a] in listed else updates[by_address[a]] for a in order]
        tx = rounds.dispute(r, *dispute_args(updates_in_order, aggregate, index), sender=coordinator)
        gas[f"dispute ({rule_name})"].append(tx.gas_used)
        rounds.post_bond(PARAMS.coordinator_bond, sender=coordinator)
        return
    ape.chain.mine(deltatime=PARAMS.challenge_seconds + 1)
    for who in counted:
        gas["claim"].append(rounds.claim(r, rewards[who.address], proofs[who.address], sender=who).gas_used)
    rounds.release_bond(r, sender=coordinator)
    for who in listed:  # slashed: back in with fresh stake for the next round
        rounds.settle(who, sender=coordinator)
        rounds.add_stake(PARAMS.min_stake, sender=who)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    rng = random.Random(5)
    gas: dict[str, list[int]] = {k: [] for k in ("register", "commit", "reveal", "finalize", "claim")}
    for name in RULES:
        gas[f"dispute ({name})"] = []
    with local_chain() as (ape, project):
        from ape.logging import logger

        logger.set_level("WARNING")  # no line per transaction
        owner = ape.accounts.test_accounts[0]
        people = [ape.accounts.test_accounts.generate_test_account() for _ in range(PEOPLE)]
        for who in people:
            owner.transfer(who, 10 * E18)
        token = project.TestToken.deploy("Stake", "STK", 18, sender=owner)
        rounds = deploy_training_rounds(project, owner, token, PARAMS)
        for who in [owner, *people]:
            token.mint(who, 100_000 * E18, sender=owner)
            token.approve(rounds, 2**256 - 1, sender=who)
        rounds.post_bond(PARAMS.coordinator_bond, sender=owner)
        rounds.fund(1_000 * E18, sender=owner)
        for who in people:
            gas["register"].append(rounds.register(PARAMS.min_stake, sender=who).gas_used)
        print(f"{PEOPLE} participants, updates of {DIMS} values, {LISTED} listed at finalize", flush=True)
        play_round(ape, rounds, owner, people, "median", 0, rng, gas, wrong=False)
        for rule_name, param in (("mean", 0), ("median", 0), ("trimmed", TRIM_BPS)):
            play_round(ape, rounds, owner, people, rule_name, param, rng, gas, wrong=True)
    missed = []
    for call, values in gas.items():
        med = statistics.median(values)
        line = f"{call:<18} median {med:>9,.0f} gas  max {max(values):>9,} ({len(values)} calls)"
        if call in TARGETS:
            ratio = max(values) / TARGETS[call]
            line += f"  max/target {ratio:.2f} (target <= {TARGETS[call]:,})"
            if ratio > 1:
                missed.append(call)
        print(line)
    if missed:
        print(f"targets missed: {', '.join(missed)}")
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
