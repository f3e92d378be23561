"""Robust, stake-weighted aggregation of fixed-point updates in exact integer arithmetic.

Why this module is long: eight rules and two pre-steps share one set of exact integer helpers (distances,
weighted order statistics, clone grouping); apart, the pre-steps and the rules would import each other.

Every machine and the on-chain audit get the same aggregate bit for bit: sums are exact (Python integers),
squared distances and dot products are exact, square roots are `math.isqrt` (floor), scores are exact
fractions, and every division rounds toward zero (`tdiv`). Ties are broken by client index.

Stake: each client's update counts with its stake, so that splitting one stake over k identities holding the
same update adds no influence. Identical updates from different clients are Sybil clones: they are flagged
under every rule. f and each rule's minimum (n >= 2f+1, 2f+3, 4f+3) count the rows the rule sees (clients, or
buckets); inside Krum, MultiKrum, Bulyan and NNM the points are the distinct updates, each carrying the summed
stake of its holders, and their counts (n-f-2, n-f, n-2f, theta-2f) use the distinct count n', at least 1 as
Flower clamps them: so k clones of one attacker are one point and buy no Krum selection, and a split stake is
the same point as the whole one.

Per rule (row-order independence; split invariance = one stake s vs k holders of the same update summing to s):
- mean: tdiv(sum w_i x_i, W) per coordinate. Order independent; split invariant exactly.
- median: per coordinate, sort by (x, client); first k with 2 c_k >= W, where c_k is the cumulative stake; on
  2 c_k == W (k not last) tdiv(x_k + x_k+1, 2). numpy's median for equal stakes (rounded toward zero).
  The value is order independent; split invariant exactly.
- trimmed (param: trim in bps per side, default ceil(f 10000 / n)): T = W beta // 10000 of stake cut at each
  end, sorted item k keeps max(0, min(c_k, W-T) - max(c_k-1, T)); tdiv(sum kept x, W - 2T). As median for a
  given trim (the default follows the client count n).
- krum / multikrum (n >= 2f+3): a point's score is the mean squared distance to its nearest others that hold a
  share (n'-f-2)/n' of the total stake (the last one partly), an exact fraction; equal stakes give Blanchard et
  al.'s n-f-2 nearest. Krum returns the best update; MultiKrum the stake-weighted mean of the m = n'-f best
  (param: m). Order independent except on equal scores; split invariant exactly for identical updates, not
  for near-copies, which stay separate points (Krum counts points; stake enters only as neighbour mass).
- bulyan (n >= 4f+3): theta = n'-2f points by repeated Krum (recomputed as the set shrinks), then per
  coordinate the stake share beta/theta (beta = theta-2f) closest to their weighted median, sorted by
  (distance, client), averaged by stake. As Krum for order and splitting.
- clip (Karimireddy et al. 2021, param: iterations L, default 3): v starts at `reference` (zeros if None);
  each iteration tau = weighted median of floor norms |x_i - v|, each x_i - v with |.| > tau scaled by
  tdiv(. tau, |.|), and v += tdiv(sum w_i clipped_i, W). Order independent; split invariant exactly.
  Flagged: clients farther than 2 tau in the last iteration.
- fltrust (Cao et al. 2021; `reference` = the server's root-shard update, required): trust
  t_i = min(2**32, floor(2**32 dot(x_i, r) / isqrt(|x_i|^2 |r|^2))) if the dot is positive, else 0 (flagged);
  x_i' = tdiv(x_i isqrt|r|^2, isqrt|x_i|^2); aggregate tdiv(sum t_i w_i x_i', sum t_i w_i), saturated at
  +-MAX_ABS; zeros if every trust is 0. Order independent; split invariant exactly.

Pre-steps (before the rule, which then sees their rows): "bucketing" or "bucketing:<s>" (Karimireddy et al.
2022: a seeded permutation, buckets of s clients (default 2), the stake-weighted mean of each with its summed
stake; not split invariant: the buckets change), "nnm" (Allouah et al. 2023: each update replaced by the
stake-weighted mean of its nearest updates holding a share (n'-f)/n' of the stake, itself included).

Aggregate.selected lists the clients whose (pre-stepped) rows entered, Aggregate.weights their stake times the
rule's factor for their row (1, or FLTrust's trust in units of 2**-32)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from agents.fl.fixed_point import MAX_ABS, MalformedUpdate, check_update

RULES = ("mean", "median", "trimmed", "krum", "multikrum", "bulyan", "clip", "fltrust")
PRESTEPS = ("none", "bucketing", "nnm")
TRUST_BITS = 32
DEFAULT_CLIP_ITERATIONS = 3
DEFAULT_BUCKET = 2
_CHUNK = 2048  # columns per exact dot-product block: sums of 2048 products of 25-bit halves fit int64
_HALF = 24


@dataclass
class Aggregate:
    """The aggregate update and who it came from."""

    vector: np.ndarray
    selected: list[int]
    weights: list[int]
    flagged: list[int]
    info: dict = field(default_factory=dict)


# ---- exact integer arithmetic -------------------------------------------------------------------------------


def _tdiv(num: np.ndarray, den) -> np.ndarray:
    """Exact integers (object array) divided by positive `den`, rounded toward zero, as int64."""
    q = np.abs(num) // den
    return np.where(num < 0, -q, q).astype(np.int64)


def _dots(a: np.ndarray, b: np.ndarray) -> list[int]:
    """Exact row-wise dot products of int64 arrays with |values| <= 2**48 (b broadcasts against a)."""
    a, b = np.broadcast_arrays(a, b)
    out = [0] * a.shape[0]
    mask = (1 << _HALF) - 1
    for c in range(0, a.shape[1], _CHUNK):
        ah, al = a[:, c : c + _CHUNK] >> _HALF, a[:, c : c + _CHUNK] & mask
        bh, bl = b[:, c : c + _CHUNK] >> _HALF, b[:, c : c + _CHUNK] & mask
        hh, mid, ll = (ah * bh).sum(1), (ah * bl + al * bh).sum(1), (al * bl).sum(1)
        out = [
            o + (int(h) << 2 * _HALF) + (int(m) << _HALF) + int(low)
            for o, h, m, low in zip(out, hh, mid, ll, strict=True)
        ]
    return out


def _sq_distances(rows: np.ndarray) -> list[list[int]]:
    """Exact pairwise squared L2 distances (|values| <= 2**47), from exact Gram matrices of 24-bit pieces."""
    mask = (1 << _HALF) - 1
    gram = np.zeros((len(rows), len(rows)), dtype=object)
    for c in range(0, rows.shape[1], _CHUNK):
        hi, lo = rows[:, c : c + _CHUNK] >> _HALF, rows[:, c : c + _CHUNK] & mask
        cross = (hi @ lo.T).astype(object)
        gram += ((hi @ hi.T).astype(object) << 2 * _HALF) + ((cross + cross.T) << _HALF) + (lo @ lo.T).astype(object)
    sq = gram.diagonal()
    return [[int(sq[i] + sq[j] - 2 * gram[i, j]) for j in range(len(rows))] for i in range(len(rows))]


def _kept(cum, prev, lo, hi):
    """The part of each item's cumulative-weight span (prev, cum] that lies inside (lo, hi]."""
    return np.maximum(0, np.minimum(cum, hi) - np.maximum(prev, lo))


