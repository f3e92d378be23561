"""Walk-forward for the portfolio policy: the observed days are cut into K+1 consecutive blocks; fold i trains
on blocks 0..i (plus the synthetic regime markets) and is evaluated on block i+1 at the same costs, against
buy-and-hold and the constant mixes, with its quality bar (agents.training.portfolio_bar). Folds keep their
final model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from agents.training.portfolio import PortfolioTrainConfig, evaluate_portfolio, train_portfolio
from agents.training.portfolio_bar import bar_line, met
from agents.training.walk_forward import folds
from envs.price_series import PriceSeries


def observed_days(series: PriceSeries) -> list:
    days = np.unique(series.times.astype("datetime64[s]").astype("datetime64[D]"))
    return [d.astype(object) for d in days]


def _select(series: PriceSeries, first, last) -> PriceSeries:
    days = series.times.astype("datetime64[s]").astype("datetime64[D]")
    keep = np.flatnonzero((days >= np.datetime64(first)) & (days <= np.datetime64(last)))
    return series.window(int(keep[0]), int(keep[-1]) + 1)


def run_portfolio_walk_forward(series: PriceSeries, cfg: PortfolioTrainConfig, k: int, out_dir: Path, log=print):
    """Trains and evaluates K folds in out_dir/folds/fold-i; writes and returns out_dir/walk-forward.json."""
    out = []
    for i, (train_days, test_days) in enumerate(folds(observed_days(series), k)):
        train = _select(series, train_days.start, train_days.end)
        test = _select(series, test_days.start, test_days.end)
        folder = out_dir / "folds" / f"fold-{i}"
        _, seconds = train_portfolio(train, cfg, folder)
        metrics, bar = evaluate_portfolio(folder, test, cfg)
        learned = metrics.pop(f"learned:{folder}")
        out.append(
            {
                "fold": i,
                "train": f"{train_days.start}..{train_days.end}",
                "evaluation": f"{test_days.start}..{test_days.end}",
                "seconds": seconds,
                "metrics": {"learned": learned, **metrics},
                "bar": bar,
                "met": met(bar),
            }
        )
        log(f"fold {i} ({test_days.start}..{test_days.end}): {bar_line(bar)}")
    doc = {"config": cfg.to_dict(), "folds": out, "folds_met": sum(f["met"] for f in out)}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "walk-forward.json").write_text(json.dumps(doc, indent=2, default=str) + "\n")
    return doc
