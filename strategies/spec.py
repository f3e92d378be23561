"""Fee strategy specs on the command line: 'static:30', 'vol:k=0.5', 'directional', the heuristics
('nezlobin', 'ewma:c=3', 'sliding', 'surge', 'volacc', 'threshold'), 'rule:base=2000,skew_gain=3000' (any
setting of the fee rule in its integer units, envs.fee_rule) and 'learned:models/NAME'.

A spec is a name, optionally followed by ':' and either one positional value or comma-separated
key=value pairs; `learned:PATH` takes a model folder (models/NAME) or an ONNX file.
"""

from __future__ import annotations

from collections.abc import Callable

from envs.fee_rule import FeeRule
from strategies.base import Strategy
from strategies.fee import DirectionalFee, StaticFee, VolatilityFee
from strategies.heuristics import HEURISTICS, RuleStrategy


def _rule(**values: float) -> RuleStrategy:
    if any(v != int(v) for v in values.values()):
        raise ValueError("rule parameters are integers in the rule's units (see envs/fee_rule.py)")
    return RuleStrategy(FeeRule(**{k: int(v) for k, v in values.items()}))


FEE_STRATEGIES: dict[str, Callable[..., Strategy]] = {
    "static": StaticFee,
    "vol": VolatilityFee,
    "directional": DirectionalFee,
    **HEURISTICS,
    "rule": _rule,
}
DEFAULT_FEE_SPECS = ("static:5", "static:20", "static:30", "vol", "directional", "nezlobin", "ewma", "sliding")


class SpecError(ValueError):
    """A strategy spec that cannot be built."""


def _number(spec: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise SpecError(f"strategy {spec!r}: {text!r} is not a number") from None


def parse_fee_strategy(spec: str) -> Strategy:
    """Builds the fee strategy a spec names; the strategy keeps the spec as its name."""
    name, _, args = spec.strip().partition(":")
    if name == "learned":
        from strategies.learned import LearnedFee

        if not args:
            raise SpecError(f"strategy {spec!r}: give the model, e.g. learned:models/fee-arbitrum")
        try:
            strategy = LearnedFee(args)
        except FileNotFoundError as e:
            raise SpecError(str(e)) from None
        strategy.spec = spec
        return strategy
    if name not in FEE_STRATEGIES:
        known = ", ".join(sorted([*FEE_STRATEGIES, "learned"]))
        raise SpecError(f"unknown strategy {name!r} in {spec!r}: use one of {known} (e.g. static:30, vol:k=0.5)")
    positional: list[float] = []
    keywords: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in args.split(","))):
        key, eq, value = part.partition("=")
        if eq:
            keywords[key.strip()] = _number(spec, value)
        else:
            positional.append(_number(spec, key))
    if name == "static" and not positional and "bps" not in keywords:
        raise SpecError(f"strategy {spec!r}: give the fee in bps, e.g. static:30")
    try:
        strategy = FEE_STRATEGIES[name](*positional, **keywords)
    except TypeError:
        raise SpecError(f"strategy {spec!r}: unexpected arguments; see `lamm backtest --help`") from None
    except ValueError as e:
        raise SpecError(f"strategy {spec!r}: {e}") from None
    strategy.spec = spec
    return strategy
