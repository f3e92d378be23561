"""The robust aggregation rules of agents/fl/rules.py: each against its paper's formula written out here, against
Flower 1.12's strategy functions where flwr is importable, bit-identical across processes, robust to the usual
attacks, invariant to stake splitting, flagging clones, refusing malformed input.

Why this module is long: every rule against its paper, Flower, attacks, splitting and refusals, side by side."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from agents.fl.fixed_point import MAX_ABS, MalformedUpdate
from agents.fl.rules import (
    RULES,
    aggregate,
    permutation,
    weighted_mean,
    weighted_median,
    weighted_trimmed_mean,
)

ROOT = Path(__file__).resolve().parents[1]


def _updates(n, d, seed=0, scale=2**30):
    return np.random.default_rng(seed).integers(-scale, scale, (n, d))


def _trunc(x) -> np.ndarray:
    return np.trunc(np.asarray(x, dtype=np.float64)).astype(np.int64)


def _exact_sq(a, b) -> int:
    return sum(int(v) ** 2 for v in np.asarray(a, dtype=object) - np.asarray(b, dtype=object))


def _tdiv(a: int, b: int) -> int:
    return abs(a) // b * (1 if a >= 0 else -1)


# ---- the column-wise rules against their definitions ----------------------------------------------------------


def _expanded(matrix, stakes):
    """Each row repeated stake times: a weighted statistic is the plain one of this multiset."""
    return np.repeat(matrix, stakes, axis=0)


def test_mean_median_trimmed_match_the_multiset_definitions():
    x = _updates(9, 40, seed=1)
    x[3] = x[5]  # ties
    stakes = [3, 1, 4, 1, 5, 9, 2, 6, 5]
    big = _expanded(x, stakes).astype(object)
    total = sum(stakes)
    mean = [_tdiv(int(v), total) for v in big.sum(axis=0)]
    assert weighted_mean(x, stakes).tolist() == mean
    assert weighted_median(x, stakes).tolist() == _trunc(np.median(big.astype(np.float64), axis=0)).tolist()
    for beta in (0, 1000, 2500, 4999):
        cut = total * beta // 10000
        kept = np.sort(big.astype(np.int64), axis=0)[cut : total - cut].astype(object)
        expected = [_tdiv(int(v), total - 2 * cut) for v in kept.sum(axis=0)]
        assert weighted_trimmed_mean(x, stakes, beta).tolist() == expected
        assert aggregate("trimmed", x, stakes, 1, param=beta).vector.tolist() == expected


def test_median_definition_on_an_even_split_and_a_half():
    x = np.array([[1], [4], [10], [-3]])
    assert weighted_median(x, [1, 1, 1, 1]).tolist() == [2]  # (1 + 4) / 2 = 2.5 toward zero
    assert weighted_median(-x, [1, 1, 1, 1]).tolist() == [-2]
    assert weighted_median(x, [1, 1, 2, 1]).tolist() == [4]  # sorted stakes 1,1,1,2: c=3 is the first 2c >= 5
    assert weighted_median(x, [2, 1, 1, 2]).tolist() == [1]  # sorted stakes 2,2,1,1: 2c=8 > 6, no averaging
    assert weighted_median(np.array([[5], [7]]), [1, 1]).tolist() == [6]


def test_default_trim_covers_f_over_n():
    x = _updates(10, 30, seed=2)
    got = aggregate("trimmed", x, [1] * 10, 3)
    assert got.info["trim_bps"] == 3000
    assert got.vector.tolist() == weighted_trimmed_mean(x, [1] * 10, 3000).tolist()
    assert aggregate("trimmed", x, [1] * 9 + [2], 3).info["trim_bps"] == 3000


# ---- Krum family and the rest against the papers' formulas (equal stakes) ----------------------------------


def _krum_scores(x, f, rows):
    k = max(1, len(rows) - f - 2)
    return {i: sum(sorted(_exact_sq(x[i], x[j]) for j in rows if j != i)[:k]) for i in rows}


def _best(scores, m):
    return sorted(scores, key=lambda i: (scores[i], i))[:m]


def test_krum_and_multikrum_match_blanchard():
    x, f = _updates(11, 25, seed=3), 2
    scores = _krum_scores(x, f, list(range(11)))
    got = aggregate("krum", x, [1] * 11, f)
    assert got.vector.tolist() == x[_best(scores, 1)[0]].tolist()
    assert got.selected == _best(scores, 1) and got.weights == [1]
    for m in (None, 4):
        best = sorted(_best(scores, 11 - f if m is None else m))
        expected = [_tdiv(int(v), len(best)) for v in x[best].astype(object).sum(axis=0)]
        got = aggregate("multikrum", x, [1] * 11, f, param=m)
        assert got.vector.tolist() == expected and got.selected == best


def test_bulyan_matches_el_mhamdi():
    x, f = _updates(11, 40, seed=4), 2
    rows, chosen = list(range(11)), []
    for _ in range(11 - 2 * f):
        best = _best(_krum_scores(x, f, rows), 1)[0]
        chosen.append(best)
        rows.remove(best)
    sel = x[chosen].astype(np.float64)
    beta = len(chosen) - 2 * f
    closest = np.argsort(np.abs(sel - np.median(sel, axis=0)), axis=0)[:beta]
    expected = np.take_along_axis(sel, closest, axis=0).mean(axis=0)
    got = aggregate("bulyan", x, [1] * 11, f)
    assert np.abs(got.vector - expected).max() <= 1
    assert got.info["krum_selected"] == sorted(chosen)


def test_centered_clipping_matches_karimireddy():
    x = _updates(9, 30, seed=5, scale=2**26)
    start = _updates(1, 30, seed=6, scale=2**24)[0]
    v = start.astype(np.float64)
    for _ in range(3):
        z = x - v
        norms = np.linalg.norm(z, axis=1)
        tau = np.median(norms)
        v = v + (z * np.minimum(1.0, tau / norms)[:, None]).mean(axis=0)
    got = aggregate("clip", x, [1] * 9, 2, reference=start)
    assert np.abs(got.vector - v).max() <= 8


def test_fltrust_matches_cao():
    x = _updates(8, 30, seed=7, scale=2**26)
    server = _updates(1, 30, seed=8, scale=2**26)[0]
    stakes = [1, 2, 3, 1, 2, 3, 1, 2]
    xf, r = x.astype(np.float64), server.astype(np.float64)
    trust = np.maximum(0.0, xf @ r / (np.linalg.norm(xf, axis=1) * np.linalg.norm(r)))
    rescaled = xf * (np.linalg.norm(r) / np.linalg.norm(xf, axis=1))[:, None]
    weight = trust * np.array(stakes)
    expected = (weight[:, None] * rescaled).sum(axis=0) / weight.sum()
    got = aggregate("fltrust", x, stakes, 0, reference=server)
    assert np.abs(got.vector - expected).max() <= 3
    assert got.flagged == [i for i in range(8) if trust[i] == 0]
    assert got.selected == [i for i in range(8) if trust[i] > 0]
    assert [w / s for w, s in zip(got.weights, [stakes[i] for i in got.selected], strict=True)] == pytest.approx(
        trust[trust > 0] * 2**32, rel=1e-6
    )


def test_nnm_matches_allouah():
    x, f = _updates(9, 30, seed=9), 2
    mixed = []
    for i in range(9):
        near = sorted(range(9), key=lambda j: (_exact_sq(x[i], x[j]), j))[: 9 - f]
        mixed.append(x[near].astype(np.float64).mean(axis=0))
    got = aggregate("mean", x, [1] * 9, f, prestep="nnm")
    assert np.abs(got.vector - np.mean(mixed, axis=0)).max() <= 2


def test_bucketing_is_a_seeded_permutation_in_buckets():
    def fisher_yates(n, seed):
        perm = list(range(n))
        for i in range(n - 1, 0, -1):
            j = int(hashlib.sha256(f"{seed}:{i}".encode()).hexdigest(), 16) % (i + 1)
            perm[i], perm[j] = perm[j], perm[i]
        return perm

    assert permutation(10, 5) == fisher_yates(10, 5) != fisher_yates(10, 6)
    x = _updates(10, 20, seed=10)
    got = aggregate("median", x, [1] * 10, 1, prestep="bucketing", seed=5)
    perm = fisher_yates(10, 5)
    buckets = [sorted(perm[b : b + 2]) for b in range(0, 10, 2)]
    assert got.info["buckets"] == buckets
    means = np.array([x[b].astype(np.float64).mean(axis=0) for b in buckets])
    assert np.abs(got.vector - np.median(means, axis=0)).max() <= 1
    three = aggregate("mean", x, [1] * 10, 0, prestep="bucketing:3", seed=5)
    assert [len(b) for b in three.info["buckets"]] == [3, 3, 3, 1]


# ---- Flower 1.12 as an oracle ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def flower():
    return pytest.importorskip(
        "flwr.server.strategy.aggregate",
        reason="flwr 1.12 is not installed: `pip install --no-deps flwr==1.12.0 cryptography==42.0.8 cffi "
        "pycparser iterators tomli tomli_w` (its full requirements would downgrade protobuf and typer)",
    )


def test_rules_match_flower_with_equal_stakes(flower):
    n, d, f = 15, 60, 3
    x = _updates(n, d, seed=11, scale=2**20)
    results = [([row.astype(np.float64)], 1) for row in x]
    ones = [1] * n

    def ours(rule, **kw):
        return aggregate(rule, x, ones, f, **kw).vector

    def diff(a, b):
        return float(np.abs(np.asarray(a, dtype=np.float64) - b[0]).max())

    assert diff(ours("mean"), flower.aggregate(results)) < 1
    assert diff(ours("median"), flower.aggregate_median(results)) <= 0.5
    assert diff(ours("trimmed", param=2000), flower.aggregate_trimmed_avg(results, 0.2)) < 1
    assert diff(ours("krum"), flower.aggregate_krum(results, f, 0)) == 0
    assert diff(ours("multikrum", param=5), flower.aggregate_krum(results, f, 5)) < 1
    bulyan = flower.aggregate_bulyan(list(results), f, flower.aggregate_krum, to_keep=0)
    assert diff(ours("bulyan"), bulyan) <= 1


# ---- the same bits everywhere -----------------------------------------------------------------------------------

DIGEST = """
import hashlib
import numpy as np
from agents.fl.rules import RULES, aggregate

