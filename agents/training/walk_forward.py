"""Walk-forward evaluation: train on expanding windows of days, evaluate on the next window.

The observed days of the whole span are cut into K+1 consecutive blocks; fold i trains on blocks 0..i and
is evaluated on block i+1, which starts after its last training day (no fold sees its future). Folds keep
their final model: choosing a checkpoint on the evaluation block would let it peek.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np

from agents.training.artifact import PNL
from agents.training.backends import run_jobs
from agents.training.fee import Period
from agents.training.jobs import TrainingJob, run_training_job
from backtests.report import write_atomic
from strategies.heuristics import HEURISTICS


def _pct(doc: dict) -> str:
    return f"{doc['estimate']:+.1f}% [{doc['low']:+.1f}, {doc['high']:+.1f}]"


def counted(per_fold: list[dict], cards: list[dict]) -> set[str]:
    """Strategies every fold evaluated (each fold's best static fee differs; the common grid stays)."""
    keys = [{"learned" if s.startswith("learned:") else s for s in c["evaluation"]["metrics"]} for c in cards]
    return set.intersection(*keys) if keys else set()


def folds(days: list[date], k: int) -> list[tuple[Period, Period]]:
    """(train, evaluation) periods of K expanding-window folds over the sorted observed days."""
    if k < 1:
        raise ValueError("--walk-forward needs K >= 1 folds")
    if len(days) < k + 1:
        raise ValueError(f"{len(days)} observed days cannot make {k} walk-forward folds (need at least {k + 1})")
    blocks = np.array_split(np.array(days, dtype=object), k + 1)
    out = []
    for i in range(k):
        train_days = np.concatenate(blocks[: i + 1])
        test = blocks[i + 1]
        out.append((Period(train_days[0], train_days[-1]), Period(test[0], test[-1])))
    return out


def observed_days(market) -> list[date]:
    days = np.unique(market.timestamp.astype("datetime64[s]").astype("datetime64[D]"))
    return [d.astype(object) for d in days]


def run_walk_forward(job: TrainingJob, k: int, days: list[date], backend: str, address: str | None) -> dict:
    jobs = [
        replace(job, train=tr, evaluation=ev, out=job.out / "folds" / f"fold-{i}", select_on_evaluation=False)
        for i, (tr, ev) in enumerate(folds(days, k))
    ]
    cards = run_jobs(run_training_job, jobs, backend, address, cpus_per_job=job.config.cpus)
    per_fold, pooled, total_days = [], {}, 0.0
    for j, card in zip(jobs, cards, strict=True):
        metrics = {("learned" if s.startswith("learned:") else s): m for s, m in card["evaluation"]["metrics"].items()}
        n = next(iter(metrics.values()))["days"]
        total_days += n
        for spec, m in metrics.items():
            pooled[spec] = pooled.get(spec, 0.0) + m[PNL] * n
        per_fold.append(
            {
                "train": str(j.train),
                "evaluation": str(j.evaluation),
                "days": n,
                "learned_bps_per_day": metrics["learned"][PNL],
                "best_static": card["evaluation"]["best_static_hindsight"],
                "best_heuristic": card["evaluation"]["best_heuristic"],
                "gain_vs_static_pct": card["evaluation"]["paired"]["gain_vs_static_pct"],
                "gain_vs_heuristic_pct": card["evaluation"]["paired"]["gain_vs_heuristic_pct"],
                "margin_bps_per_day": card["evaluation"]["margin_bps_per_day"],
            }
        )
    pooled = {spec: total / total_days for spec, total in pooled.items() if spec in counted(per_fold, cards)}
    best_static = max((s for s in pooled if s.startswith("static:")), key=pooled.get)
    best = max([best_static, *HEURISTICS], key=pooled.get)
    summary = {
        "folds": per_fold,
        "pooled_bps_per_day": pooled,
        "pooled_best_static": best_static,
        "pooled_margin_bps_per_day": pooled["learned"] - pooled[best],
        "pooled_best_baseline": best,
    }
    write_atomic(job.out / "walk_forward.json", json.dumps(summary, indent=2) + "\n")
    lines = [
        "| fold | train | evaluation | learned bps/day | vs best static (hindsight) | vs best heuristic | margin |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {i} | {f['train']} | {f['evaluation']} | {f['learned_bps_per_day']:+.4f} "
        f"| {_pct(f['gain_vs_static_pct'])} ({f['best_static']}) | {_pct(f['gain_vs_heuristic_pct'])} "
        f"({f['best_heuristic']}) | {f['margin_bps_per_day']:+.5f} |"
        for i, f in enumerate(per_fold)
    ]
    lines.append(f"| pooled | | | {pooled['learned']:+.4f} | | {best} | {summary['pooled_margin_bps_per_day']:+.5f} |")
    write_atomic(Path(job.out) / "walk_forward.md", "# Walk-forward\n\n" + "\n".join(lines) + "\n")
    return summary
