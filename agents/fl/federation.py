"""A federation's fixed parts: the policy, every party's prepared data, stakes and evaluators.

Built once per simulation (the expensive part: replaying every shard at every grid action), then any number of
round runs (attack or not, any rule) reuse it. Preparation runs on the training backends (local processes or
Ray) and is cached on disk by the contents it depends on."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path

import numpy as np

from agents.fl.client import ClientData, corrupted, prepare
from agents.fl.policy import PolicyShape
from agents.fl.shards import Shard, available_days, client_shards, split_days
from agents.training.backends import run_jobs
from agents.training.config import TrainConfig
from envs.market import Market
from envs.simulation import bps_to_pips

TOKEN = 10**18


@dataclass(frozen=True)
class FederationSpec:
    """Who takes part and with what data. Defaults: the shared Arbitrum days, 10 clients, 3 evaluators."""

    data: str = "synthetic"
    train: tuple[str, str] = ("2025-05-04", "2025-07-05")
    evaluation: tuple[str, str] = ("2025-07-06", "2025-07-30")
    clients: int = 10
    synthetic_share: float = 0.3
    evaluators: int = 3
    noise_step: float = 0.25  # client k's label noise: k x this (in spreads of its values), k in a seeded order
    stake: int = 100 * TOKEN
    start_fee_bps: float = 30.0  # the round-zero policy: this static fee, no skew (a newly deployed pool)
    seed: int = 0
    grid: int = 7
    horizon: int = 4

    def check(self) -> None:
        if self.clients < 3:
            raise ValueError(f"--clients {self.clients}: a federation needs at least 3 clients")
        if self.evaluators < 1:
            raise ValueError("--evaluators: at least 1")
        for name, (a, b) in (("train", self.train), ("evaluation", self.evaluation)):
            if date.fromisoformat(a) > date.fromisoformat(b):
                raise ValueError(f"{name} period {a}..{b} ends before it starts")
        if self.data != "synthetic" and date.fromisoformat(self.evaluation[0]) <= date.fromisoformat(self.train[1]):
            raise ValueError(f"evaluation days {self.evaluation} must come after the training days {self.train}")


@dataclass
class Federation:
    spec: FederationSpec
    cfg: TrainConfig
    shape: PolicyShape
    base: np.ndarray  # the round-zero policy's action
    shards: list[Shard]
    data: list[ClientData]  # each client's own table, with its label noise
    noise: list[float]
    evaluator_markets: list[Market]  # each evaluator's own days
    root: ClientData  # the coordinator's root shard (FLTrust)
    eval_market: Market
    stakes: list[int] = field(default_factory=list)
    cache: Path | None = None  # where the prepared tables are kept

    @property
    def interval_s(self) -> int:
        from envs.market import Step

        step = Step.parse(self.cfg.step)
        return step.count if step.unit == "s" else 0


@dataclass(frozen=True)
class PrepareJob:
    shard: Shard
    cfg: dict
    base: tuple[float, ...]
    grid: int
    horizon: int
    cache: str | None


def prepare_shard(job: PrepareJob) -> ClientData:
    cfg = TrainConfig.from_dict(job.cfg)
    key = hashlib.sha256(
        json.dumps([job.shard.key(), job.cfg, job.base, job.grid, job.horizon], sort_keys=True).encode()
    ).hexdigest()[:32]
    path = Path(job.cache) / f"{key}.npz" if job.cache else None
    if path and path.is_file():
        saved = np.load(path)
        return ClientData(saved["obs"], saved["values"], tuple(int(v) for v in saved["shape"]))
    data = prepare(job.shard.market(cfg.step), cfg.sim, cfg.rules, np.array(job.base), job.grid, job.horizon)
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, obs=data.obs, values=data.values, shape=np.array(data.grid_shape))
        tmp.replace(path)
    return data


def build(
    spec: FederationSpec, cfg: TrainConfig, cache: Path | None, backend: str = "local", address: str | None = None
) -> Federation:
    """Shards, evaluators and the root shard, prepared (in parallel on the backend, from the cache if there)."""
    spec.check()
    train = tuple(date.fromisoformat(d) for d in spec.train)
    shards = client_shards(spec.data, train, spec.clients, spec.synthetic_share, spec.seed)
    if spec.data == "synthetic":
        evaluators = [Shard(f"evaluator {k}", regime="calm", seed=10**6 + k) for k in range(spec.evaluators)]
        eval_shards = [Shard("evaluation", regime="calm", seed=2 * 10**6)]
        root = Shard("root", regime="calm", seed=3 * 10**6)
    else:
        days = available_days(spec.data, *(date.fromisoformat(d) for d in spec.evaluation))
        evaluators = [
            Shard(f"evaluator {k}", spec.data, str(b[0]), str(b[-1]))
            for k, b in enumerate(split_days(days, spec.evaluators))
        ]
        eval_shards = [Shard("evaluation", spec.data, str(days[0]), str(days[-1]))]
        real = available_days(spec.data, *train)
        root = Shard("root", spec.data, str(real[-2]), str(real[-1]))
    base = cfg.rules.action(replace(cfg.rules.template, base=bps_to_pips(spec.start_fee_bps), skew_gain=0))
    doc = cfg.to_dict()
    jobs = [
        PrepareJob(s, doc, tuple(float(v) for v in base), spec.grid, spec.horizon, str(cache) if cache else None)
        for s in [*shards, root]
    ]
    prepared = run_jobs(prepare_shard, jobs, backend, address)
    rng = np.random.default_rng(spec.seed)
    noise = [float(k * spec.noise_step) for k in rng.permutation(spec.clients)]
    data = [
        corrupted(d, f"noise:{n}", spec.seed * 7_919 + i) if n else d
        for i, (d, n) in enumerate(zip(prepared[: spec.clients], noise, strict=True))
    ]
    return Federation(
        spec=spec,
        cfg=cfg,
        shape=PolicyShape(tuple(cfg.net_arch), cfg.rules.size),
        base=np.asarray(base, dtype=np.float64),
        shards=shards,
        data=data,
        noise=noise,
        evaluator_markets=[e.market(cfg.step) for e in evaluators],
        root=prepared[-1],
        eval_market=eval_shards[0].market(cfg.step),
        stakes=[spec.stake] * spec.clients,
        cache=cache,
    )


def describe(fed: Federation) -> list[dict]:
    """Each client's shard and its label noise, for reports."""
    return [asdict(s) | {"noise": n, "steps": d.steps} for s, n, d in zip(fed.shards, fed.noise, fed.data, strict=True)]
