"""`lamm tune fee`: a hyperparameter sweep, Optuna's sampler proposing, the backend training in parallel.

Trials are asked from an Optuna study in batches of `parallel`, trained as ordinary training jobs (local
processes or Ray), and told their validation margin. The best trial's settings are written as a config file
that `lamm train fee --config` accepts.
"""

from __future__ import annotations

import json
from dataclasses import replace

import optuna

from agents.training.artifact import PNL
from agents.training.backends import run_jobs
from agents.training.jobs import TrainingJob, run_training_job
from backtests.report import write_atomic


def suggest(trial: optuna.Trial, algo: str) -> dict:
    """The searched settings (the rest come from the base config)."""
    if algo == "cps":
        return {
            "learning_rate": trial.suggest_float("learning_rate", 3e-4, 1e-2, log=True),
            "cps_horizon": trial.suggest_categorical("cps_horizon", [5, 10, 20]),
            "cps_weight_decay": trial.suggest_float("cps_weight_decay", 1e-5, 1e-2, log=True),
        }
    params = {
        "learning_rate": trial.suggest_float("learning_rate", 1e-4, 2e-3, log=True),
        "gamma": trial.suggest_float("gamma", 0.5, 0.99),
    }
    if algo == "ppo":
        params["n_steps"] = trial.suggest_categorical("n_steps", [512, 1024, 2048])
        params["log_std_init"] = trial.suggest_float("log_std_init", -2.5, 0.0)
        params["ent_coef"] = trial.suggest_float("ent_coef", 0.0, 0.01)
    return params


def _toml(values: dict) -> str:
    return "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())


def tune(job: TrainingJob, trials: int, parallel: int, backend: str, address: str | None, seed: int = 0) -> dict:
    if trials < 1:
        raise ValueError("--trials must be at least 1")
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    results = []
    done = 0
    while done < trials:
        batch = [study.ask() for _ in range(min(parallel, trials - done))]
        params = [suggest(t, job.config.algo) for t in batch]
        jobs = [
            replace(job, config=job.config.replace(**p), out=job.out / "trials" / f"trial-{t.number}")
            for t, p in zip(batch, params, strict=True)
        ]
        cards = run_jobs(run_training_job, jobs, backend, address, cpus_per_job=job.config.cpus)
        for t, p, j, card in zip(batch, params, jobs, cards, strict=True):
            learned = card["evaluation"]["metrics"][f"learned:{j.out}"][PNL]
            study.tell(t, learned)
            results.append(
                {
                    "trial": t.number,
                    "params": p,
                    "learned_bps_per_day": learned,
                    "margin_bps_per_day": card["evaluation"]["margin_bps_per_day"],
                }
            )
        done += len(batch)
    best = max(results, key=lambda r: r["learned_bps_per_day"])
    summary = {"trials": results, "best": best}
    write_atomic(job.out / "tune.json", json.dumps(summary, indent=2) + "\n")
    write_atomic(job.out / "best.toml", _toml({"algo": job.config.algo, **best["params"]}))
    return summary
