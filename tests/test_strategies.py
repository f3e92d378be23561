"""Strategy specs and the baseline fee policies."""

import numpy as np
import pytest

from envs.features import OBS_SCALE
from strategies.spec import SpecError, parse_fee_strategy


def obs(sigma=0.6, flow=0.0, volume=0.1):
    x = np.zeros(7)
    x[1], x[3], x[4] = sigma, flow, volume
    return (x * OBS_SCALE).astype(np.float32)


def test_specs_build_their_strategies_with_defaults_and_arguments():
    assert parse_fee_strategy("static:30").decide(obs()) == 3000
    assert parse_fee_strategy("static:bps=2.5").constant_fee == 250
    assert parse_fee_strategy("vol").decide(obs(sigma=0.6)) == 3000  # k=0.5 bps per vol point
    assert parse_fee_strategy("vol:k=0.25").decide(obs(sigma=0.6)) == 1500
    assert parse_fee_strategy("vol:k=1,floor=50").decide(obs(sigma=0.1)) == 5000
    s = parse_fee_strategy("directional")
    assert s.spec == "directional" and s.constant_fee is None


def test_directional_fee_rises_with_one_sided_flow():
    s = parse_fee_strategy("directional:base=5,a=4")
    balanced, one_sided = s.decide(obs(flow=0.0)), s.decide(obs(flow=0.1, volume=0.1))
    assert balanced == 500 and one_sided == 2500


def test_vol_fee_tracks_volatility():
    s = parse_fee_strategy("vol")
    assert s.decide(obs(sigma=0.2)) < s.decide(obs(sigma=0.8))


@pytest.mark.parametrize(
    "spec, words",
    [
        ("static", "give the fee"),
        ("static:abc", "not a number"),
        ("nope", "unknown strategy"),
        ("vol:q=1", "unexpected arguments"),
        ("static:-3", "outside"),
    ],
)
def test_bad_specs_are_refused_with_a_reason(spec, words):
    with pytest.raises(SpecError, match=words):
        parse_fee_strategy(spec)
