"""Fee-policy jobs: one training run into a model artifact, several seeds, and walk-forward folds.

A `TrainingJob` is self-contained (data path, periods, config, output folder), so the same function runs
it in this process, in a local worker process, or on a Ray worker.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from agents.training.artifact import PNL, build_artifact, data_files, portable_path, write_card
from agents.training.config import TrainConfig
from agents.training.fee import Period, load_period, train
from envs.market import MarketSpec


@dataclass(frozen=True)
class TrainingJob:
    data: str
    train: Period | None
    evaluation: Period | None  # validation (checkpoint choice and the card's table)
    spec: MarketSpec
    config: TrainConfig
    out: Path
    name: str = ""
    resume: bool = False
    progress_bar: bool = False
    select_on_evaluation: bool = True  # keep the checkpoint that is best on the evaluation period


def run_training_job(job: TrainingJob) -> dict:
    """Trains, builds the artifact in job.out, returns the card."""
    cfg = job.config
    train_market = load_period(job.data, job.train, job.spec, cfg.step, synthetic_seed=0)
    eval_market = (
        load_period(job.data, job.evaluation, job.spec, cfg.step, synthetic_seed=1) if job.evaluation else train_market
    )
    select = job.evaluation if job.select_on_evaluation and cfg.algo != "cps" else None
    select_market = eval_market if select else None
    outcome = train(train_market, select_market, cfg, job.out, resume=job.resume, progress_bar=job.progress_bar)
    span = (job.train.start, job.evaluation.end) if job.train and job.evaluation else (None, None)
    card = {
        "name": job.name or job.out.name,
        "data": {
            "source": portable_path(job.data),
            "files": data_files(job.data, *span),
            "decimals": [job.spec.decimals0, job.spec.decimals1],
            "quote": job.spec.quote,
            "venue_fee": job.spec.venue_fee,
        },
        "periods": {
            "train": str(job.train or "synthetic seed 0"),
            "evaluation": str(job.evaluation or "training data"),
            "checkpoint_selection": str(select),
        },
        "training": {
            "timesteps": outcome.num_timesteps,
            "seconds": round(outcome.seconds, 1),
            "best_selection_bps_total": outcome.best_validation_bps,
        },
    }
    card, _ = build_artifact(outcome.model_path, job.out, cfg, eval_market, card)
    return card


def train_seeds(job: TrainingJob, seeds: list[int], backend: str, address: str | None) -> dict:
    """Trains every seed (job.out/seeds/seed-S); the top-level artifact is the seed with the median margin,
    and its card lists every seed's margin."""
    from agents.training.backends import run_jobs

    if len(seeds) == 1:
        return run_training_job(replace(job, config=job.config.replace(seed=seeds[0])))
    jobs = [replace(job, config=job.config.replace(seed=s), out=job.out / "seeds" / f"seed-{s}") for s in seeds]
    cards = run_jobs(run_training_job, jobs, backend, address, cpus_per_job=job.config.cpus)
    margins = [c["evaluation"]["margin_bps_per_day"] for c in cards]
    order = np.argsort(margins)
    chosen = cards[int(order[len(order) // 2])]
    src = job.out / "seeds" / f"seed-{chosen['seed']}"
    for name in ("model.zip", "policy.onnx", "policy.json"):
        shutil.copyfile(src / name, job.out / name)
    card = chosen | {
        "seeds": [
            {
                "seed": c["seed"],
                "margin_bps_per_day": c["evaluation"]["margin_bps_per_day"],
                "learned_bps_per_day": c["evaluation"]["metrics"][f"learned:{j.out}"][PNL],
            }
            for c, j in zip(cards, jobs, strict=True)
        ],
        "margin_mean_bps_per_day": float(np.mean(margins)),
        "margin_std_bps_per_day": float(np.std(margins, ddof=1)),
        "shipped_seed": chosen["seed"],
    }
    write_card(job.out, card)
    return card
