"""The one interface every policy implements: an observation in, a decision out.

Fee policies map the pool's observation (envs.features) to the pool's fee rule (envs.fee_rule: a static fee
is the rule with only a base). Portfolio policies map their observation to target weights.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from envs.fee_rule import FeeRule


class Strategy(ABC):
    """A policy. `spec` is the text it was built from (e.g. 'static:30'), used as its name in reports."""

    spec: str = ""

    @abstractmethod
    def decide(self, observation: np.ndarray) -> np.ndarray | FeeRule:
        """The decision for one observation."""


class FeeStrategy(Strategy):
    """Observation -> the pool's fee rule. A strategy whose rule never changes sets `constant_rule`, which lets
    the backtester replay it in one pass."""

    constant_rule: FeeRule | None = None

    @abstractmethod
    def decide(self, observation: np.ndarray) -> FeeRule:
        """The rule for the next step."""
