"""Rewards from measured contribution, Yuma-style, in integers so anyone can recompute them.

Every evaluator scores every update: how much it improves the round's global policy on the evaluator's own
days, by replay (agents/fl/evaluation.py), in millionths. Per update, the consensus is the stake-weighted
median of the evaluators' scores; each evaluator's score is clipped at that consensus (an evaluator that
inflates a friend moves nothing), and an update's score is the stake-weighted mean of the clipped scores.

The rounds of an epoch settle together at its last round: each client's score is summed over the epoch, the
epoch's budget is paid in proportion to stake x max(summed score, 0), and a client whose summed score falls
below minus SLASH_MARGIN x the best summed score is slashed, as is every clone (an update identical to another
client's) and every outsized update (a norm beyond NORM_MARGIN x the round's median norm: the norm bound of
Sun et al. 2019; scored as sent, a scaled update in the right direction can look helpful early on) of any round.
An honest client whose data disagrees with the evaluators' days (another regime, other weeks) can score below
zero, but not far beyond what the best honest client adds; a sign-flipping, scaling or poisoned update, built to
undo the honest ones, scores several times farther. The margin is relative so that it holds whatever the units
and the epoch's length; a round in which nothing helps (best score <= 0) slashes no one on scores."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from agents.fl.fixed_point import tdiv

SCORE_UNIT = 1_000_000  # scores are integers: millionths of the evaluator's value unit
SLASH_MARGIN = 2
NORM_MARGIN = 10


def integer_scores(scores: np.ndarray) -> np.ndarray:
    """Float scores (evaluators x clients) as integers in SCORE_UNIT."""
    return np.rint(np.asarray(scores, dtype=np.float64) * SCORE_UNIT).astype(np.int64)


def _weighted_median(values: Sequence[int], weights: Sequence[int]) -> int:
    order = sorted(range(len(values)), key=lambda k: (values[k], k))
    total, cum = sum(weights), 0
    for pos, k in enumerate(order):
        cum += weights[k]
        if 2 * cum >= total:
            if 2 * cum == total and pos < len(order) - 1:
                return tdiv(values[k] + values[order[pos + 1]], 2)
            return values[k]
    raise ValueError("no evaluators")


def consensus(scores: np.ndarray, evaluator_stakes: Sequence[int]) -> tuple[list[int], list[int]]:
    """(consensus per update, the update's score: stake-weighted mean of evaluator scores clipped at it)."""
    scores = np.asarray(scores, dtype=np.int64)
    if scores.shape[0] != len(evaluator_stakes) or any(s <= 0 for s in evaluator_stakes):
        raise ValueError("one positive stake per evaluator")
    total = sum(int(s) for s in evaluator_stakes)
    cons, final = [], []
    for i in range(scores.shape[1]):
        column = [int(v) for v in scores[:, i]]
        c = _weighted_median(column, evaluator_stakes)
        cons.append(c)
        final.append(tdiv(sum(int(w) * min(v, c) for v, w in zip(column, evaluator_stakes, strict=True)), total))
    return cons, final


def epoch_rewards(budget: int, stakes: Sequence[int], scores: Sequence[int]) -> list[int]:
    """The budget split in proportion to stake x max(score, 0), rounded down (the rest stays in the pool)."""
    weights = [int(s) * max(int(v), 0) for s, v in zip(stakes, scores, strict=True)]
    total = sum(weights)
    return [budget * w // total if total else 0 for w in weights]


def outsized(updates: np.ndarray) -> list[int]:
    """Positions whose update's norm exceeds NORM_MARGIN x the round's median norm (integers throughout)."""
    norms = [math.isqrt(sum(int(v) * int(v) for v in row)) for row in np.asarray(updates)]
    median = sorted(norms)[len(norms) // 2]
    return [i for i, n in enumerate(norms) if n > NORM_MARGIN * median]


def to_slash(scores: Sequence[int], clones: Sequence[int]) -> list[int]:
    """Clients (positions) to slash: the clones and outsized, and summed scores below -SLASH_MARGIN x the best."""
    best = max((int(v) for v in scores), default=0)
    worse = [i for i, v in enumerate(scores) if best > 0 and int(v) < -SLASH_MARGIN * best]
    return sorted(set(worse) | set(clones))
