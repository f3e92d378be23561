"""A strategy run one decision per agent run (agents/portfolio/memory.py) sees what a backtest over the same
prices sees: each decision is taken by a fresh RememberingStrategy, as in a fresh process, with the memory in
SQLite; the targets must equal those of one strategy object stepping through the whole history."""

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import create_engine

from agents.portfolio.memory import RememberingStrategy, StrategyMemory
from envs.price_series import synthetic_prices
from strategies.learned_portfolio import LearnedPortfolio
from strategies.portfolio_spec import parse_portfolio_strategy

MODEL = Path(__file__).resolve().parents[1] / "models" / "portfolio-binance"
HOUR = 3_600


def _engine(tmp_path):
    return create_engine(f"sqlite:///{tmp_path / 'memory.db'}")


def _runs(tmp_path, make, prices: np.ndarray, symbols: list[str], weights: np.ndarray, key: str = "job"):
    """One fresh runner per row, each remembering into the same database: the targets (None while waiting)."""
    tokens = [f"0x{i:040x}" for i in range(prices.shape[1])]
    engine, out = _engine(tmp_path), []
    for t, row in enumerate(prices):
        runner = RememberingStrategy(make(), StrategyMemory(engine, key, "spec"))
        out.append(runner.decide(tokens, symbols, 1_700_000_000 + t * HOUR, row, weights[t]))
        runner.remember()
    return out


def _backtest(make, prices: np.ndarray, weights: np.ndarray):
    strategy = make()
    strategy.reset(prices.shape[1])
    return [strategy.target(t, prices, weights[t]) for t in range(len(prices))]


@pytest.mark.parametrize("spec", ["mix:every=5", "mix:band=0.05", "hold", "momentum:lookback=24,top=2,every=6"])
def test_rule_strategies_decide_across_runs_as_in_a_backtest(tmp_path, spec):
    series = synthetic_prices(n_assets=4, days=5, seed=3)
    prices = series.prices
    rng = np.random.default_rng(0)
    weights = rng.dirichlet(np.ones(5), size=len(prices))[:, :4]  # the vault's weights at each run
    make = lambda: parse_portfolio_strategy(spec)  # noqa: E731
    ours, theirs = _runs(tmp_path, make, prices, series.assets, weights), _backtest(make, prices, weights)
    needed = make().history_needed
    assert all(x is None for x in ours[:needed])  # warming up (a backtest holds cash then)
    for t in range(needed, len(prices)):
        assert (ours[t] is None) == (theirs[t] is None), t
        if ours[t] is not None:
            np.testing.assert_array_equal(ours[t], theirs[t])
    decided = sum(x is not None for x in ours)
    assert {"hold": decided == 1, "mix:every=5": decided == -(-len(prices) // 5)}.get(spec, decided >= 1)


def test_the_learned_policy_sees_the_history_a_backtest_would(tmp_path):
    policy = LearnedPortfolio(MODEL)
    n, needed = len(policy.assets), policy.history_needed
    series = synthetic_prices(n_assets=n, days=(needed + 4 * policy.every + 8) / 24, seed=5)  # >= 3 decisions
    prices = series.prices
    weights = np.random.default_rng(1).dirichlet(np.ones(n + 1), size=len(prices))[:, :n]
    symbols = ["W" + a if a in ("ETH", "BTC") else a for a in policy.assets]  # as a vault names them
    ours = _runs(tmp_path, lambda: LearnedPortfolio(MODEL), prices, symbols, weights)
    theirs = _backtest(lambda: LearnedPortfolio(MODEL), prices, weights)
    assert all(x is None for x in ours[:needed]) and len(prices) > needed + 5
    for t in range(needed, len(prices)):
        assert (ours[t] is None) == (theirs[t] is None), t
        if ours[t] is not None:
            np.testing.assert_allclose(ours[t], theirs[t], rtol=0, atol=1e-7)
    assert sum(x is not None for x in ours) >= 3  # the policy traded: the comparison saw its targets


def test_the_learned_policy_refuses_other_assets_or_another_order():
    policy = LearnedPortfolio(MODEL)
    names = list(policy.assets)
    policy.check_assets([f"W{a}" if a in ("ETH", "BTC") else a for a in names])  # wrapped tokens are the assets
    with pytest.raises(ValueError, match="in that order"):
        policy.check_assets(names[1::-1] + names[2:])
    with pytest.raises(ValueError, match="in that order"):
        policy.check_assets(names[:-1] + ["PEPE"])


def test_memory_refuses_other_assets_and_another_strategy_and_keeps_only_what_was_carried_out(tmp_path):
    engine = _engine(tmp_path)
    tokens = ["0x" + "a" * 40, "0x" + "b" * 40]
    runner = RememberingStrategy(parse_portfolio_strategy("mix"), StrategyMemory(engine, "k", "mix"))
    runner.decide(tokens, ["A", "B"], 1_000, [1.0, 2.0], [0.5, 0.5])
    runner.remember()
    with pytest.raises(ValueError, match="assets changed"):
        StrategyMemory(engine, "k", "mix").load(tokens[::-1])
    with pytest.raises(ValueError, match="is of strategy 'mix'"):
        StrategyMemory(engine, "k", "hold").load(tokens)
    dry = RememberingStrategy(parse_portfolio_strategy("mix"), StrategyMemory(engine, "k", "mix"))
    dry.decide(tokens, ["A", "B"], 2_000, [1.0, 2.1], [0.5, 0.5])  # decided, not remembered (a dry run)
    assert StrategyMemory(engine, "k", "mix").load(tokens).times == [1_000]
