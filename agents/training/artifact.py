"""The model artifact in models/NAME: SB3 zip, ONNX graph of the deterministic policy, and the model card.

The card (card.json and card.md) records the data and its hashes, the periods, the configuration, the
seed, the training time, the ONNX parity, and the evaluation table of the learned policy against every
baseline, including the best static fee chosen with hindsight on the evaluation days themselves.
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
from agents.training.export import DeterministicFeePolicy, export_onnx, parameter_count, parity
from backtests.engine import run_fee_backtest
from backtests.metrics import fee_metrics
from backtests.report import write_atomic
from envs.amm import NFEATURES
from envs.features import FEATURE_NAMES
from envs.fee_env import DynamicFeeEnv
from envs.market import Market
from strategies.learned import POLICY_FILE
from strategies.spec import parse_fee_strategy

MODEL_FILE = "model.zip"
STATIC_GRID_BPS = (1, 2, 3, 5, 8, 10, 12, 14, 16, 18, 20, 22, 25, 30, 35, 40, 50, 65, 80, 100)
HEURISTICS = ("vol", "directional")
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
    """Metrics of the learned policy and the baselines on one market, and the learned margin."""

    metrics: dict[str, dict[str, float]]
    best_static: str
    best_baseline: str
    margin_bps_per_day: float

    def to_dict(self) -> dict:
        return {
            "metrics": self.metrics,
            "best_static_hindsight": self.best_static,
            "best_baseline": self.best_baseline,
            "margin_bps_per_day": self.margin_bps_per_day,
        }


def evaluate(model_dir: Path, market: Market, cfg: TrainConfig) -> Evaluation:
    """The learned policy against static fees (a grid; the best one chosen with hindsight) and heuristics."""
    learned = f"learned:{model_dir}"
    specs = [learned, *(f"static:{b}" for b in STATIC_GRID_BPS), *HEURISTICS]
    runs = run_fee_backtest(market, [parse_fee_strategy(s) for s in specs], cfg.sim)
    metrics = {spec: fee_metrics(market, run.steps) for spec, run in runs.items()}
    statics = [s for s in metrics if s.startswith("static:")]
    best_static = max(statics, key=lambda s: metrics[s][PNL])
    best = max([best_static, *HEURISTICS], key=lambda s: metrics[s][PNL])
    return Evaluation(metrics, best_static, best, metrics[learned][PNL] - metrics[best][PNL])


def parity_observations(model, market: Market, cfg: TrainConfig, n: int = 1000, seed: int = 0) -> np.ndarray:
    """Observations the policy meets on the market (a deterministic rollout), topped up with random ones."""
    env = DynamicFeeEnv(market, cfg.sim, episode_steps=min(n // 2, market.n_steps))
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
    policy = DeterministicFeePolicy(model, cfg.sim.pool.fee_min, cfg.sim.pool.fee_max)
    onnx_path = export_onnx(policy, NFEATURES, out_dir / POLICY_FILE)
    max_rel = parity(policy, onnx_path, parity_observations(model, eval_market, cfg))
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
            "output": "fee_bps",
            "onnx_sha256": sha256(onnx_path),
            "onnx_parity_max_relative": max_rel,
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
        "| strategy | hedged PnL bps/day | fees bps/day | LVR bps/day | mean fee bps | Sharpe |",
        "|---|---|---|---|---|---|",
    ]
    for spec, m in sorted(metrics.items(), key=lambda kv: -kv[1][PNL]):
        lines.append(
            f"| {spec} | {m[PNL]:+.4f} | {m['fees_bps_per_day']:.4f} | {m['lvr_bps_per_day']:.4f} "
            f"| {m['mean_fee_bps']:.1f} | {m['sharpe']:+.2f} |"
        )
    return lines


def card_markdown(card: dict) -> str:
    ev = card["evaluation"]
    lines = [
        f"# Model card: {card.get('name', '')}",
        "",
        f"- algorithm: {card['algo']}, seed {card['seed']}, {card['training']['timesteps']:,} steps in "
        f"{card['training']['seconds']:.0f} s",
        f"- data: {card['data']['source']} ({len(card['data']['files'])} files, hashes in card.json)",
        f"- training period: {card['periods']['train']}; evaluation period: {card['periods']['evaluation']}",
        f"- policy: MLP {card['policy']['net_arch']}, {card['policy']['parameters']} parameters; ONNX parity (max "
        f"relative fee difference to torch, 1,000 observations): {card['policy']['onnx_parity_max_relative']:.1e}",
        f"- margin over the best baseline ({ev['best_baseline']}; best static with hindsight: "
        f"{ev['best_static_hindsight']}): **{ev['margin_bps_per_day']:+.5f} bps of TVL per day**",
        "",
    ]
    if "seeds" in card:
        lines += ["## Seeds", "", "| seed | margin bps/day | learned bps/day |", "|---|---|---|"]
        lines += [
            f"| {s['seed']} | {s['margin_bps_per_day']:+.5f} | {s['learned_bps_per_day']:+.5f} |" for s in card["seeds"]
        ]
        lines.append("")
    lines += ["## Evaluation", "", *_table(ev["metrics"]), ""]
    return "\n".join(lines)
