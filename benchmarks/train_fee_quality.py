"""The learned fee policy's quality bar, timed: train on the shared Arbitrum swaps (2025-05-04..07-05),
validate on 2025-07-06..07-30, three seeds, against the best static fee and the best tuned heuristic (both
chosen with hindsight on the validation days).

    .venv/bin/python benchmarks/train_fee_quality.py [--out runs/fee-quality] [--seeds 0,1,2]
        [--config agents/training/configs/fee-cps.toml]   (fee-ppo.toml: the same with PPO)

Prints the wall time (target: at most 30 minutes on the 2-core machine), each seed's validation margin in
bps of TVL per day, their mean and spread, and the validation table of the median seed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "arbitrum-univ3-weth-usdt-005" / "swaps"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "runs" / "fee-quality"))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--config", default=str(ROOT / "agents" / "training" / "configs" / "fee-cps.toml"))
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"shared data not found at {DATA}")
    cmd = [
        str(ROOT / ".venv" / "bin" / "lamm"),
        "train",
        "fee",
        "--data",
        str(DATA),
        "--train-from",
        "2025-05-04",
        "--train-to",
        "2025-07-05",
        "--val-from",
        "2025-07-06",
        "--val-to",
        "2025-07-30",
        "--config",
        args.config,
        "--seeds",
        args.seeds,
        "--out",
        args.out,
    ]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)  # cards record data relative to the project
    minutes = (time.perf_counter() - t0) / 60
    card = json.loads((Path(args.out) / "card.json").read_text())
    print(f"training wall time, {len(card.get('seeds', [1]))} seeds: {minutes:.1f} min (target <= 30)")
    for s in card.get("seeds", []):
        learned, margin = s["learned_bps_per_day"], s["margin_bps_per_day"]
        print(f"  seed {s['seed']}: learned {learned:+.4f} bps/day, margin {margin:+.4f}")
    if "seeds" in card:
        print(
            "margin over the better of the best static fee and the best heuristic: "
            f"{card['margin_mean_bps_per_day']:+.5f} +- {card['margin_std_bps_per_day']:.5f} bps/day (mean +- std)"
        )
    print((Path(args.out) / "card.md").read_text())


if __name__ == "__main__":
    main()