def digest():
    rng = np.random.default_rng(12)
    x = rng.integers(-2**40, 2**40, (16, 300))
    x[9] = x[2]
    stakes = [int(s) * 10**6 for s in rng.integers(1, 10**12, 16)]
    ref = rng.integers(-2**40, 2**40, 300)
    h = hashlib.sha256()
    for prestep in ("none", "bucketing", "nnm"):
        for rule in RULES:
            f = 1 if prestep == "bucketing" else 3
            a = aggregate(rule, x, stakes, f, reference=ref, prestep=prestep, seed=4)
            h.update(a.vector.tobytes() + repr((a.selected, a.weights, a.flagged)).encode())
    return h.hexdigest()
"""


def test_bit_identical_across_runs_and_processes():
    space = {}
    exec(DIGEST, space)
    here = space["digest"]()
    assert space["digest"]() == here
    env = {**os.environ, "PYTHONHASHSEED": "123", "OMP_NUM_THREADS": "1"}
    out = subprocess.run(
        [sys.executable, "-c", DIGEST + "\nprint(digest())"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == here


def test_rules_ignore_row_order_on_distinct_values():
    x = _updates(10, 30, seed=13)
    stakes = list(range(1, 11))
    ref = _updates(1, 30, seed=14)[0]
    perm = np.random.default_rng(0).permutation(10)
    for rule in ("mean", "median", "trimmed", "clip", "fltrust", "krum", "bulyan"):
        kw = {"reference": ref} if rule in ("clip", "fltrust") else {}
        f = 1
        a = aggregate(rule, x, stakes, f, **kw)
        b = aggregate(rule, x[perm], [stakes[i] for i in perm], f, **kw)
        assert a.vector.tolist() == b.vector.tolist(), rule
        assert sorted(perm[b.selected].tolist()) == a.selected, rule


# ---- robustness -----------------------------------------------------------------------------------------------


def _attacked(honest_n, f, attack, seed=15):
    rng = np.random.default_rng(seed)
    d, sigma = 200, 2**20
    mu = rng.choice([-1, 1], d) * 10 * sigma
    honest = (mu + sigma * rng.standard_normal((honest_n, d))).astype(np.int64)
    mean = honest.mean(axis=0)
    byzantine = {
        "sign-flip": np.tile((-2.5 * mean).astype(np.int64), (f, 1)),
        "scaling": 100 * honest[:f],
        "alie": np.tile((mean - 1.5 * honest.std(axis=0)).astype(np.int64), (f, 1)),
    }[attack]
    radius = np.sqrt(((honest - mean) ** 2).sum(axis=1).mean())
    previous = (mu + sigma * rng.standard_normal(d) / np.sqrt(honest_n)).astype(np.int64)
    server = (mu + sigma * rng.standard_normal(d)).astype(np.int64)
    return np.vstack([honest, byzantine]), mean, radius, previous, server


@pytest.mark.parametrize("attack", ["sign-flip", "scaling", "alie"])
def test_robust_rules_stay_within_one_and_a_half_honest_radii(attack):
    """10 clients, 3 Byzantine (15 and 3 for Bulyan): every robust rule ends within 1.5 R of the honest mean, R
    the honest updates' RMS distance to it; the plain mean is pushed beyond 5 R by sign-flip and scaling."""
    for n_honest, rules in ((7, ["median", "trimmed", "krum", "multikrum", "clip", "fltrust"]), (12, ["bulyan"])):
        x, mean, radius, previous, server = _attacked(n_honest, 3, attack)
        for rule in rules:
            ref = {"clip": previous, "fltrust": server}.get(rule)
            got = aggregate(rule, x, [1] * len(x), 3, reference=ref)
            assert np.linalg.norm(got.vector - mean) <= 1.5 * radius, (rule, attack)
        pushed = np.linalg.norm(aggregate("mean", x, [1] * len(x), 3).vector - mean)
        assert pushed > 5 * radius if attack != "alie" else pushed > 0


