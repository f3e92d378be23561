"""Portfolio strategy specs on the command line: `hold`, `mix[:every=N|band=X]`,
`momentum[:lookback=N,top=K,every=N]`, `learned:models/NAME`."""

from __future__ import annotations

from strategies.learned_portfolio import LearnedPortfolio
from strategies.portfolio import BuyAndHold, ConstantMix, Momentum, PortfolioStrategy


def _options(text: str) -> dict[str, str]:
    out = {}
    for part in filter(None, text.split(",")):
        key, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"option {part!r}: write key=value")
        out[key.strip()] = value.strip()
    return out


def parse_portfolio_strategy(spec: str) -> PortfolioStrategy:
    kind, _, rest = spec.partition(":")
    try:
        if kind == "hold" and not rest:
            return BuyAndHold()
        if kind == "mix":
            o = _options(rest)
            unknown = set(o) - {"every", "band"}
            if unknown:
                raise ValueError(f"unknown option {', '.join(sorted(unknown))}")
            return ConstantMix(int(o.get("every", 1)), float(o["band"]) if "band" in o else None)
        if kind == "momentum":
            o = _options(rest)
            unknown = set(o) - {"lookback", "top", "every"}
            if unknown:
                raise ValueError(f"unknown option {', '.join(sorted(unknown))}")
            return Momentum(int(o.get("lookback", 168)), int(o.get("top", 3)), int(o.get("every", 24)))
        if kind == "learned" and rest:
            return LearnedPortfolio(rest)
    except ValueError as e:
        raise ValueError(f"--strategy {spec}: {e}") from None
    raise ValueError(
        f"--strategy {spec}: unknown portfolio strategy; use hold, mix[:every=N|band=X], "
        "momentum[:lookback=N,top=K,every=N] or learned:PATH"
    )


DEFAULT_PORTFOLIO_SPECS = ("hold", "mix:every=24", "mix:band=0.05", "momentum")
