"""Hyperparameters of fee-policy training: defaults in code, overrides from a TOML file.

A config file holds any subset of the fields below, at top level or under `[train]`, e.g.::

    algo = "ppo"
    timesteps = 300000
    net_arch = [32, 32]
    [sim]
    depth = 0.1
    [rule_map]   # which fee-rule parameters the policy sets (envs.rule_map); default: the base fee only
    template = { base = 2000, skew_cap = 5000, skew_tau = 300 }
    outputs = [ { field = "base", lo = 500, hi = 6000, log = true },
                { field = "skew_gain", lo = 0, hi = 8000, log = false } ]
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from envs.fee_rule import FeeRule
from envs.rule_map import RuleMap
from envs.simulation import FeeSimConfig, default_rule_map

ALGOS = ("ppo", "sac", "cps")  # cps: counterfactual policy search (agents.training.policy_search)
# ReLU keeps the proof small: EZKL proves it with range checks, where tanh needs a lookup table
ACTIVATIONS = ("relu", "tanh")


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run besides data and periods."""

    algo: str = "ppo"
    timesteps: int = 300_000
    seed: int = 0
    n_envs: int | None = None  # environments stepped together in one C call; None: 16 for PPO, 2 for SAC
    step: str = "60s"
    episode_days: float = 1.0  # training episodes are random windows this long
    net_arch: tuple[int, ...] = (32, 32)  # the deployed policy network (proved in zero knowledge later)
    activation: str = "relu"
    learning_rate: float = 3e-4
    gamma: float = 0.9  # fee decisions pay off within minutes
    reward_scale: float = 100.0  # rewards are bps of TVL per step, ~1e-3: scaled for the optimiser only
    reward_baseline_bps: float | None = 30.0  # control variate: PnL relative to a shadow pool at this fee
    reward_shaping: bool = True  # charge displacement from the fair price when it happens (envs.fee_env)
    # PPO
    n_steps: int = 1024
    batch_size: int = 256
    n_epochs: int = 10
    ent_coef: float = 0.0
    clip_range: float = 0.2
    log_std_init: float = -1.5
    # gSDE: exploration noise held for this many steps (-1: per episode); None: plain Gaussian noise
    sde_sample_freq: int | None = None
    # SAC
    buffer_size: int = 200_000
    learning_starts: int = 5_000
    tau: float = 0.005
    # counterfactual policy search
    cps_grid: int = 24  # points tried at every step per output, evenly spaced in the action
    cps_horizon: int = 10  # steps a deviation is followed for (its later costs)
    cps_epochs: int = 60
    cps_weight_decay: float = 1e-3
    # evaluation and checkpoints
    eval_every: int = 100_000  # steps between validation evaluations (best checkpoint kept)
    checkpoint_every: int = 100_000
    sim: FeeSimConfig = field(default_factory=FeeSimConfig)
    rule_map: RuleMap | None = None  # None: one output, the base fee over the pool's bounds

    @property
    def rules(self) -> RuleMap:
        """The rule map the policy's actions go through."""
        return self.rule_map or default_rule_map(self.sim)

    def __post_init__(self):
        if self.algo not in ALGOS:
            raise ValueError(f"unknown algorithm {self.algo!r}: use one of {', '.join(ALGOS)}")
        if self.n_envs is None:  # PPO's rollout is n_steps whatever the count; SAC's updates are per vector step
            object.__setattr__(self, "n_envs", 16 if self.algo == "ppo" else 2)
        if self.timesteps <= 0 or self.n_envs <= 0 or self.episode_days <= 0:
            raise ValueError("timesteps, n_envs and episode_days must be positive")
        if self.cps_grid < 2 or self.cps_horizon < 1 or self.cps_epochs < 1:
            raise ValueError("cps_grid must be at least 2, cps_horizon and cps_epochs at least 1")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}: use one of {', '.join(ACTIVATIONS)}")
        if not self.net_arch or any(n <= 0 for n in self.net_arch):
            raise ValueError("net_arch must list positive layer widths")
        object.__setattr__(self, "net_arch", tuple(self.net_arch))

    @property
    def cpus(self) -> int:
        """Cores one run keeps busy: one (its environments step together in its own process)."""
        return 1

    def replace(self, **changes) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["net_arch"] = list(self.net_arch)
        d["sim"] = {k: v for k, v in d["sim"].items() if k != "pool"}
        d["rule_map"] = self.rules.as_dict()
        return d

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        values = dict(values)
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown training settings: {', '.join(sorted(unknown))}")
        if "sim" in values:
            sim = dict(values["sim"])
            sim_fields = {f.name for f in dataclasses.fields(FeeSimConfig)} - {"pool"}
            if bad := set(sim) - sim_fields:
                raise ValueError(f"unknown [sim] settings: {', '.join(sorted(bad))}")
            values["sim"] = FeeSimConfig(**sim)
        if isinstance(values.get("rule_map"), dict):
            doc = values["rule_map"]
            template = {f: 0 for f in FeeRule.__dataclass_fields__} | dict(doc.get("template", {}))
            values["rule_map"] = RuleMap.from_dict({"template": template, "outputs": doc.get("outputs", [])})
        return cls(**values)


def load_train_config(path: str | Path | None, **overrides) -> TrainConfig:
    """Defaults, then the file (if any), then explicit overrides (None values are ignored)."""
    values: dict = {}
    if path is not None:
        path = Path(path)
        try:
            doc = tomllib.loads(path.read_text())
        except FileNotFoundError:
            raise FileNotFoundError(f"config file {path} not found") from None
        except tomllib.TOMLDecodeError as e:
            raise ValueError(f"config file {path}: not valid TOML ({e})") from None
        values = doc.get("train", doc)
    values |= {k: v for k, v in overrides.items() if v is not None}
    try:
        return TrainConfig.from_dict(values)
    except TypeError as e:
        raise ValueError(f"config {path or '(defaults)'}: {e}") from None