def test_bucketing_and_nnm_keep_robust_rules_robust():
    """NNM: 7 honest, 3 sign-flip, f=3. Bucketing: 10 honest, 2 sign-flip, f=2 spoilt buckets of the 6."""
    for prestep, n_honest, rules in (("nnm", 7, ["median", "krum"]), ("bucketing", 10, ["median", "trimmed"])):
        f = 10 - n_honest if prestep == "nnm" else 2
        x, mean, radius, _, _ = _attacked(n_honest, f, "sign-flip")
        for rule in rules:
            got = aggregate(rule, x, [1] * len(x), f, prestep=prestep, seed=1)
            assert np.linalg.norm(got.vector - mean) <= 1.5 * radius, (rule, prestep)


# ---- stake splitting and clones ------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", RULES)
def test_splitting_a_stake_adds_no_influence(rule):
    x = _updates(9, 40, seed=16)
    stakes = [12, 3, 5, 7, 2, 9, 4, 6, 8]
    split = np.vstack([x, x[0], x[0]])
    split_stakes = [5, *stakes[1:], 4, 3]
    ref = _updates(1, 40, seed=17)[0]
    kw = {"reference": ref} if rule in ("clip", "fltrust") else {"param": 2000} if rule == "trimmed" else {}
    whole = aggregate(rule, x, stakes, 1, **kw)
    parts = aggregate(rule, split, split_stakes, 1, **kw)
    assert parts.vector.tolist() == whole.vector.tolist()
    assert parts.flagged == sorted({0, 9, 10} | set(whole.flagged))
    if 0 in whole.selected:
        share = dict(zip(parts.selected, parts.weights, strict=True))
        assert share[0] + share[9] + share[10] == dict(zip(whole.selected, whole.weights, strict=True))[0]


