"""The proven action -> fee rule map of FeeController.vy, bit for bit in Python integers.

The circuit proves the policy's action, one value a in [-1, 1] per output of the model's rule map
(envs.rule_map), at 2**out_scale (an integer in [-2**out_scale, 2**out_scale]). The controller rounds each to
the model's grid of 2**grid_bits steps per unit and maps the grid point t in [0, 2**(grid_bits + 1)] onto its
parameter's range [lo, hi]: log-linearly, lo * (hi / lo) ** (t / 2**(grid_bits + 1)) from the binary digits
of t and repeated square roots of hi / lo, or linearly, lo + (hi - lo) * t / 2**(grid_bits + 1) rounded half
up; the other parameters keep the template's values. One grid step of a log output changes its parameter by
the factor (hi / lo) ** (1 / 2**(grid_bits + 1)): 0.5% for 5.4..43 bps and grid_bits 8.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from math import isqrt

from envs.fee_rule import RULE_FIELDS, FeeRule
from envs.rule_map import OutputMap, RuleMap

WAD = 10**18


@dataclass(frozen=True)
class RuleGrid:
    out_scale: int  # the proven action's fixed-point bits
    grid_bits: int  # grid steps per unit of action: 2**grid_bits
    rule_map: RuleMap

    def grid_point(self, action_q: int) -> int:
        shift = self.out_scale - self.grid_bits
        return (action_q + (1 << self.out_scale) + ((1 << shift) >> 1)) >> shift

    def value(self, output: OutputMap, action_q: int) -> int:
        """The parameter one proven action component sets, exactly as the controller computes it."""
        if abs(action_q) > 1 << self.out_scale:
            raise ValueError(f"action {action_q} outside [-2**{self.out_scale}, 2**{self.out_scale}]")
        t, top = self.grid_point(action_q), 1 << (self.grid_bits + 1)
        if not output.log:
            return output.lo + ((output.hi - output.lo) * t + top // 2) // top
        root, acc = output.hi * WAD // output.lo, WAD
        for k in range(self.grid_bits + 2):
            if (t >> (self.grid_bits + 1 - k)) & 1:
                acc = acc * root // WAD
            root = isqrt(root * WAD)
        return (output.lo * acc + WAD // 2) // WAD

    def rule(self, actions_q: list[int]) -> FeeRule:
        """The rule proven actions set (before the controller's clamp)."""
        if len(actions_q) != self.rule_map.size:
            raise ValueError(f"{len(actions_q)} actions for a rule map of {self.rule_map.size} outputs")
        values = {o.field: self.value(o, a) for o, a in zip(self.rule_map.outputs, actions_q, strict=True)}
        return replace(self.rule_map.template, **values)

    def step(self, output: OutputMap) -> float:
        """One grid step of `output`: a relative change (log outputs) or an absolute one (linear)."""
        steps = 2 ** (self.grid_bits + 1)
        if output.log:
            return math.exp(math.log(output.hi / output.lo) / steps) - 1
        return (output.hi - output.lo) / steps

    def registration(self) -> tuple[int, list[tuple[int, int, int, bool]]]:
        """(the template, packed; the outputs as (field index, lo, hi, log)): what FeeController registers."""
        outputs = [(RULE_FIELDS.index(o.field), o.lo, o.hi, o.log) for o in self.rule_map.outputs]
        return self.rule_map.template.pack(), outputs
