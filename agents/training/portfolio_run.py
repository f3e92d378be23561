"""`lamm train portfolio`'s whole run: every seed trained and evaluated (agents.training.portfolio), the median
seed shipped, and with --walk-forward K the folds (agents.training.portfolio_walk_forward) added to its card."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from agents.training.portfolio import PortfolioTrainConfig, train_seeds, write_portfolio_card
from agents.training.portfolio_walk_forward import run_portfolio_walk_forward


def run_portfolio_training(
    data: str,
    train_period: tuple,
    eval_period: tuple,
    cfg: PortfolioTrainConfig,
    out_dir: Path,
    seeds: list[int],
    interval: str = "1h",
    assets: list[str] | None = None,
    log=print,
    walk_forward: int = 0,
) -> dict:
    """Trains every seed (out_dir/seeds/seed-S when more than one), evaluates each on the evaluation period,
    and ships the median seed's policy in out_dir with a card that has the spread; with walk_forward K, also
    reports K folds over the training and evaluation days together (out_dir/folds, walk-forward.json, card)."""
    card = train_seeds(data, train_period, eval_period, cfg, out_dir, seeds, interval, assets, log)
    if walk_forward:
        from envs.price_series import load_price_series, synthetic_prices

        if data == "synthetic":
            full = synthetic_prices(days=180, interval=interval, seed=cfg.seed)
        else:
            full = load_price_series(data, train_period[0], eval_period[1], interval, assets)
        wf_cfg = dataclasses.replace(cfg, seed=card["seed"])
        doc = run_portfolio_walk_forward(full, wf_cfg, walk_forward, out_dir, log)
        card["walk_forward"] = [{k: f[k] for k in ("fold", "train", "evaluation", "bar", "met")} for f in doc["folds"]]
        write_portfolio_card(out_dir, card)
    return card
