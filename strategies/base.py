"""The one interface every policy implements: an observation in, a decision out.

Fee policies map the pool's observation (envs.features) to the next fee in pips (1e-6). Portfolio
policies (a later issue) map their observation to target weights through the same `Strategy` base.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np


class Strategy(ABC):
    """A policy. `spec` is the text it was built from (e.g. 'static:30'), used as its name in reports."""

    spec: str = ""

    @abstractmethod
    def decide(self, observation: np.ndarray) -> np.ndarray | int:
        """The decision for one observation."""


class FeeStrategy(Strategy):
    """Observation -> fee in pips. A strategy whose fee never changes sets `constant_fee`, which lets the
    backtester replay it in one pass."""

    constant_fee: int | None = None

    @abstractmethod
    def decide(self, observation: np.ndarray) -> int:
        """The next fee, in pips."""