def test_clones_buy_no_krum_selection():
    rng = np.random.default_rng(18)
    d, sigma = 100, 2**20
    honest = (sigma * rng.standard_normal((7, d))).astype(np.int64)
    offset = rng.standard_normal(d)
    attacker = (honest.mean(axis=0) + 1.2 * sigma * np.sqrt(d) * offset / np.linalg.norm(offset)).astype(np.int64)
    x = np.vstack([honest, np.tile(attacker, (3, 1))])
    naive = _best(_krum_scores(x, 3, list(range(10))), 1)[0]
    assert naive >= 7  # per identity, the clones are each other's nearest neighbours
    got = aggregate("krum", x, [1] * 10, 3)
    assert got.selected[0] < 7 and got.flagged == [7, 8, 9]
    assert got.info["clones"] == [[7, 8, 9]]


# ---- extremes and malformed input ----------------------------------------------------------------------------


def _median_by_definition(values, stakes):
    items = sorted((int(v), i) for i, v in enumerate(values))
    total, cum = sum(stakes), 0
    for k, (value, i) in enumerate(items):
        cum += stakes[i]
        if 2 * cum >= total:
            if 2 * cum == total and k + 1 < len(items):
                return _tdiv(value + items[k + 1][0], 2)
            return value


def test_extreme_values_and_stakes_stay_exact():
    rng = np.random.default_rng(19)
    x = rng.integers(-MAX_ABS, MAX_ABS + 1, (64, 1500))
    x[0], x[1] = MAX_ABS, -MAX_ABS
    stakes = [int(s) * 10**12 for s in rng.integers(1, 10**18, 64)]
    total = sum(stakes)
    mean = [_tdiv(sum(s * int(v) for s, v in zip(stakes, col, strict=True)), total) for col in x.T[:50]]
    assert weighted_mean(x, stakes)[:50].tolist() == mean
    for col in range(5):
        assert weighted_median(x, stakes)[col] == _median_by_definition(x[:, col], stakes)
    for rule in RULES:
        got = aggregate(rule, x, stakes, 5, reference=x[2])
        assert got.vector.dtype == np.int64 and np.abs(got.vector).max() <= MAX_ABS, rule


