"""The federated fee policy's quality bar (issue 16): robust rules under attack, federation against clients
alone, rewards against true shard quality, Sybil splitting and clones, and bit-identical reruns.

    .venv/bin/python benchmarks/fl_quality.py [--data ../shared/data/arbitrum-univ3-weth-usdt-005/swaps]
        [--seeds 0,1,2] [--robust fltrust] [--quick] [--json benchmarks/out/fl_quality.json]

The federation is agents/fl/federation.py's default: 10 clients (7 real blocks of the training days
2025-05-04..07-05, 3 synthetic markets), label noise 0..2.25 spreads in a seeded order, 3 evaluators on the
evaluation days 2025-07-06..07-30. Every figure is the final policy's hedged PnL per day in bps of TVL on the
evaluation days (agents/fl/evaluation.py), and its gain over the round-zero policy (a static 30 bps fee).

1. Attacks x rules: N=10 clients, F=3 Byzantine (ids drawn by a seeded rng, fixed per seed), every attack of
   agents/fl/attacks.py against every rule (bulyan needs n >= 4f+3 = 15: skipped), without scoring. Reference:
   the 7 honest clients alone under the plain mean. Bars: the robust rule within 10% of honest-only under
   every attack (the PnL level and the gain); the plain mean loses more than half the gain under signflip and
   scale; with no attacker the robust rule costs at most 5% against the mean.
2. The federation (10 honest clients, mean and the robust rule) against the median client trained alone with
   the same rounds budget.
3. Rewards (scored rounds, robust rule, no attacker): Spearman correlation of each client's epoch reward with
   its shard's true quality (minus its label noise), bar >= 0.8 (also shown: over the real-data clients
   alone, and for the summed scores); under signflip, scale and poison the attackers get nothing and are
   slashed, no honest client is slashed.
4. Sybil: (a) the lowest-noise real client split into k = 2..5 identities holding consecutive parts of its
   table, each with 1/k of its stake and a registration burn of 1 token (first seed; the robust rule and the
   mean): no more net reward than one identity (separate scored runs), no more weight in the aggregate and no
   more influence on it (|aggregate - aggregate without the client|) than one identity, both measured along
   the one identity's rounds with everything else held (the same global policy, other updates and
   reference; separate runs diverge, their end-to-end distances are printed alongside); (b) the `sybil`
   attack's clones flagged in every round and slashed.
5. One configuration run twice here and once in a fresh process: the final parameters' sha256 agree.

Figures are means over the seeds (the bars are checked on them; the worst seed is printed alongside). The
first run prepares the shards (about a minute), cached under --cache. `--quick`: seed 0, rules mean and the
robust rule only. `--strict` exits 1 when a bar is missed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agents.fl import rewards  # noqa: E402
from agents.fl.attacks import ATTACKS  # noqa: E402
from agents.fl.client import ClientData, local_update  # noqa: E402
from agents.fl.evaluation import pnl_per_day  # noqa: E402
from agents.fl.federation import TOKEN, FederationSpec, build  # noqa: E402
from agents.fl.fixed_point import check_update, decode, encode  # noqa: E402
from agents.fl.rounds import RoundSettings, RunResult, run_rounds, tolerated  # noqa: E402
from agents.fl.rules import aggregate  # noqa: E402
from agents.training.config import load_train_config  # noqa: E402

DATA = "../shared/data/arbitrum-univ3-weth-usdt-005/swaps"  # relative to the project root, as the cache keys it
CONFIG = "agents/training/configs/fee-cps.toml"
N, F = 10, 3
RULES = ("mean", "median", "trimmed", "krum", "multikrum", "clip", "fltrust")  # bulyan: n >= 4f+3 = 15
TABLE_ATTACKS = tuple(a for a in ATTACKS if a != "none")
SCORED_ATTACKS = ("signflip", "scale", "poison")
BURN = TOKEN  # registration burn per identity
SPLITS = (2, 3, 4, 5)
SYBIL_BASE_ID = 100
WITHIN, MEAN_LOSS, NO_ATTACK_COST, RANK_BAR = 0.10, 0.5, 0.05, 0.8


# ---- helpers --------------------------------------------------------------------------------------------------


def byzantine_ids(seed: int) -> list[int]:
    return sorted(int(c) for c in np.random.default_rng(seed).choice(N, F, replace=False))


def settings(rule: str, seed: int, rounds: int, **kw) -> RoundSettings:
    return RoundSettings(rule=rule, seed=seed, rounds=rounds, **kw)


def start_pnl(fed, seed: int) -> float:
    return pnl_per_day(fed, fed.eval_market, encode(fed.shape.initial(fed.base, seed)))


def params_hash(params: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(params, dtype=np.int64).tobytes()).hexdigest()


def _ranks(x) -> list[float]:
    """Average ranks (ties share the mean of their positions)."""
    order = sorted(range(len(x)), key=lambda i: x[i])
    ranks = [0.0] * len(x)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and x[order[j + 1]] == x[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(x, y) -> float:
    """Spearman's rho: Pearson's r of the average ranks (scipy.stats.spearmanr's definition); nan if constant."""
    try:
        from scipy.stats import spearmanr
    except ImportError:
        rx, ry = np.array(_ranks(list(x))), np.array(_ranks(list(y)))
        dx, dy = rx - rx.mean(), ry - ry.mean()
        den = math.sqrt(float((dx * dx).sum() * (dy * dy).sum()))
        return float((dx * dy).sum() / den) if den else float("nan")
    if len(set(x)) < 2 or len(set(y)) < 2:
        return float("nan")
    return float(spearmanr(x, y).statistic)


def _weights(agg, clients, ids) -> float:
    """The share of the aggregate's weight (stake x the rule's factor, e.g. FLTrust's trust) held by `ids`."""
    total = sum(agg.weights)
    mine = sum(w for k, w in zip(agg.selected, agg.weights, strict=True) if clients[k] in ids)
    return mine / total if total else 0.0


def split_counterfactual(fed, one: RunResult, c: int, parts: dict, stakes: dict, st: RoundSettings) -> list[dict]:
    """Along the one-identity run's rounds (the same global policy, the same other updates and reference),
    client c's row replaced by its identities' updates (trained as run_rounds trains them: seeded by run seed,
    round and client id) and left out: per round the weight share of c or its identities and the distance of
    the aggregate with them to the aggregate without them."""
    ids = list(parts)
    out = []
    for rr, rec in enumerate(one.records):
        g = decode(rec.global_params)
        pos = rec.clients.index(c)
        others = [k for k in range(len(rec.clients)) if k != pos]
        own = [
            check_update(
                encode(
                    local_update(
                        fed.shape,
                        g,
                        parts[i],
                        st.epochs,
                        st.learning_rate,
                        st.batch_size,
                        st.seed * 1_000_003 + rr * 1_009 + i,
                    )
                ),
                fed.shape.dims,
            )
            for i in ids
        ]
        rows = [*rec.updates[:pos], *own, *rec.updates[pos + 1 :]]
        clients = [*rec.clients[:pos], *ids, *rec.clients[pos + 1 :]]
        row_stakes = [*rec.stakes[:pos], *(stakes[i] for i in ids), *rec.stakes[pos + 1 :]]

        def agg(updates, st_, who, rec=rec):
            return aggregate(
                st.rule,
                np.array(updates),
                st_,
                tolerated(st, len(who)),
                param=st.rule_param,
                seed=rec.rule_seed,
                prestep=st.prestep,
                reference=rec.reference,
            )

        with_one = agg(rec.updates, rec.stakes, rec.clients)
        split = agg(rows, row_stakes, clients)
        without = agg(rec.updates[others], [rec.stakes[k] for k in others], [rec.clients[k] for k in others])
        out.append(
            {
                "share_one": _weights(with_one, rec.clients, {c}),
                "share_split": _weights(split, clients, set(ids)),
                "influence_one": _norm(with_one.vector - without.vector),
                "influence_split": _norm(split.vector - without.vector),
                "split_aggregate_hash": params_hash(split.vector),
            }
        )
    return out


def _norm(v) -> float:
    return float(np.linalg.norm(np.asarray(v).astype(np.float64)))


def tokens(amount: int) -> float:
    return amount / TOKEN


def mean(xs) -> float:
    xs = [x for x in xs if x is not None and not math.isnan(x)]
    return statistics.fmean(xs) if xs else float("nan")


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISSED"


class Bars:
    def __init__(self) -> None:
        self.rows: list[dict] = []

    def check(self, name: str, value, bar: str, ok: bool, detail: str = "") -> None:
        self.rows.append(dict(bar=name, value=value, target=bar, ok=bool(ok), detail=detail))
        shown = f"{value:+.3f}" if isinstance(value, float) else str(value)
        print(f"  [{verdict(ok):6}] {name}: {shown} (bar {bar}){'  ' + detail if detail else ''}", flush=True)


# ---- 1. attacks x rules ---------------------------------------------------------------------------------------


def attacks_table(fed, seeds, rules, rounds, robust, highlight, bars: Bars) -> tuple[dict, dict]:
    runs: dict = {}
    kept: dict = {}  # (seed, rule) -> the sybil attack's RunResult, for 4b
    for seed in seeds:
        byz = byzantine_ids(seed)
        honest = [c for c in range(N) if c not in byz]
        start = start_pnl(fed, seed)
        ho = run_rounds(fed, honest, [], "none", settings("mean", seed, rounds), score=False)
        cell = {"byzantine": byz, "start": start, "honest_only": pnl_per_day(fed, fed.eval_market, ho.params)}
        for attack in ("none", *TABLE_ATTACKS):
            for rule in rules:
                res = run_rounds(
                    fed, range(N), byz if attack != "none" else [], attack, settings(rule, seed, rounds), score=False
                )
                cell[f"{attack}/{rule}"] = pnl_per_day(fed, fed.eval_market, res.params)
                if attack == "sybil":
                    kept[(seed, rule)] = res
        runs[seed] = cell
        print(f"  seed {seed}: Byzantine {byz}, {len(rules) * 8 + 1} runs done", file=sys.stderr, flush=True)

    def fig(seed, key):
        c = runs[seed]
        return (
            c[key],
            c[key] - c["start"],
            c[key] / c["honest_only"],
            (c[key] - c["start"]) / (c["honest_only"] - c["start"]),
        )

    def avg(key, i):
        return mean(fig(s, key)[i] for s in seeds)

    start = mean(runs[s]["start"] for s in seeds)
    ho = mean(runs[s]["honest_only"] for s in seeds)
    print(
        f"round-zero policy (static 30 bps): {start:.4f} bps/day; honest-only (the 7 honest clients, rule mean): "
        f"{ho:.4f} (gain {ho - start:+.4f})"
    )
    print("Byzantine ids per seed: " + ", ".join(f"seed {s}: {runs[s]['byzantine']}" for s in seeds))
    head = f"{'attack':9}" + "".join(f"{r:>17}" for r in rules)
    print("\nfinal PnL/day (ratio to honest-only's PnL)")
    print(head)
    for attack in ("none", *TABLE_ATTACKS):
        cells = (f"{avg(f'{attack}/{r}', 0):.4f} ({avg(f'{attack}/{r}', 2):.2f})" for r in rules)
        print(f"{attack:9}" + "".join(c.rjust(17) for c in cells))
    print("\ngain over the round-zero policy (ratio to honest-only's gain)")
    print(head)
    for attack in ("none", *TABLE_ATTACKS):
        cells = (f"{avg(f'{attack}/{r}', 1):+.4f} ({avg(f'{attack}/{r}', 3):+.2f})" for r in rules)
        print(f"{attack:9}" + "".join(c.rjust(17) for c in cells))
    print("\nbars (seed means; worst seed in brackets):")
    for rule in highlight:
        if rule not in rules:
            continue
        worst_gain = min(TABLE_ATTACKS, key=lambda a: avg(f"{a}/{rule}", 3))
        worst_level = min(TABLE_ATTACKS, key=lambda a: avg(f"{a}/{rule}", 2))
        g, lv = avg(f"{worst_gain}/{rule}", 3), avg(f"{worst_level}/{rule}", 2)
        gs = min(fig(s, f"{a}/{rule}")[3] for s in seeds for a in TABLE_ATTACKS)
        ls = min(fig(s, f"{a}/{rule}")[2] for s in seeds for a in TABLE_ATTACKS)
        tag = " (highlighted robust rule)" if rule == robust else ""
        bars.check(
            f"{rule}{tag} under every attack, gain / honest-only's gain, worst attack {worst_gain}",
            g,
            f">= {1 - WITHIN:.2f}",
            g >= 1 - WITHIN,
            f"[worst seed {gs:+.3f}]",
        )
        bars.check(
            f"{rule}{tag} under every attack, PnL / honest-only's PnL, worst attack {worst_level}",
            lv,
            f">= {1 - WITHIN:.2f}",
            lv >= 1 - WITHIN,
            f"[worst seed {ls:+.3f}]",
        )
    if "mean" in rules:
        for attack in ("signflip", "scale"):
            g = avg(f"{attack}/mean", 3)
            gs = max(fig(s, f"{attack}/mean")[3] for s in seeds)
            bars.check(
                f"plain mean under {attack} keeps less than half the gain, gain ratio",
                g,
                f"< {MEAN_LOSS:.2f}",
                g < MEAN_LOSS,
                f"[worst seed {gs:+.3f}]",
            )
        for rule in highlight:
            if rule not in rules:
                continue
            per = [ratio(fig(s, f"none/{rule}")[1], fig(s, "none/mean")[1]) for s in seeds]
            g = ratio(avg(f"none/{rule}", 1), avg("none/mean", 1))
            lv = ratio(avg(f"none/{rule}", 0), avg("none/mean", 0))
            bars.check(
                f"no attacker: {rule}'s gain / the mean's gain",
                g,
                f">= {1 - NO_ATTACK_COST:.2f}",
                g >= 1 - NO_ATTACK_COST,
                f"[worst seed {min(per):+.3f}; PnL ratio {lv:.3f}]",
            )
    return runs, kept


# ---- 2. federation against clients alone -----------------------------------------------------------------------


def alone_table(fed, seeds, rules_together, rounds, table1, bars: Bars) -> dict:
    out: dict = {}
    for seed in seeds:
        solo = []
        for c in range(N):
            res = run_rounds(fed, [c], [], "none", settings("mean", seed, rounds, tolerate=0), score=False)
            solo.append(pnl_per_day(fed, fed.eval_market, res.params))
        out[seed] = {"alone": solo, "median_alone": statistics.median(solo), "start": table1[seed]["start"]}
        for rule in rules_together:
            out[seed][rule] = table1[seed][f"none/{rule}"]
    start = mean(out[s]["start"] for s in seeds)
    print(f"{'client':>6} {'shard':32} {'noise':>5} {'alone':>8}")
    for c in range(N):
        print(f"{c:>6} {fed.shards[c].name:32} {fed.noise[c]:5.2f} {mean(out[s]['alone'][c] for s in seeds):8.4f}")
    med = mean(out[s]["median_alone"] for s in seeds)
    print(f"median client alone: {med:.4f} bps/day (gain {med - start:+.4f})")
    for rule in rules_together:
        tog = mean(out[s][rule] for s in seeds)
        worst = min(out[s][rule] - out[s]["median_alone"] for s in seeds)
        bars.check(
            f"10 honest clients together ({rule}) minus the median client alone, bps/day",
            tog - med,
            "> 0",
            tog > med,
            f"[together {tog:.4f}, gain ratio {ratio(tog - start, med - start):.2f}; worst seed {worst:+.4f}]",
        )
    return out


# ---- 3. rewards against shard quality --------------------------------------------------------------------------


def rewards_table(fed, seeds, rule, rounds, bars: Bars) -> dict:
    out: dict = {}
    quality = [-n for n in fed.noise]
    real = [c for c in range(N) if fed.shards[c].data]
    for seed in seeds:
        res = run_rounds(fed, range(N), [], "none", settings(rule, seed, rounds), score=True)
        paid = res.rewards_by_client()
        summed = res.summed_scores()
        row = {
            "rewards": {c: paid.get(c, 0) for c in range(N)},
            "slashed": res.slashed(),
            "flagged_rounds": {c: sum(c in r.flagged for r in res.records) for c in range(N)},
            "rho_rewards": spearman([paid.get(c, 0) for c in range(N)], quality),
            "summed_scores": summed,
            "rho_summed_scores": spearman([summed[c] for c in range(N)], quality),
            "rho_rewards_real_only": spearman([paid.get(c, 0) for c in real], [quality[c] for c in real]),
            "pnl": pnl_per_day(fed, fed.eval_market, res.params),
            "attacks": {},
        }
        byz = byzantine_ids(seed)
        for attack in SCORED_ATTACKS:
            a = run_rounds(fed, range(N), byz, attack, settings(rule, seed, rounds), score=True)
            got, summed_a = a.rewards_by_client(), a.summed_scores()
            row["attacks"][attack] = {
                "byzantine": byz,
                "attacker_rewards": sum(got.get(c, 0) for c in byz),
                "attackers_slashed": [c for c in byz if c in a.slashed()],
                "honest_slashed": [c for c in a.slashed() if c not in byz],
                "honest_rewards": sum(v for c, v in got.items() if c not in byz),
                "summed_scores": summed_a,
                "pnl": pnl_per_day(fed, fed.eval_market, a.params),
            }
        out[seed] = row
        print(f"  seed {seed}: {1 + len(SCORED_ATTACKS)} scored runs done", file=sys.stderr, flush=True)

    print(f"rule {rule}, scored rounds, no attacker; rewards in tokens (mean over seeds); quality = -noise")
    print(f"{'client':>6} {'noise':>5} {'reward':>8} {'slashed':>8} {'flagged':>8} {'sum score':>10}")
    for c in range(N):
        print(
            f"{c:>6} {fed.noise[c]:5.2f} {mean(tokens(out[s]['rewards'][c]) for s in seeds):8.2f} "
            f"{sum(c in out[s]['slashed'] for s in seeds):>6}/{len(seeds)} "
            f"{mean(out[s]['flagged_rounds'][c] for s in seeds):6.1f}/{rounds} "
            f"{mean(out[s]['summed_scores'][c] / rewards.SCORE_UNIT for s in seeds):+10.4f}"
        )
    print(
        "  (reward: RunResult.rewards_by_client(); slashed: seeds in which RunResult.slashed() lists it; flagged: "
        "rounds the rule flagged it;\n   sum score: its consensus scores summed over the epoch, bps/day)"
    )
    rho = [out[s]["rho_rewards"] for s in seeds]
    rho_s = [out[s]["rho_summed_scores"] for s in seeds]
    print(f"Spearman(rewards, quality) per seed: {', '.join(f'{r:+.3f}' for r in rho)}")
    print(f"Spearman(summed scores, quality) per seed: {', '.join(f'{r:+.3f}' for r in rho_s)}")
    rho_r = [out[s]["rho_rewards_real_only"] for s in seeds]
    print(
        f"Spearman(rewards, quality) over the {len(real)} real-data clients only, per seed: "
        f"{', '.join(f'{r:+.3f}' for r in rho_r)} (mean {mean(rho_r):+.3f})"
    )
    m = mean(rho)
    bars.check(
        "Spearman(rewards, true quality), mean over seeds",
        m,
        f">= {RANK_BAR}",
        not math.isnan(m) and m >= RANK_BAR,
        f"[worst seed {min(rho):+.3f}; summed scores {mean(rho_s):+.3f}]",
    )
    print(f"\nattacks (F={F}, scored, rule {rule}), per seed")
    print(
        f"{'attack':9} {'seed':>4} {'byzantine':12} {'reward':>8} {'slashed':14} {'honest slashed':16} {'PnL/day':>8}"
    )
    for attack in SCORED_ATTACKS:
        for s in seeds:
            a = out[s]["attacks"][attack]
            print(
                f"{attack:9} {s:>4} {str(a['byzantine']):12} {tokens(a['attacker_rewards']):8.2f} "
                f"{str(a['attackers_slashed']):14} {str(a['honest_slashed']):16} {a['pnl']:8.4f}"
            )
    print("  (reward: the attackers' summed rewards, tokens; slashed: attackers in RunResult.slashed())")
    for attack in SCORED_ATTACKS:
        paid = sum(out[s]["attacks"][attack]["attacker_rewards"] for s in seeds)
        missed = sum(F - len(out[s]["attacks"][attack]["attackers_slashed"]) for s in seeds)
        honest = sorted({c for s in seeds for c in out[s]["attacks"][attack]["honest_slashed"]})
        bars.check(f"{attack}: attackers' rewards over the seeds, tokens", tokens(paid), "= 0", paid == 0)
        bars.check(f"{attack}: attackers not slashed over the seeds", missed, "= 0", missed == 0)
        bars.check(
            f"{attack}: honest clients slashed in some seed",
            len(honest),
            "= 0",
            not honest,
            f"{honest}" if honest else "",
        )
    return out


# ---- 4. Sybil ---------------------------------------------------------------------------------------------------


def split_table(fed, seed, rules, rounds, bars: Bars) -> dict:
    real = [c for c in range(N) if fed.shards[c].data]
    c = min(real, key=lambda k: (fed.noise[k], k))
    table = fed.data[c]
    others = [k for k in range(N) if k != c]
    # rounds.py reads fed.data[id] for every participant before applying data_override, so new ids must
    # index fed.data: pad it (the padding is never used, data_override supplies the parts)
    padded = replace(fed, data=[*fed.data, *[table] * (SYBIL_BASE_ID + max(SPLITS) - len(fed.data))])
    out: dict = {"client": c, "noise": fed.noise[c], "steps": table.steps, "seed": seed, "rules": {}}
    print(
        f"client {c} ({fed.shards[c].name}, noise {fed.noise[c]}, {table.steps} steps, stake "
        f"{tokens(fed.stakes[c]):.0f} tokens) split into k identities holding consecutive parts of its table, "
        f"stake 1/k each;\nburn {tokens(BURN):.0f} token per identity; seed {seed}, scored rounds"
    )

    def dist(a, b) -> float:
        return _norm(np.asarray(a) - np.asarray(b))

    for rule in rules:
        st = settings(rule, seed, rounds)
        one = run_rounds(fed, range(N), [], "none", st, score=True)
        without = run_rounds(fed, others, [], "none", st, score=False)
        r_one = one.rewards_by_client()[c]
        infl_one = dist(one.params, without.params)
        rows = []
        for k in SPLITS:
            edges = np.linspace(0, table.steps, k + 1).round().astype(int)
            ids = [SYBIL_BASE_ID + j for j in range(k)]
            parts = {
                i: ClientData(table.obs[a:b], table.values[a:b], table.grid_shape)
                for i, a, b in zip(ids, edges[:-1], edges[1:], strict=True)
            }
            participants = [*others[:c], *ids, *others[c:]]
            stakes = [fed.stakes[p] if p < N else fed.stakes[c] // k for p in participants]
            res = run_rounds(padded, participants, [], "none", st, stakes, data_override=parts, score=True)
            got = res.rewards_by_client()
            cf = split_counterfactual(fed, one, c, parts, {i: fed.stakes[c] // k for i in ids}, st)

            if cf[0]["split_aggregate_hash"] != params_hash(res.records[0].aggregate):  # same policy, same updates
                print(f"  warning: k={k}: the counterfactual's round 0 differs from the split run's", flush=True)

            def total(key, cf=cf):
                return sum(x[key] for x in cf)

            rows.append(
                {
                    "k": k,
                    "reward": sum(got.get(i, 0) for i in ids),
                    "net": sum(got.get(i, 0) for i in ids) - k * BURN,
                    "slashed": [i for i in ids if i in res.slashed()],
                    "per_round": cf,
                    "weight_ratio": ratio(total("share_split"), total("share_one")),
                    "round0_weight_ratio": ratio(cf[0]["share_split"], cf[0]["share_one"]),
                    "influence_ratio": ratio(total("influence_split"), total("influence_one")),
                    "final_influence_ratio": ratio(dist(res.params, without.params), infl_one),
                    "distance_to_one_ratio": ratio(dist(res.params, one.params), infl_one),
                    "pnl": pnl_per_day(fed, fed.eval_market, res.params),
                }
            )
        share_one = [x["share_one"] for x in rows[0]["per_round"]]
        out["rules"][rule] = {
            "one_reward": r_one,
            "one_net": r_one - BURN,
            "one_slashed": c in one.slashed(),
            "one_weight_share": share_one,
            "one_final_influence": infl_one,
            "one_pnl": pnl_per_day(fed, fed.eval_market, one.params),
            "without_pnl": pnl_per_day(fed, fed.eval_market, without.params),
            "splits": rows,
        }
        print(
            f"\nrule {rule}: one identity: reward {tokens(r_one):.2f}, net {tokens(r_one - BURN):.2f} tokens"
            f"{' (slashed)' if c in one.slashed() else ''}; its weight share per round "
            + " ".join(f"{x:.3f}" for x in share_one)
        )
        print(
            f"{'k':>2} {'reward':>8} {'net':>8} {'net/one':>8} {'weight':>7} {'w rnd0':>7} {'infl':>6} "
            f"{'final':>6} {'to one':>7} {'slashed':>8}"
        )
        for r in rows:
            print(
                f"{r['k']:>2} {tokens(r['reward']):8.2f} {tokens(r['net']):8.2f} "
                f"{ratio(r['net'], r_one - BURN) if r_one > BURN else float('nan'):8.2f} "
                f"{r['weight_ratio']:7.3f} {r['round0_weight_ratio']:7.3f} {r['influence_ratio']:6.2f} "
                f"{r['final_influence_ratio']:6.2f} {r['distance_to_one_ratio']:7.2f} {len(r['slashed']):>6}/{r['k']}"
            )
        print(
            "  (net: summed rewards less k burns, net/one: over the one identity's. Counterfactual, along the one\n"
            "   identity's rounds with everything else held: weight: the identities' summed share of the aggregate's\n"
            "   weight (stake x the rule's factor) over the epoch, over the one identity's; w rnd0: round 0 alone;\n"
            "   infl: |aggregate - aggregate without the client|, summed over the rounds, over the one identity's.\n"
            "   End to end (separate runs, trajectories diverge): final: |final params - final params without the\n"
            "   client| over the one identity's; to one: |final params - the one identity's| over the same)"
        )
        worst_net = max(rows, key=lambda r: r["net"])
        bars.check(
            f"{rule}: split identities' net reward minus one identity's, worst k={worst_net['k']}, tokens",
            tokens(worst_net["net"] - (r_one - BURN)),
            "<= 0",
            worst_net["net"] <= r_one - BURN,
        )
        worst = max(rows, key=lambda r: r["weight_ratio"])
        bars.check(
            f"{rule}: split identities' weight in the aggregate / one identity's, worst k={worst['k']}",
            worst["weight_ratio"],
            "<= 1",
            worst["weight_ratio"] <= 1.0 + 1e-12,
        )
        worst = max(rows, key=lambda r: r["influence_ratio"])
        bars.check(
            f"{rule}: split identities' influence on the aggregate / one identity's, worst k={worst['k']}",
            worst["influence_ratio"],
            "<= 1",
            worst["influence_ratio"] <= 1.0 + 1e-12,
            f"[end to end, final params: worst {max(r['final_influence_ratio'] for r in rows):.3f}]",
        )
    return out


def clones_table(kept: dict, seeds, rules, rounds, bars: Bars) -> dict:
    out: dict = {}
    print(f"attack sybil: F={F} identities send the same sign-flipped update, unscored rounds; per rule over seeds")
    print(
        f"{'rule':10} {'Byzantine flagged':>18} {'Byzantine slashed':>18} {'honest flagged':>15} {'honest slashed':>15}"
    )
    all_ok = True
    for rule in rules:
        flagged = slashed = hflag = hslash = 0
        detail = []
        for s in seeds:
            res = kept[(s, rule)]
            byz = byzantine_ids(s)
            honest = [c for c in range(N) if c not in byz]
            flagged += sum(b in r.flagged for r in res.records for b in byz)
            slashed += sum(b in res.slashed() for b in byz)
            hflag += sum(h in r.flagged for r in res.records for h in honest)
            hslash += sum(h in res.slashed() for h in honest)
            detail.append(
                {
                    "seed": s,
                    "byzantine": byz,
                    "flagged": [r.flagged for r in res.records],
                    "slashed": res.slashed(),
                }
            )
        out[rule] = detail
        nb = F * len(seeds)
        print(
            f"{rule:10} {flagged:>11}/{nb * rounds:<6} {slashed:>11}/{nb:<6} "
            f"{hflag:>8}/{(N - F) * len(seeds) * rounds:<6} "
            f"{hslash:>8}/{(N - F) * len(seeds):<6}"
        )
        all_ok &= flagged == nb * rounds and slashed == nb
    print("  (flagged: Byzantine ids x rounds in RoundRecord.flagged; slashed: ids in RunResult.slashed())")
    bars.check("sybil clones flagged in every round and slashed, under every rule", all_ok, "all", all_ok)
    return out


# ---- 5. bit-identity -----------------------------------------------------------------------------------------


def one_hash(fed, seed: int, rule: str, rounds: int) -> str:
    res = run_rounds(fed, range(N), byzantine_ids(seed), "signflip", settings(rule, seed, rounds), score=False)
    return params_hash(res.params)


def identity_check(fed, args, rule: str, bars: Bars) -> dict:
    seed = args.seeds[0]
    first = one_hash(fed, seed, rule, args.rounds)
    second = one_hash(fed, seed, rule, args.rounds)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--hash-only", "--data", args.data, "--cache", args.cache]
    cmd += ["--config", args.config, "--seeds", str(seed), "--robust", rule, "--rounds", str(args.rounds)]
    env = os.environ | {"OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"), "PYTHONHASHSEED": "12345"}
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, check=True)
    third = proc.stdout.strip().splitlines()[-1]
    print(f"rule {rule}, attack signflip, Byzantine {byzantine_ids(seed)}, seed {seed}, {args.rounds} rounds")
    print(f"  run 1:          {first}\n  run 2:          {second}\n  fresh process:  {third}")
    same = first == second == third
    bars.check("final parameters' sha256 identical over 3 runs (one in a fresh process)", same, "identical", same)
    return {"run1": first, "run2": second, "subprocess": third, "identical": same}


# ---- main ------------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=DATA, help="swap folder, relative to the project root (default %(default)s)")
    parser.add_argument("--config", default=CONFIG)
    parser.add_argument("--cache", default="runs/fl-cache", help="prepared shards (relative to the project root)")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--rounds", type=int, default=RoundSettings().rounds)
    parser.add_argument("--robust", default="fltrust", help="the robust rule the bars highlight (clip shown too)")
    parser.add_argument("--quick", action="store_true", help="seed 0, rules mean and the robust rule only")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a bar is missed")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "out" / "fl_quality.json")
    parser.add_argument("--hash-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.json = args.json.resolve()
    os.chdir(ROOT)  # the shard cache is keyed by the data path as given
    if not Path(args.data).is_dir():
        sys.exit(f"swap data not found at {(ROOT / args.data).resolve()}: pass --data <folder of daily parquet files>")
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.quick:
        seeds = seeds[:1]
    args.seeds = seeds
    rules = tuple(dict.fromkeys(("mean", args.robust))) if args.quick else RULES
    highlight = tuple(dict.fromkeys((args.robust, "clip")))

    cfg = load_train_config(args.config)
    t0 = time.perf_counter()
    fed = build(FederationSpec(data=args.data), cfg, Path(args.cache))
    if args.hash_only:
        print(one_hash(fed, seeds[0], args.robust, args.rounds))
        return
    timings = {"build": time.perf_counter() - t0}
    bars = Bars()
    report: dict = {
        "data": args.data,
        "config": args.config,
        "seeds": seeds,
        "rounds": args.rounds,
        "clients": N,
        "byzantine": F,
        "robust": args.robust,
        "rules": list(rules),
        "noise": fed.noise,
        "shards": [s.name for s in fed.shards],
        "note": "bulyan skipped: it needs n >= 4f+3 = 15 clients, the federation has 10 with f = 3",
    }

    def section(title, key, fn, *a):
        print(f"\n== {title} ==", flush=True)
        t = time.perf_counter()
        value = fn(*a)
        timings[key] = time.perf_counter() - t
        print(f"  ({timings[key]:.0f} s)", flush=True)
        return value

    table1, kept = section(
        f"1. Attacks x rules (N={N}, F={F}, {args.rounds} rounds; bulyan skipped: n >= 4f+3 = 15)",
        "attacks",
        attacks_table,
        fed,
        seeds,
        rules,
        args.rounds,
        args.robust,
        highlight,
        bars,
    )
    report["attacks"] = table1
    together = tuple(dict.fromkeys(("mean", args.robust)))
    report["alone"] = section(
        "2. Federation against the median client alone",
        "alone",
        alone_table,
        fed,
        seeds,
        together,
        args.rounds,
        table1,
        bars,
    )
    report["rewards"] = section(
        "3. Rewards against true shard quality", "rewards", rewards_table, fed, seeds, args.robust, args.rounds, bars
    )
    split_rules = (args.robust,) if args.quick else tuple(dict.fromkeys((args.robust, "mean")))
    report["sybil_split"] = section(
        "4a. Sybil splitting", "sybil_split", split_table, fed, seeds[0], split_rules, args.rounds, bars
    )
    report["sybil_clones"] = section(
        "4b. Sybil clones", "sybil_clones", clones_table, kept, seeds, rules, args.rounds, bars
    )
    report["bit_identity"] = section("5. Bit-identity", "bit_identity", identity_check, fed, args, args.robust, bars)
    timings["total"] = time.perf_counter() - t0
    report["bars"] = bars.rows
    report["timings_s"] = timings
    missed = [b for b in bars.rows if not b["ok"]]
    print(f"\n{len(bars.rows) - len(missed)}/{len(bars.rows)} bars met; missed:")
    for b in missed:
        print(f"  {b['bar']}: {b['value']} (bar {b['target']})")
    print(
        f"wall time {timings['total'] / 60:.1f} min (" + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()) + ")"
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1, default=_jsonable) + "\n")
    print(f"written to {args.json}")
    if args.strict and missed:
        sys.exit(1)


def _jsonable(x):
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(type(x))


if __name__ == "__main__":
    main()
