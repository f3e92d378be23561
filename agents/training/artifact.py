"""The model artifact in models/NAME: SB3 zip, ONNX graph of the deterministic policy with its rule map, and
the model card.

The card (card.json and card.md) records the data and its hashes, the periods, the configuration, the
seed, the training time, the ONNX parity, and the evaluation of the learned policy on the evaluation days:
its metrics beside every baseline, and its paired daily gain over the best static fee (chosen with hindsight
on those days, 0.5 bp grid) and over the best tuned heuristic, with day-block bootstrap intervals
(backtests.evaluation).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from agents.training.config import TrainConfig
from agents.training.export import DeterministicPolicy, export_onnx, parameter_count, parity, write_rule_map
from backtests.engine import run_fee_backtest
from backtests.evaluation import evaluate_fee
from backtests.metrics import fee_metrics
from backtests.report import write_atomic
from envs.amm import NFEATURES
from envs.features import FEATURE_NAMES
from envs.fee_env import DynamicFeeEnv
from envs.market import Market, Step
from strategies.heuristics import HEURISTICS
from strategies.learned import POLICY_FILE
from strategies.spec import parse_fee_strategy

MODEL_FILE = "model.zip"
BASELINES = ("static:5", "static:10", "static:20", "static:30", "vol", "directional", *HEURISTICS)
PNL = "hedged_pnl_bps_per_day"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def portable_path(data: str | Path) -> str:
    """Where the data was, as a card records it: relative to the working directory, never this machine's
    absolute path (the files' hashes identify the data)."""
    import os

    text = str(data)
    return os.path.relpath(text) if os.path.isabs(text) else text


def data_files(data: str, start, end) -> list[dict]:
    """The files a period reads, with their hashes (empty for the synthetic market)."""
    from envs.data.swaps import list_data_files

    p = Path(data)
    if data == "synthetic" or not p.exists():
        return []
    files = [p] if p.is_file() else list_data_files(p, ".parquet", start, end)
    return [{"file": f.name, "sha256": sha256(f)} for f in files]


@dataclass
class Evaluation:
    """The learned policy on one market: metrics beside the baselines, and its paired daily gains."""

    metrics: dict[str, dict[str, float]]
    best_static: str  # chosen with hindsight on these days, 0.5 bp grid
    best_heuristic: str  # of the tuned heuristics, chosen with hindsight on these days
    paired: dict  # backtests.evaluation.compare of the learned policy
    margin_bps_per_day: float  # over the better of the two references

    def to_dict(self) -> dict:
        return {
            "metrics": self.metrics,
            "best_static_hindsight": self.best_static,
            "best_heuristic": self.best_heuristic,
            "paired": self.paired,
            "margin_bps_per_day": self.margin_bps_per_day,
        }


def evaluate(model_dir: Path, market: Market, cfg: TrainConfig) -> Evaluation:
    """The learned policy against static fees, the symmetric baselines and the tuned heuristics, and paired per
    day against the best static fee and the best heuristic."""
    learned = parse_fee_strategy(f"learned:{model_dir}")
    paired = evaluate_fee(market, [learned], cfg.sim, draws=1000)
    best_static = f"static:{paired.best_static_bps:g}"
    specs = [s for s in BASELINES if s != best_static]
    runs = run_fee_backtest(market, [learned, *(parse_fee_strategy(s) for s in [*specs, best_static])], cfg.sim)
    metrics = {spec: fee_metrics(market, run.steps) for spec, run in runs.items()}
    row = paired.rows[learned.spec]
    references = max(row["best_static_bps_per_day"], row["best_heuristic_bps_per_day"])
    return Evaluation(metrics, best_static, paired.best_heuristic, row, row[PNL] - references)


def parity_observations(model, market: Market, cfg: TrainConfig, n: int = 1000, seed: int = 0) -> np.ndarray:
    """Observations the policy meets on the market (a deterministic rollout), topped up with random ones."""
    env = DynamicFeeEnv(market, cfg.sim, episode_steps=min(n // 2, market.n_steps), rule_map=cfg.rules)
    obs, _ = env.reset(seed=seed)
    seen = [obs]
    for _ in range(min(n // 2, market.n_steps) - 1):
        action, _ = model.predict(obs, deterministic=True)
        obs, *_ = env.step(action)
        seen.append(obs)
    rng = np.random.default_rng(seed)
    extra = rng.uniform(-2, 2, size=(n - len(seen), NFEATURES)).astype(np.float32)
    return np.vstack([np.array(seen), extra])


def build_artifact(
    model_path: Path, out_dir: Path, cfg: TrainConfig, eval_market: Market, card: dict
) -> tuple[dict, Evaluation]:
    """Copies the chosen checkpoint, exports and checks the ONNX graph, evaluates, writes the card."""
    from agents.training.fee import load_model

    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(model_path, out_dir / MODEL_FILE)
    model = load_model(out_dir / MODEL_FILE, cfg.algo)
    policy = DeterministicPolicy(model)
    onnx_path = export_onnx(policy, NFEATURES, out_dir / POLICY_FILE)
    step = Step.parse(cfg.step)
    write_rule_map(cfg.rules, onnx_path, step.count if step.unit == "s" else None)
    max_abs = parity(policy, onnx_path, parity_observations(model, eval_market, cfg))
    evaluation = evaluate(out_dir, eval_market, cfg)
    card = card | {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "algo": cfg.algo,
        "seed": cfg.seed,
        "config": cfg.to_dict(),
        "policy": {
            "parameters": parameter_count(policy),
            "net_arch": list(cfg.net_arch),
            "inputs": list(FEATURE_NAMES),
            "outputs": [o.field for o in cfg.rules.outputs],
            "rule_map": cfg.rules.as_dict(),
            "onnx_sha256": sha256(onnx_path),
            "onnx_parity_max_abs": max_abs,
            "model_sha256": sha256(out_dir / MODEL_FILE),
        },
        "evaluation": evaluation.to_dict(),
    }
    write_card(out_dir, card)
    return card, evaluation


def write_card(out_dir: Path, card: dict) -> None:
    write_atomic(out_dir / "card.json", json.dumps(card, indent=2) + "\n")
    write_atomic(out_dir / "card.md", card_markdown(card))


def _table(metrics: dict[str, dict[str, float]]) -> list[str]:
    lines = [
        "| strategy | hedged PnL bps/day | arbitrage | informed flow | uninformed flow | fees bps/day "
        "| buy / sell fee bps | Sharpe |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for spec, m in sorted(metrics.items(), key=lambda kv: -kv[1][PNL]):
        lines.append(
            f"| {spec} | {m[PNL]:+.4f} | {m['pnl_arb_bps_per_day']:+.4f} | {m['pnl_informed_bps_per_day']:+.4f} "
            f"| {m['pnl_uninformed_bps_per_day']:+.4f} | {m['fees_bps_per_day']:.4f} "
            f"| {m['mean_fee_buy_bps']:.1f} / {m['mean_fee_sell_bps']:.1f} | {m['sharpe']:+.2f} |"
        )
    return lines


def _interval(doc: dict, unit: str) -> str:
    return f"{doc['estimate']:+.2f}{unit} [{doc['low']:+.2f}, {doc['high']:+.2f}]"


def card_markdown(card: dict) -> str:
    ev = card["evaluation"]
    paired = ev["paired"]
    if "federated" in card:
        fed = card["federated"]
        origin = (
            f"- federated: round {fed['round']} of TrainingRounds {fed['contract']} on chain {fed['chain_id']}, "
            f"rule {fed['rule']}, aggregate root 0x{fed['aggregate_root']}"
        )
    else:
        origin = (
            f"- algorithm: {card['algo']}, seed {card['seed']}, {card['training']['timesteps']:,} steps in "
            f"{card['training']['seconds']:.0f} s"
        )
    lines = [
        f"# Model card: {card.get('name', '')}",
        "",
        origin,
        f"- data: {card['data']['source']} ({len(card['data']['files'])} files, hashes in card.json)",
        f"- training period: {card['periods']['train']}; evaluation period: {card['periods']['evaluation']}",
        f"- policy: MLP {card['policy']['net_arch']}, {card['policy']['parameters']} parameters, setting "
        f"{', '.join(card['policy']['outputs'])} of the fee rule; ONNX parity (max absolute action difference to "
        f"torch, 1,000 observations): {card['policy']['onnx_parity_max_abs']:.1e}",
        f"- on the evaluation days, per day (95% day-block bootstrap intervals): "
        f"{_interval(paired['gain_vs_static_pct'], '%')} over the best static fee ({ev['best_static_hindsight']}, "
        f"hindsight), {_interval(paired['gain_vs_heuristic_pct'], '%')} over the best tuned heuristic "
        f"({ev['best_heuristic']}, hindsight); margin over the better of the two "
        f"**{ev['margin_bps_per_day']:+.5f} bps of TVL per day**",
        "",
    ]
    if "seeds" in card:
        lines += ["## Seeds", "", "| seed | margin bps/day | learned bps/day |", "|---|---|---|"]
        lines += [
            f"| {s['seed']} | {s['margin_bps_per_day']:+.5f} | {s['learned_bps_per_day']:+.5f} |" for s in card["seeds"]
        ]
        lines.append("")
    lines += ["## Evaluation (PnL by source, bps of TVL per day)", "", *_table(ev["metrics"]), ""]
    return "\n".join(lines)