def _bad(**changes):
    x = _updates(9, 5, seed=20)
    args = {"rule": "krum", "updates": x, "stakes": [1] * 9, "f": 1, **changes}
    return aggregate(args.pop("rule"), args.pop("updates"), args.pop("stakes"), args.pop("f"), **args)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"updates": np.zeros(5, dtype=np.int64)}, "updates: shape"),
        ({"updates": np.zeros((0, 5), dtype=np.int64), "stakes": []}, "updates: shape"),
        ({"updates": np.zeros((9, 5))}, "client 0: dtype float64"),
        (
            {
                "updates": np.vstack(
                    [np.zeros((3, 5), np.int64), [[0, 0, MAX_ABS + 1, 0, 0]], np.zeros((5, 5), np.int64)]
                )
            },
            "client 3: a value beyond",
        ),
        ({"stakes": [1, 0, 1, 1, 1, 1, 1, 1, 1]}, "client 1: stake 0"),
        ({"stakes": [1, 1, 2.5, 1, 1, 1, 1, 1, 1]}, "client 2: stake 2.5"),
        ({"stakes": [1] * 8}, "stakes: 8 given for 9 clients"),
        ({"f": 4}, "krum with f=4 needs at least 11 clients, got 9"),
        ({"rule": "bulyan", "f": 2}, "bulyan with f=2 needs at least 11 clients"),
        ({"rule": "median", "f": -1}, "f=-1"),
        ({"rule": "average"}, "rule 'average'"),
        ({"prestep": "shuffle"}, "prestep 'shuffle'"),
        ({"prestep": "bucketing:0"}, "bucket size"),
        ({"prestep": "bucketing", "f": 2}, "krum with f=2 needs at least 7 buckets, got 5"),
        ({"rule": "fltrust"}, "fltrust: needs `reference`"),
        ({"rule": "fltrust", "reference": np.zeros(5, dtype=np.int64)}, "reference update is zero"),
        ({"rule": "clip", "reference": np.zeros(4, dtype=np.int64)}, "reference: shape"),
        ({"rule": "trimmed", "param": 5000}, "trim 5000 bps"),
        ({"rule": "multikrum", "param": 10}, "keep m=10"),
        ({"rule": "clip", "param": 0}, "iterations 0"),
        ({"param": 3}, "krum takes no param"),
    ],
)
def test_malformed_input_is_refused_with_a_reason(changes, message):
    with pytest.raises(ValueError) as caught:
        _bad(**changes)
    assert message in str(caught.value)
    malformed = message.startswith(("updates: shape", "client 0: dtype", "client 3: a value", "reference: shape"))
    assert isinstance(caught.value, MalformedUpdate) == malformed
