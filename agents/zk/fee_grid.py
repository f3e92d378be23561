"""The proven action -> fee map of FeeController.vy, bit for bit in Python integers.

The circuit proves the policy's action a in [-1, 1] at 2**out_scale (an integer in [-2**out_scale,
2**out_scale]). The controller rounds it to the model's fee grid of 2**fee_bits steps per unit and maps the
grid point t in [0, 2**(fee_bits + 1)] log-linearly: fee = fee_lo * (fee_hi / fee_lo) ** (t / 2**(fee_bits + 1))
pips, the environment's action -> fee map sampled on the grid. One grid step changes the fee by the factor
(fee_hi / fee_lo) ** (1 / 2**(fee_bits + 1)): 0.9% for 1..100 bps and fee_bits 8.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from math import isqrt

WAD = 10**18


@dataclass(frozen=True)
class FeeGrid:
    out_scale: int  # the proven action's fixed-point bits
    fee_bits: int  # grid steps per unit of action: 2**fee_bits
    fee_lo: int  # pips at action -1
    fee_hi: int  # pips at action +1

    def grid_point(self, action_q: int) -> int:
        shift = self.out_scale - self.fee_bits
        return (action_q + (1 << self.out_scale) + ((1 << shift) >> 1)) >> shift

    def fee(self, action_q: int) -> int:
        """Pips for a proven action, exactly as the controller computes them."""
        if abs(action_q) > 1 << self.out_scale:
            raise ValueError(f"action {action_q} outside [-2**{self.out_scale}, 2**{self.out_scale}]")
        t = self.grid_point(action_q)
        root, acc = self.fee_hi * WAD // self.fee_lo, WAD
        for k in range(self.fee_bits + 2):
            if (t >> (self.fee_bits + 1 - k)) & 1:
                acc = acc * root // WAD
            root = isqrt(root * WAD)
        return (self.fee_lo * acc + WAD // 2) // WAD

    @property
    def step(self) -> float:
        """Relative fee change of one grid step."""
        return math.exp(math.log(self.fee_hi / self.fee_lo) / 2 ** (self.fee_bits + 1)) - 1
