"""Strategy specs and the baseline fee policies."""

import numpy as np
import pytest

from envs.features import FEATURE_NAMES, OBS_SCALE
from envs.fee_rule import FeeRule
from strategies.heuristics import HEURISTICS, NO_LEAK
from strategies.spec import SpecError, parse_fee_strategy


def obs(sigma=0.6, flow=0.0, volume=0.1):
    x = np.zeros(len(FEATURE_NAMES))
    x[1], x[3], x[4] = sigma, flow, volume
    return (x * OBS_SCALE).astype(np.float32)


def test_specs_build_their_strategies_with_defaults_and_arguments():
    assert parse_fee_strategy("static:30").decide(obs()) == FeeRule(3000)
    assert parse_fee_strategy("static:bps=2.5").constant_rule == FeeRule(250)
    assert parse_fee_strategy("vol").decide(obs(sigma=0.6)).base == 3000  # k=0.5 bps per vol point
    assert parse_fee_strategy("vol:k=0.25").decide(obs(sigma=0.6)).base == 1500
    assert parse_fee_strategy("vol:k=1,floor=50").decide(obs(sigma=0.1)).base == 5000
    s = parse_fee_strategy("directional")
    assert s.spec == "directional" and s.constant_rule is None
    assert parse_fee_strategy("rule:base=1500,skew_gain=2000").constant_rule == FeeRule(1500, skew_gain=2000)


def test_heuristics_are_settings_of_the_pool_rule():
    """Each heuristic is one fixed rule, from its parameters in people's units."""
    assert parse_fee_strategy("ewma:base=20,c=2,cap=50,tau=300").constant_rule == FeeRule(2000, 2000, 5000, 300)
    assert parse_fee_strategy("nezlobin:base=10,c=1.5,cap=30,window=12").constant_rule == FeeRule(1000, 1500, 3000, 12)
    sliding = parse_fee_strategy("sliding:base=20,k=10").constant_rule  # fee = base (1 +- 10 move), in [0, 2 base]
    assert (sliding.skew_gain, sliding.skew_cap, sliding.skew_tau) == (20, 2000, NO_LEAK)
    surge = parse_fee_strategy("surge:base=10,fee=60,move=30,decay=120,q=2").constant_rule
    assert (surge.surge_fee, surge.surge_threshold, surge.surge_tau, surge.twap_gain) == (6000, 3000, 120, 2_000_000)
    assert parse_fee_strategy("volacc:base=10,a=50").constant_rule == FeeRule(1000, vol_gain=5000)
    thr = parse_fee_strategy("threshold:low=10,high=40,vol=0.8").constant_rule
    assert (thr.base, thr.vol_jump, thr.vol_threshold) == (1000, 3000, 640_000)
    for name in HEURISTICS:  # defaults build (the tuned values)
        assert parse_fee_strategy(name).constant_rule.base > 0


def test_directional_fee_rises_with_one_sided_flow():
    s = parse_fee_strategy("directional:base=5,a=4")
    balanced, one_sided = s.decide(obs(flow=0.0)), s.decide(obs(flow=0.1, volume=0.1))
    assert balanced.base == 500 and one_sided.base == 2500


def test_vol_fee_tracks_volatility():
    s = parse_fee_strategy("vol")
    assert s.decide(obs(sigma=0.2)).base < s.decide(obs(sigma=0.8)).base


@pytest.mark.parametrize(
    "spec, words",
    [
        ("static", "give the fee"),
        ("static:abc", "not a number"),
        ("nope", "unknown strategy"),
        ("vol:q=1", "unexpected arguments"),
        ("static:-3", "outside"),
        ("threshold:low=30,high=10", "high must be"),
        ("rule:base=1.5", "integers"),
        ("rule:skew_gain=5", "unexpected arguments"),
    ],
)
def test_bad_specs_are_refused_with_a_reason(spec, words):
    with pytest.raises(SpecError, match=words):
        parse_fee_strategy(spec)
