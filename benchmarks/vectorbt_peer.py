"""Peer benchmark helper: vectorbt's equal-weight periodic rebalance on the shared Binance minute prices.

Runs vectorbt (in its own virtual environment, benchmarks/.venv-vectorbt, created with pinned versions on
first use and reused afterwards) through benchmarks/_vectorbt_runner.py and returns the runner's JSON
(`seconds` = warm from_orders + final value, `first_seconds` = the same including numba warm-up,
`final_value`, `rows`, `orders`, `assets`, `vectorbt`, ...). Other scripts call `run_vectorbt(...)`;
run directly it prints the result for the shared file with the defaults (10 assets, hourly, 0.1% fee):

    .venv/bin/python benchmarks/vectorbt_peer.py [--every 60] [--fee 0.001] [--assets ETH,BTC]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from peer_venv import peer_python, run

REPO = Path(__file__).resolve().parents[1]
PRICES = REPO.parent / "shared" / "data" / "binance-1m-usdt" / "prices.parquet"
VENV = REPO / "benchmarks" / ".venv-vectorbt"
RUNNER = REPO / "benchmarks" / "_vectorbt_runner.py"
VECTORBT_VERSION = "1.2.0"
# Newest vectorbt with the numpy/pandas/numba pip resolved for it on Python 3.11; pinned so that
# timings and results are reproducible. Keep in sync with the runner's docstring.
VECTORBT_REQS = (
    f"vectorbt=={VECTORBT_VERSION}",
    "numpy==2.4.6",
    "pandas==3.1.1",
    "numba==0.68.1",
    "llvmlite==0.50.0",
    "pyarrow==26.0.1",
)
START, END, EVERY, FEE, CASH = "2024-05-06", "2025-01-31", 60, 0.001, 1_000_000.0
ASSETS = ("ETH", "BTC", "SOL", "BNB", "XRP", "ADA", "AVAX", "DOGE", "DOT", "LTC")  # all but USDC


def venv_python() -> Path:
    """Python of the vectorbt venv, creating the venv and installing the pinned packages if needed."""
    check = f"import importlib.metadata as m, pyarrow, vectorbt; assert m.version('vectorbt') == '{VECTORBT_VERSION}'"
    return peer_python(VENV, VECTORBT_REQS, check)


def run_vectorbt(
    prices: Path = PRICES,
    start: str = START,
    end: str = END,
    every: int = EVERY,
    fee: float = FEE,
    cash: float = CASH,
    assets: list[str] | None = None,
) -> dict:
    """Run vectorbt's equal-weight rebalance in its venv and return the runner's JSON as a dict.

    `assets=None` means the 10 non-USDC assets. The times inside (`seconds`, `first_seconds`) cover
    only `Portfolio.from_orders` + final value; `process_wall_s` (added here) is the whole subprocess,
    including interpreter start, imports and reading the parquet.
    """
    py = venv_python()
    cmd = [str(py), str(RUNNER), "--prices", str(prices), "--from", start, "--to", end]
    cmd += ["--every", str(every), "--fee", repr(float(fee)), "--cash", repr(float(cash))]
    cmd += ["--assets", ",".join(assets if assets is not None else ASSETS)]
    t0 = time.perf_counter()
    proc = run(cmd)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"vectorbt run failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_wall_s"] = wall
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prices", type=Path, default=PRICES)
    ap.add_argument("--from", dest="start", default=START)
    ap.add_argument("--to", dest="end", default=END)
    ap.add_argument("--every", type=int, default=EVERY, help="rebalance every N minutes")
    ap.add_argument("--fee", type=float, default=FEE)
    ap.add_argument("--cash", type=float, default=CASH)
    ap.add_argument("--assets", default=None, help="comma-separated (default: the 10 non-USDC assets)")
    args = ap.parse_args()
    if not args.prices.is_file():
        sys.exit(f"price file not found: {args.prices}")
    assets = [a.strip() for a in args.assets.split(",") if a.strip()] if args.assets else None
    res = run_vectorbt(args.prices, args.start, args.end, args.every, args.fee, args.cash, assets)
    print(json.dumps(res))
    print(
        f"vectorbt {res['vectorbt']}: {len(res['assets'])} assets, {res['rows']} rebalance rows "
        f"(every {args.every} of {res['minute_rows']} minutes), {res['orders']} orders; "
        f"from_orders + final value {res['seconds']:.4f} s (first, with numba warm-up {res['first_seconds']:.3f} s); "
        f"final value {res['final_value']:,.2f} (fees {res['fees_paid']:,.2f}); "
        f"process wall {res['process_wall_s']:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
