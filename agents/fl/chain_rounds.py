"""contracts/TrainingRounds.vy through Ape: deploy it, and the calls of a round with their Merkle work done.

Thin on purpose: each function is one transaction (or one view) of the contract, taking vectors and dicts
where the contract takes roots and proofs. The coordinator and the CLI build on them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from agents.fl.merkle import commitment, rewards_tree, update_tree

RULES = {"mean": 0, "median": 1, "trimmed": 2}  # the rules a dispute recomputes on chain; others audit off chain


@dataclass(frozen=True)
class RoundsParams:
    """The constructor's settings (token units are raw)."""

    min_stake: int
    registration_burn: int
    coordinator_bond: int
    commit_seconds: int = 3_600
    reveal_seconds: int = 3_600
    challenge_seconds: int = 86_400
    exit_delay: int = 86_400


def deploy_training_rounds(project, owner, token, params: RoundsParams, coordinator=None):
    """A TrainingRounds owned by `owner`, coordinated by `coordinator` (default: the owner)."""
    return project.TrainingRounds.deploy(
        token,
        params.min_stake,
        params.registration_burn,
        coordinator or owner,
        params.coordinator_bond,
        params.commit_seconds,
        params.reveal_seconds,
        params.challenge_seconds,
        params.exit_delay,
        sender=owner,
    )


def new_salt() -> bytes:
    return os.urandom(32)


def commit_update(rounds, account, round_id: int, update: Sequence[int], salt: bytes) -> bytes:
    """Commits `account` to `update`; returns the update's root (keep it and the salt for the reveal)."""
    root = update_tree(update).root
    rounds.commit(round_id, commitment(root, salt, account.address), sender=account)
    return root


def reveal_update(rounds, account, round_id: int, root: bytes, salt: bytes):
    return rounds.reveal(round_id, root, salt, sender=account)


def finalize_round(
    rounds, coordinator, round_id: int, aggregate: Sequence[int], rewards: Mapping[str, int], listed=()
) -> dict[str, list[bytes]]:
    """Finalizes with the aggregate's root and a rewards tree of `rewards` ({account: amount}); returns each
    account's proof for its claim."""
    root, proofs = rewards_tree(round_id, rewards)
    total = sum(rewards.values())
    rounds.finalize(round_id, update_tree(aggregate).root, root, total, list(listed), sender=coordinator)
    return proofs


def claim_reward(rounds, account, round_id: int, amount: int, proof: Sequence[bytes]):
    return rounds.claim(round_id, amount, list(proof), sender=account)


def dispute_args(updates: Sequence[Sequence[int] | None], aggregate: Sequence[int], index: int) -> tuple:
    """The arguments of `dispute` for coordinate `index`: `updates` are the revealed updates in reveal order,
    None for a client the coordinator listed (not counted; its entry goes in as 0 with no proof)."""
    values, proofs = [], []
    for update in updates:
        if update is None:
            values.append(0)
            proofs.append([])
        else:
            values.append(int(update[index]))
            proofs.append(update_tree(update).proof(index))
    return index, values, proofs, int(aggregate[index]), update_tree(aggregate).proof(index)


def round_is_final(rounds, round_id: int) -> bool:
    """Whether the round's aggregate may be registered: finalized, undisputed, its challenge window over."""
    return bool(rounds.is_final(round_id))
