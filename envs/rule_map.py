"""How a policy's action sets the pool's fee rule: each action component in [-1, 1] sets one rule parameter.

A `RuleMap` is a template rule (envs.fee_rule.FeeRule) and, per action component, the parameter it sets and
its range, mapped log-linearly (fees, gains: equal steps are equal ratios) or linearly. The other parameters
keep the template's values. The environment, learned strategies, training and FeeController (through the
same map, registered with the model, on a quantised grid: agents/zk/fee_grid.py) all use it.

`RuleMap.symmetric(lo, hi)`: one component, the base fee, log-linear over [lo, hi] pips: the single-fee
policies of before the rule existed.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import numpy as np

from envs.fee_rule import RULE_FIELDS, RULE_MAX, FeeRule


@dataclass(frozen=True)
class OutputMap:
    """One action component: the rule parameter it sets, over [lo, hi] (its integer units), log or linear."""

    field: str
    lo: int
    hi: int
    log: bool = True

    def __post_init__(self):
        if self.field not in RULE_FIELDS:
            raise ValueError(f"rule map: {self.field!r} is not a fee rule parameter ({', '.join(RULE_FIELDS)})")
        top = RULE_MAX[RULE_FIELDS.index(self.field)]
        if not 0 <= self.lo <= self.hi <= top or (self.log and self.lo == 0):
            raise ValueError(
                f"rule map: {self.field} range [{self.lo}, {self.hi}] must lie in [0, {top}] (above 0 when log)"
            )

    def value(self, a: float) -> int:
        u = (float(np.clip(a, -1.0, 1.0)) + 1.0) / 2.0
        if self.log:
            return int(round(math.exp(math.log(self.lo) + u * (math.log(self.hi) - math.log(self.lo)))))
        return int(round(self.lo + u * (self.hi - self.lo)))

    def action(self, value: float) -> float:
        if self.hi == self.lo:
            return 0.0
        if self.log:
            u = (math.log(max(value, self.lo)) - math.log(self.lo)) / (math.log(self.hi) - math.log(self.lo))
        else:
            u = (value - self.lo) / (self.hi - self.lo)
        return float(np.clip(2.0 * u - 1.0, -1.0, 1.0))


@dataclass(frozen=True)
class RuleMap:
    """A template rule and the parameters the action components set."""

    template: FeeRule
    outputs: tuple[OutputMap, ...]

    def __post_init__(self):
        names = [o.field for o in self.outputs]
        if not names or len(set(names)) != len(names):
            raise ValueError("rule map: give at least one output, each parameter at most once")

    @classmethod
    def symmetric(cls, lo: int, hi: int) -> RuleMap:
        return cls(FeeRule(lo), (OutputMap("base", lo, hi, log=True),))

    @property
    def size(self) -> int:
        return len(self.outputs)

    def rule(self, action) -> FeeRule:
        """The rule an action (one value per output, clipped to [-1, 1]) sets."""
        a = np.asarray(action, dtype=np.float64).reshape(-1)
        if len(a) != self.size:
            raise ValueError(f"rule map: {len(a)} action values for {self.size} outputs")
        return replace(self.template, **{o.field: o.value(x) for o, x in zip(self.outputs, a, strict=True)})

    def action(self, rule: FeeRule) -> np.ndarray:
        """The action that sets `rule`'s mapped parameters (the inverse of `rule`, up to rounding)."""
        return np.array([o.action(getattr(rule, o.field)) for o in self.outputs], dtype=np.float32)

    def as_dict(self) -> dict:
        return {"template": asdict(self.template), "outputs": [asdict(o) for o in self.outputs]}

    @classmethod
    def from_dict(cls, doc: dict) -> RuleMap:
        return cls(FeeRule(**doc["template"]), tuple(OutputMap(**o) for o in doc["outputs"]))
