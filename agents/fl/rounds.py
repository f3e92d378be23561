"""Federated rounds: clients train from the global policy, attackers craft their updates, the rule aggregates,
evaluators score every update, rewards and slashes follow.

The global policy is held in fixed point (agents/fl/fixed_point.py) and moves by the integer aggregate, so its
every round is the same on every machine. Local training is seeded per (run seed, round, client)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from agents.fl import attacks, rewards
from agents.fl.client import corrupted, local_update
from agents.fl.evaluation import pnl_per_day
from agents.fl.federation import Federation
from agents.fl.fixed_point import check_update, decode, encode
from agents.fl.rules import aggregate
from agents.fl.trainers import LocalTrainer


@dataclass(frozen=True)
class RoundSettings:
    rule: str = "fltrust"
    rule_param: int | None = None
    prestep: str = "none"
    tolerate: int | None = None  # attackers the rule is set to tolerate; None: 30% of the participants
    rounds: int = 8
    epochs: int = 3
    learning_rate: float = 1e-2
    batch_size: int = 128
    budget: int = 1_000 * 10**18  # reward tokens of the epoch (paid at its last round)
    seed: int = 0


@dataclass
class RoundRecord:
    round: int
    global_params: np.ndarray  # int64, the policy the clients trained from
    clients: list[int]  # federation client ids, in the order of the update rows
    updates: np.ndarray  # n x d int64, as revealed
    stakes: list[int]
    aggregate: np.ndarray  # int64
    selected: list[int]
    flagged: list[int]
    scores: list[int]  # per update, after consensus (rewards.SCORE_UNIT)
    evaluator_scores: np.ndarray  # evaluators x n, integers
    rewards: list[int]
    slashed: list[int]  # federation client ids
    rule_seed: int = 0
    reference: np.ndarray | None = None  # FLTrust's root update or clipping's momentum, as used
    info: dict = field(default_factory=dict)


@dataclass
class RunResult:
    params: np.ndarray  # int64, the final global policy
    records: list[RoundRecord] = field(default_factory=list)

    def rewards_by_client(self) -> dict[int, int]:
        total: dict[int, int] = {}
        for r in self.records:
            for c, amount in zip(r.clients, r.rewards, strict=True):
                total[c] = total.get(c, 0) + amount
        return total

    def summed_scores(self) -> dict[int, int]:
        total: dict[int, int] = {}
        for r in self.records:
            for c, v in zip(r.clients, r.scores, strict=True):
                total[c] = total.get(c, 0) + v
        return total

    def slashed(self) -> list[int]:
        return sorted({c for r in self.records for c in r.slashed})


def tolerated(settings: RoundSettings, participants: int) -> int:
    return settings.tolerate if settings.tolerate is not None else (3 * participants) // 10


def run_rounds(
    fed: Federation,
    participants: Sequence[int],
    byzantine: Sequence[int],
    attack: str,
    settings: RoundSettings,
    stakes: Sequence[int] | None = None,
    data_override: dict | None = None,
    score: bool = True,
    progress=None,
    trainer=None,
) -> RunResult:
    """One epoch of rounds with `participants` (federation client ids); those in `byzantine` run `attack`.
    `data_override` replaces clients' tables (client id -> ClientData); without `score` there are no
    evaluations, rewards or score-based slashes (a quicker run for comparing rules). `trainer`: where clients
    train (agents/fl/trainers.py; default this process)."""
    torch.set_num_threads(1)
    participants, bad = list(participants), set(byzantine)
    stakes = list(stakes) if stakes is not None else [fed.stakes[c] for c in participants]
    override = data_override or {}
    data = {c: override[c] if c in override else fed.data[c] for c in participants}
    for c in bad & set(participants):
        if attack == "poison":
            data[c] = corrupted(data[c], "reversed", settings.seed * 31 + c)
    rng = np.random.default_rng(settings.seed)
    f = tolerated(settings, len(participants))
    params = encode(fed.shape.initial(fed.base, settings.seed))
    result = RunResult(params)
    momentum = None
    summed = [0] * len(participants)
    clones: set[int] = set()  # positions that sent a clone's or an outsized update, in any round
    for r in range(settings.rounds):
        updates = _updates(fed, params, participants, bad, attack, data, settings, r, rng, trainer or LocalTrainer())
        reference = _reference(fed, params, settings, r, momentum)
        agg = aggregate(
            settings.rule,
            updates,
            stakes,
            f,
            param=settings.rule_param,
            seed=settings.seed * 7 + r,
            prestep=settings.prestep,
            reference=reference,
        )
        momentum = agg.vector
        clones |= {k for group in agg.info.get("clones", []) for k in group} | set(rewards.outsized(updates))
        evaluator = score_updates(fed, params, updates) if score else np.zeros((1, len(participants)), np.int64)
        _, scores = rewards.consensus(evaluator, [1] * len(evaluator))
        summed = [a + b for a, b in zip(summed, scores, strict=True)]
        last = r == settings.rounds - 1
        slashed = rewards.to_slash(summed if score else [], sorted(clones)) if last else []
        paid = (
            rewards.epoch_rewards(settings.budget, stakes, [0 if k in slashed else v for k, v in enumerate(summed)])
            if last
            else [0] * len(participants)
        )
        result.records.append(
            RoundRecord(
                round=r,
                global_params=params,
                clients=participants,
                updates=updates,
                stakes=stakes,
                aggregate=agg.vector,
                selected=[participants[k] for k in agg.selected],
                flagged=[participants[k] for k in agg.flagged],
                scores=scores,
                evaluator_scores=evaluator,
                rewards=paid,
                slashed=[participants[k] for k in slashed],
                rule_seed=settings.seed * 7 + r,
                reference=reference,
                info=agg.info,
            )
        )
        params = params + agg.vector
        if progress:
            progress(r)
    result.params = params
    return result


def _updates(fed, params, participants, bad, attack, data, settings, r, rng, trainer) -> np.ndarray:
    """This round's updates in participant order: trained from the global policy, then the attackers'."""
    seeds = [settings.seed * 1_000_003 + r * 1_009 + c for c in participants]
    rows = trainer.train(fed.shape, decode(params), [data[c] for c in participants], seeds, settings)
    crafted_for = [k for k, c in enumerate(participants) if c in bad]
    if attack in attacks.MODEL_ATTACKS and crafted_for:
        honest = np.array([rows[k] for k in range(len(rows)) if k not in crafted_for])
        fakes = attacks.crafted(attack, honest, np.array([rows[k] for k in crafted_for]), len(crafted_for), rng)
        for k, fake in zip(crafted_for, fakes, strict=True):
            rows[k] = fake
    return np.array(
        [check_update(encode(u), fed.shape.dims, f"client {c}") for u, c in zip(rows, participants, strict=True)]
    )


def _reference(fed, params, settings, r, momentum):
    """FLTrust's root-shard update (the coordinator trains it), or centered clipping's momentum."""
    if settings.rule == "fltrust":
        g = decode(params)
        return encode(
            local_update(fed.shape, g, fed.root, settings.epochs, settings.learning_rate, settings.batch_size, r)
        )
    if settings.rule == "clip":
        return momentum
    return None


def score_updates(fed: Federation, params: np.ndarray, updates: np.ndarray) -> np.ndarray:
    """Evaluators x updates: how much each update alone improves the policy's hedged PnL (bps per day) in a
    replay of each evaluator's days."""
    scores = []
    for market in fed.evaluator_markets:
        base = pnl_per_day(fed, market, params)
        scores.append([pnl_per_day(fed, market, params + u) - base for u in updates])
    return rewards.integer_scores(np.array(scores))
