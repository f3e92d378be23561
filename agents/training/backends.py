"""Where independent jobs run (seeds, sweep trials, walk-forward folds): local processes or a Ray cluster.

Both backends call the same top-level function on the same job objects; only the executor differs.
`--backend ray` with no `--address` starts a local Ray instance; with `--address` it joins a cluster.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import TypeVar

J = TypeVar("J")
R = TypeVar("R")
BACKENDS = ("local", "ray")


def run_jobs(
    fn: Callable[[J], R],
    jobs: Sequence[J],
    backend: str = "local",
    address: str | None = None,
    cpus_per_job: int = 1,
    max_parallel: int | None = None,
) -> list[R]:
    """Runs fn(job) for every job and returns the results in job order."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}: use local or ray")
    if not jobs:
        return []
    if backend == "ray":
        return _run_ray(fn, jobs, address, cpus_per_job)
    parallel = max_parallel or max(1, (os.cpu_count() or 1) // max(cpus_per_job, 1))
    if parallel == 1 or len(jobs) == 1:
        return [fn(job) for job in jobs]
    with ProcessPoolExecutor(max_workers=min(parallel, len(jobs)), mp_context=get_context("spawn")) as pool:
        return list(pool.map(fn, jobs))


def _run_ray(fn, jobs, address, cpus_per_job):
    import ray

    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=address, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    try:
        cpus = min(cpus_per_job, int(ray.cluster_resources().get("CPU", 1)))
        remote = ray.remote(num_cpus=cpus)(fn)
        return ray.get([remote.remote(job) for job in jobs])
    finally:
        if started_here:
            ray.shutdown()
