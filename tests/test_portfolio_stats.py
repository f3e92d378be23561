"""The portfolio comparison's statistics: daily returns, bootstrap intervals and the deflated Sharpe ratio,
checked against what they claim (calibration under the null, not fixed numbers)."""

import numpy as np
import pytest

from backtests.portfolio_stats import compare_portfolios, daily_log_returns, deflated_sharpe, expected_max_sharpe


def test_daily_returns_run_from_close_to_close():
    times = np.array([0, 3_600, 86_400, 90_000, 172_800 + 5])
    values = np.array([100.0, 110.0, 121.0, 99.0, 108.9])
    r = daily_log_returns(values, times, capital=100.0)
    np.testing.assert_allclose(r, np.log([110 / 100, 99 / 110, 108.9 / 99]))


def test_the_deflated_sharpe_is_calibrated_under_the_null():
    """Many zero-Sharpe configurations: the best one looks significant by luck when judged alone (N = 1), and
    about 5% of the time when deflated for the N tried."""
    rng = np.random.default_rng(7)
    trials, days, repeats = 20, 250, 300
    alone = deflated = 0
    for _ in range(repeats):
        r = rng.standard_t(5, size=(trials, days)) * 0.02  # fat tails, true mean zero
        best = r[np.argmax(r.mean(axis=1) / r.std(axis=1))]
        alone += deflated_sharpe(best, 1) > 0.95
        deflated += deflated_sharpe(best, trials) > 0.95
    assert alone / repeats > 0.4  # 1 - 0.95**20 = 64% by luck
    assert deflated / repeats < 0.10, deflated / repeats


def test_a_real_edge_survives_deflation_and_more_trials_deflate_more():
    r = np.random.default_rng(3).normal(0.002, 0.01, size=1_000)  # daily Sharpe 0.2: 3.8 a year
    assert deflated_sharpe(r, 1) > deflated_sharpe(r, 100) > deflated_sharpe(r, 10_000) > 0.5
    assert expected_max_sharpe(1, 1.0) == 0 < expected_max_sharpe(10, 1.0) < expected_max_sharpe(1_000, 1.0)


def test_compare_pairs_each_strategy_with_the_best_mix_on_the_same_days():
    rng = np.random.default_rng(0)
    market = rng.normal(0, 0.02, size=400)
    returns = {
        "hold": market + rng.normal(0, 0.001, 400),
        "mix": market * 0.9 + 0.0002,
        "mix:band=0.05": market * 0.9,
        "learned:x": market * 0.9 + 0.0002 + rng.normal(0, 0.004, 400),
    }
    result = compare_portfolios(returns, trials=12, draws=500)
    assert result["best_mix"] == "mix" and result["trials"] == 12 and result["days"] == 400
    figures = result["strategies"]
    assert "vs_best_mix" not in figures["mix"]
    for spec, f in figures.items():
        for key in ("sharpe", "total_return"):
            assert f[key]["low"] <= f[key]["estimate"] <= f[key]["high"], (spec, key)
        assert 0 <= f["deflated_sharpe"] <= 1
    gap = figures["mix:band=0.05"]["vs_best_mix"]["daily_return_bps"]
    assert gap["estimate"] == pytest.approx(-2.0) and gap["high"] - gap["low"] < 1e-6  # a constant difference
    noisy = figures["learned:x"]["vs_best_mix"]["sharpe"]
    assert noisy["low"] < 0 < noisy["high"]  # the same mean with noise: no difference it can show
    with pytest.raises(ValueError, match="same days"):
        compare_portfolios({"a": market, "b": market[:-1]})