def _lincomb(k: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Exact k @ x (object out) for non-negative integers k (m x n) and int64 x (n x d, |values| <= 2**48):
    int64 products of 24-bit pieces, so every partial sum of up to 2**13 rows fits."""
    mask = (1 << _HALF) - 1
    out = np.zeros((k.shape[0], x.shape[1]), dtype=object)
    for r in range(0, x.shape[0], 1 << 13):
        xh, xl = x[r : r + (1 << 13)] >> _HALF, x[r : r + (1 << 13)] & mask
        rest, shift = k[:, r : r + (1 << 13)], 0
        while rest.any():
            piece = (rest & mask).astype(np.int64)
            out += ((piece @ xh).astype(object) * (1 << _HALF) + (piece @ xl).astype(object)) * (1 << shift)
            rest, shift = rest >> _HALF, shift + _HALF
    return out


def _mean_rows(rows: np.ndarray, w: np.ndarray) -> np.ndarray:
    return _tdiv(_lincomb(w[None, :], rows)[0], int(w.sum()))


def _scalar_median(values: Sequence[int], w: np.ndarray) -> int:
    """The weighted median of one column, as defined for `weighted_median`."""
    return int(_median_cols(np.array(values, dtype=object)[:, None], w)[0][0])


def _sorted_cols(rows: np.ndarray, keys: np.ndarray, w: np.ndarray):
    """Per column: the order by (key, row), the rows' values and cumulative stake in that order."""
    order = np.argsort(keys, axis=0, kind="stable")
    return order, np.take_along_axis(rows, order, axis=0), np.cumsum(w[order], axis=0)


def _unsort(order: np.ndarray, sorted_mask: np.ndarray) -> np.ndarray:
    mask = np.zeros(order.shape, dtype=bool)
    np.put_along_axis(mask, order, sorted_mask, axis=0)
    return mask


def _median_cols(rows: np.ndarray, w: np.ndarray):
    """Column-wise weighted median and the (rows x cols) mask of the values that make it."""
    n, d = rows.shape
    total = int(w.sum())
    order, xs, cum = _sorted_cols(rows, rows, w)
    k = np.argmax(2 * cum >= total, axis=0)
    cols = np.arange(d)
    two = (2 * cum[k, cols] == total) & (k < n - 1)
    k1 = np.minimum(k + 1, n - 1)
    lo, hi = xs[k, cols].astype(object), xs[k1, cols].astype(object)
    used = np.zeros((n, d), dtype=bool)
    used[k, cols] = True
    used[k1, cols] |= two
    return np.where(two, _tdiv(lo + hi, 2), lo).astype(np.int64), _unsort(order, used)


def _trimmed_cols(rows: np.ndarray, w: np.ndarray, beta_bps: int):
    total = int(w.sum())
    cut = total * beta_bps // 10000
    order, xs, cum = _sorted_cols(rows, rows, w)
    kept = _kept(cum, cum - w[order], cut, total - cut)
    return _tdiv((kept * xs.astype(object)).sum(axis=0), total - 2 * cut), _unsort(order, kept > 0)


# ---- public column-wise rules (the contract tests compare against these) ------------------------------------


def weighted_mean(matrix: np.ndarray, stakes: Sequence[int]) -> np.ndarray:
    """tdiv(sum w_i x_i, W) per column, int64."""
    rows, w = _checked(matrix, stakes)
    return _mean_rows(rows, w)


def weighted_median(matrix: np.ndarray, stakes: Sequence[int]) -> np.ndarray:
    """Per column: sort by (x, row); first k with 2 c_k >= W; tdiv(x_k + x_k+1, 2) if 2 c_k == W, else x_k."""
    rows, w = _checked(matrix, stakes)
    return _median_cols(rows, w)[0]


def weighted_trimmed_mean(matrix: np.ndarray, stakes: Sequence[int], beta_bps: int) -> np.ndarray:
    """Per column: T = W beta // 10000 of stake cut at each end, the rest averaged: tdiv(sum kept x, W - 2T)."""
    rows, w = _checked(matrix, stakes)
    _check_trim(beta_bps)
    return _trimmed_cols(rows, w, beta_bps)[0]


# ---- input checks ------------------------------------------------------------------------------------------


def _checked(updates, stakes) -> tuple[np.ndarray, np.ndarray]:
    """The updates as an (n, d) int64 matrix and the stakes as exact integers, or a ValueError naming the client."""
    arr = np.asarray(updates)
    if arr.ndim != 2 or 0 in arr.shape:
        raise MalformedUpdate(f"updates: shape {arr.shape}, expected (clients, dims) with both >= 1")
    rows = np.stack([check_update(arr[i], arr.shape[1], f"client {i}") for i in range(arr.shape[0])])
    if len(stakes) != len(rows):
        raise ValueError(f"stakes: {len(stakes)} given for {len(rows)} clients")
    for i, s in enumerate(stakes):
        if isinstance(s, bool) or not isinstance(s, int | np.integer) or s <= 0:
            raise ValueError(f"client {i}: stake {s!r} is not a positive integer")
    return rows, np.array([int(s) for s in stakes], dtype=object)


def _check_trim(beta_bps) -> None:
    if not isinstance(beta_bps, int | np.integer) or not 0 <= beta_bps < 5000:
        raise ValueError(f"trimmed: trim {beta_bps!r} bps per side must be an integer in [0, 5000)")


def _distinct(rows: np.ndarray) -> list[list[int]]:
    """Rows grouped by identical value, groups and members in row order."""
    groups: dict[bytes, list[int]] = {}
    for i, row in enumerate(rows):
        groups.setdefault(row.tobytes(), []).append(i)
    return list(groups.values())


def _min_rows(rule: str, f: int) -> int:
    """The fewest rows (clients, or buckets) the rule needs with f of them Byzantine."""
    if rule in ("mean", "fltrust"):
        return 1
    return {"krum": 2 * f + 3, "multikrum": 2 * f + 3, "bulyan": 4 * f + 3}.get(rule, 2 * f + 1)


# ---- the rules: each gets rows, their stakes, their distinct groups, f, param, reference -------------------
# and returns (vector, rows entered, their weights, rows flagged, info)


def _no_param(rule: str, param) -> None:
    if param is not None:
        raise ValueError(f"{rule} takes no param (got {param!r})")


def _mean(rows, w, groups, f, param, reference):
    _no_param("mean", param)
    return _mean_rows(rows, w), list(range(len(rows))), list(w), [], {}


def _coordinatewise(vector, used, w):
    entered = [int(i) for i in np.flatnonzero(used.any(axis=1))]
    return vector, entered, [w[i] for i in entered], [], {}


def _median(rows, w, groups, f, param, reference):
    _no_param("median", param)
    return _coordinatewise(*_median_cols(rows, w), w)


def _trimmed(rows, w, groups, f, param, reference):
    beta = -(-f * 10000 // len(rows)) if param is None else param
    _check_trim(beta)
    vector, used = _trimmed_cols(rows, w, beta)
    *out, info = _coordinatewise(vector, used, w)
    return *out, {"trim_bps": beta}


def _krum_scores(dist, near, mass, active: list[int], f: int) -> dict[int, Fraction]:
    """Each active point's mean squared distance to its nearest others holding a share max(1, m-f-2)/m of the
    active stake (m = active points; masses scaled by m to stay integer; the last neighbour counts partly)."""
    m = len(active)
    quota = sum(mass[a] for a in active) * max(1, m - f - 2)
    scores, live = {}, set(active)
    for i in active:
        taken = total = 0
        for j in (j for j in near[i] if j in live):
            take = min(m * mass[j], quota - taken)
            if take <= 0:
                break
            taken += take
            total += take * dist[i][j]
        scores[i] = Fraction(total, taken) if taken else Fraction(0)
    return scores


def _points(rows, w, groups):
    """One point per distinct row: the rows, their summed stakes, their pairwise squared distances, and for
    each point the others sorted by (distance, index)."""
    pts = rows[[g[0] for g in groups]]
    mass = [sum(w[i] for i in g) for g in groups]
    dist = _sq_distances(pts)
    near = [sorted((j for j in range(len(pts)) if j != i), key=lambda j: (dist[i][j], j)) for i in range(len(pts))]
    return pts, mass, dist, near


def _ranked(scores: dict[int, Fraction]) -> list[int]:
    return sorted(scores, key=lambda i: (scores[i], i))


def _members(groups, points) -> list[int]:
    """The rows holding the given points."""
    return sorted(i for p in points for i in groups[p])


def _krum(rows, w, groups, f, param, reference):
    _no_param("krum", param)
    pts, mass, dist, near = _points(rows, w, groups)
    best = _ranked(_krum_scores(dist, near, mass, list(range(len(pts))), f))[0]
    entered = _members(groups, [best])
    return pts[best].copy(), entered, [w[i] for i in entered], [], {}


def _multikrum(rows, w, groups, f, param, reference):
    m = max(1, len(groups) - f) if param is None else param
    if not isinstance(m, int | np.integer) or not 1 <= m <= len(groups):
        raise ValueError(f"multikrum: keep m={m!r} must be an integer in [1, {len(groups)} distinct updates]")
    pts, mass, dist, near = _points(rows, w, groups)
    ranked = _ranked(_krum_scores(dist, near, mass, list(range(len(pts))), f))
    entered, rejected = _members(groups, ranked[:m]), _members(groups, ranked[m:])
    return _mean_rows(rows[entered], w[entered]), entered, [w[i] for i in entered], rejected, {"keep": m}


def _bulyan(rows, w, groups, f, param, reference):
    _no_param("bulyan", param)
    pts, mass, dist, near = _points(rows, w, groups)
    remaining, chosen = list(range(len(pts))), []
    for _ in range(max(1, len(pts) - 2 * f)):
        best = _ranked(_krum_scores(dist, near, mass, remaining, f))[0]
        chosen.append(best)
        remaining.remove(best)
    chosen.sort()
    theta = len(chosen)
    sel, smass = pts[chosen], np.array([mass[p] for p in chosen], dtype=object)
    centre = _median_cols(sel, smass)[0]
    order, xs, cum = _sorted_cols(sel, np.abs(sel - centre), smass)
    quota = int(smass.sum()) * max(1, theta - 2 * f)
    kept = _kept(theta * cum, theta * (cum - smass[order]), 0, quota)
    used = _unsort(order, kept > 0)
    entered = _members(groups, [chosen[k] for k in np.flatnonzero(used.any(axis=1))])
    vector = _tdiv((kept * xs.astype(object)).sum(axis=0), quota)
    krum_set = _members(groups, chosen)
    rejected = _members(groups, remaining)
    return vector, entered, [w[i] for i in entered], rejected, {"krum_selected": krum_set}


def _clip(rows, w, groups, f, param, reference):
    iterations = DEFAULT_CLIP_ITERATIONS if param is None else param
    if not isinstance(iterations, int | np.integer) or iterations < 1:
        raise ValueError(f"clip: iterations {iterations!r} must be a positive integer")
    v = np.zeros(rows.shape[1], dtype=np.int64) if reference is None else reference
    for _ in range(iterations):
        z = rows - v
        norms = [math.isqrt(s) for s in _dots(z, z)]
        tau = _scalar_median(norms, w)
        steps = z.astype(object)
        for i, norm in enumerate(norms):
            if norm > tau:
                steps[i] = _tdiv(steps[i] * tau, norm)
        v = v + _tdiv((steps * w[:, None]).sum(axis=0), int(w.sum()))
    far = [i for i, norm in enumerate(norms) if norm > 2 * tau]
    return v, list(range(len(rows))), list(w), far, {"iterations": iterations, "tau": tau}


def _fltrust(rows, w, groups, f, param, reference):
    _no_param("fltrust", param)
    if reference is None:
        raise ValueError("fltrust: needs `reference`, the server's update on its root shard")
    ref_sq = _dots(reference[None, :], reference[None, :])[0]
    if ref_sq == 0:
        raise ValueError("fltrust: the reference update is zero, so no trust can be measured")
    ref_norm = math.isqrt(ref_sq)
    dots, sqs = _dots(rows, reference[None, :]), _dots(rows, rows)
    trust = [
        min(1 << TRUST_BITS, (dot << TRUST_BITS) // math.isqrt(sq * ref_sq)) if dot > 0 and sq > 0 else 0
        for dot, sq in zip(dots, sqs, strict=True)
    ]
    entered = [i for i, t in enumerate(trust) if t > 0]
    weights = [w[i] * trust[i] for i in entered]
    total = sum(weights)
    if not total:
        vector = np.zeros(rows.shape[1], dtype=np.int64)
    else:
        rescaled = np.stack([_tdiv(rows[i].astype(object) * ref_norm, math.isqrt(sqs[i])) for i in entered])
        num = (rescaled.astype(object) * np.array(weights, dtype=object)[:, None]).sum(axis=0)
        vector = np.clip(_tdiv(num, total), -MAX_ABS, MAX_ABS)
    flagged = [i for i, t in enumerate(trust) if t == 0]
    return vector, entered, weights, flagged, {"trust": trust}


_RULES = {
    "mean": _mean,
    "median": _median,
    "trimmed": _trimmed,
    "krum": _krum,
    "multikrum": _multikrum,
    "bulyan": _bulyan,
    "clip": _clip,
    "fltrust": _fltrust,
}


# ---- pre-steps -----------------------------------------------------------------------------------------------


def permutation(n: int, seed: int) -> list[int]:
    """Fisher-Yates with j = int(sha256(f"{seed}:{i}")) mod (i+1) for i = n-1 .. 1: recomputable anywhere."""
    perm = list(range(n))
    for i in range(n - 1, 0, -1):
        j = int.from_bytes(hashlib.sha256(f"{seed}:{i}".encode()).digest(), "big") % (i + 1)
        perm[i], perm[j] = perm[j], perm[i]
    return perm


def _bucketing(rows, w, size: int, seed: int):
    """Stake-weighted means of buckets of `size` rows of a seeded permutation, their stakes, their members."""
    perm = permutation(len(rows), seed)
    buckets = [sorted(perm[b : b + size]) for b in range(0, len(perm), size)]
    means = np.stack([_mean_rows(rows[b], w[b]) for b in buckets])
    return means, np.array([sum(w[i] for i in b) for b in buckets], dtype=object), buckets


def _nnm(rows, w, f):
    """Each row replaced by the stake-weighted mean of its nearest rows holding (n-f)/n of the stake."""
    groups = _distinct(rows)
    n = len(groups)
    pts, mass, _, near = _points(rows, w, groups)
    quota = int(w.sum()) * max(1, n - f)
    share = np.zeros((n, n), dtype=object)
    for i in range(n):
        order = [i, *near[i]]
        masses = np.array([n * mass[j] for j in order], dtype=object)
        cum = np.cumsum(masses)
        share[i, order] = _kept(cum, cum - masses, 0, quota)
    mixed = _tdiv(_lincomb(share, pts), quota)
    point_of = {i: p for p, g in enumerate(groups) for i in g}
    return mixed[[point_of[i] for i in range(len(rows))]], w, [[i] for i in range(len(rows))]


def _prestep(prestep: str):
    name, _, size = prestep.partition(":")
    if name not in PRESTEPS or (size and name != "bucketing"):
        raise ValueError(f"prestep {prestep!r}: expected one of {PRESTEPS} (bucketing:<size> for another size)")
    if name != "bucketing":
        return name, None
    if size and not (size.isdigit() and int(size) >= 1):
        raise ValueError(f"prestep {prestep!r}: the bucket size must be a positive integer")
    return name, int(size) if size else DEFAULT_BUCKET


# ---- entry point ---------------------------------------------------------------------------------------------


def aggregate(
    rule: str,
    updates: np.ndarray,
    stakes: Sequence[int],
    f: int,
    *,
    param: int | None = None,
    seed: int = 0,
    prestep: str = "none",
    reference: np.ndarray | None = None,
) -> Aggregate:
    """Aggregate n clients' fixed-point updates (n x d int64, stakes in token units) under `rule`, tolerating
    f Byzantine clients; `param`, `seed`, `prestep` and `reference` as in the module docstring."""
    if rule not in RULES:
        raise ValueError(f"rule {rule!r}: expected one of {RULES}")
    name, size = _prestep(prestep)
    rows, w = _checked(updates, stakes)
    if isinstance(f, bool) or not isinstance(f, int | np.integer) or f < 0:
        raise ValueError(f"f={f!r}: the number of Byzantine clients must be a non-negative integer")
    if reference is not None:
        reference = check_update(reference, rows.shape[1], "reference")
    clones = [g for g in _distinct(rows) if len(g) > 1]
    members = [[i] for i in range(len(rows))]
    rule_rows, rule_w = rows, w
    if name == "bucketing":
        rule_rows, rule_w, members = _bucketing(rows, w, size, seed)
    elif name == "nnm":
        rule_rows, rule_w, members = _nnm(rows, w, f)
    need = _min_rows(rule, int(f))
    if len(rule_rows) < need:
        unit = "buckets" if name == "bucketing" else "clients"
        raise ValueError(f"{rule} with f={f} needs at least {need} {unit}, got {len(rule_rows)}")
    groups = _distinct(rule_rows)
    vector, entered, row_weights, flagged_rows, info = _RULES[rule](rule_rows, rule_w, groups, int(f), param, reference)
    pairs = sorted(
        (c, w[c] * (rw // rule_w[r])) for r, rw in zip(entered, row_weights, strict=True) for c in members[r]
    )
    flagged = {c for g in clones for c in g} | {c for r in flagged_rows for c in members[r]}
    info = {"rule": rule, "prestep": prestep, "f": int(f), "clones": clones, **info}
    if name == "bucketing":
        info["buckets"] = members
    return Aggregate(
        vector=vector,
        selected=[c for c, _ in pairs],
        weights=[int(x) for _, x in pairs],
        flagged=sorted(flagged),
        info=info,
    )
