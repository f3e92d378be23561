"""vectorbt side of the equal-weight rebalance speed benchmark (run with benchmarks/.venv-vectorbt's python).

Reads a minute price parquet (a `time` / `time_utc` column of UTC timestamps, or a datetime index, and
one float column per asset), keeps the inclusive UTC days --from..--to, takes every --every-th row of
that minute frame (rows 0, every, 2*every, ...: plain row selection, no resampling aggregation), and
rebalances to 1/N of the group value in each asset at every such row with

    vbt.Portfolio.from_orders(close, size=1/N, size_type="targetpercent", group_by=True,
                              cash_sharing=True, call_seq="auto", fees=fee, init_cash=cash, freq=...)

Only `from_orders` plus reading the final value is timed (time.perf_counter). It runs twice: the first
run includes numba compilation (or loading vectorbt's numba cache), the second is the reported time.
Prints one JSON line on stdout: seconds, first_seconds, final_value, rows, assets, vectorbt, orders, ...

Venv requirements (installed pinned by benchmarks/vectorbt_peer.py, Python 3.11):
    vectorbt==1.2.0 numpy==2.4.6 pandas==3.1.1 numba==0.68.1 llvmlite==0.50.0 pyarrow==26.0.1

Usage: python _vectorbt_runner.py --prices PATH [--from 2024-05-06 --to 2025-01-31 --every 60
       --fee 0.001 --cash 1000000 --assets ETH,BTC,...]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import sys
import time
import warnings

import numpy as np
import pandas as pd

DEFAULT_ASSETS = ("ETH", "BTC", "SOL", "BNB", "XRP", "ADA", "AVAX", "DOGE", "DOT", "LTC")
TIME_COLUMNS = ("time", "time_utc", "timestamp")


def load_prices(path: str, start: str, end: str, assets: list[str]) -> pd.DataFrame:
    """Minute prices of `assets` on the inclusive UTC days start..end, indexed by UTC timestamp."""
    df = pd.read_parquet(path)
    tcol = next((c for c in TIME_COLUMNS if c in df.columns), None)
    if tcol is not None:
        df = df.set_index(tcol)
    if not isinstance(df.index, pd.DatetimeIndex):
        sys.exit(f"no time column ({', '.join(TIME_COLUMNS)}) or datetime index in {path}")
    idx = df.index
    df.index = idx.tz_localize("UTC") if idx.tz is None else idx.tz_convert("UTC")
    df = df.sort_index()
    missing = [a for a in assets if a not in df.columns]
    if missing:
        sys.exit(f"assets not in {path}: {missing}; columns: {list(df.columns)}")
    lo = pd.Timestamp(start, tz="UTC")
    hi = pd.Timestamp(end, tz="UTC") + pd.Timedelta(days=1)
    out = df.loc[(df.index >= lo) & (df.index < hi), list(assets)].astype(np.float64)
    if out.empty:
        sys.exit(f"no rows in {path} between {start} and {end}")
    if out.isna().any().any():
        sys.exit(f"NaN prices in {path} between {start} and {end}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prices", required=True, help="parquet of minute prices")
    ap.add_argument("--from", dest="start", default="2024-05-06", help="first UTC day (inclusive)")
    ap.add_argument("--to", dest="end", default="2025-01-31", help="last UTC day (inclusive)")
    ap.add_argument("--every", type=int, default=60, help="rebalance every N minute rows")
    ap.add_argument("--fee", type=float, default=0.001, help="proportional fee on traded value")
    ap.add_argument("--cash", type=float, default=1_000_000.0, help="initial cash")
    ap.add_argument("--assets", default=",".join(DEFAULT_ASSETS), help="comma-separated asset columns")
    args = ap.parse_args()
    assets = [a.strip() for a in args.assets.split(",") if a.strip()]
    if args.every < 1 or not assets:
        sys.exit("--every must be >= 1 and --assets non-empty")

    minutes = load_prices(args.prices, args.start, args.end, assets)
    close = minutes.iloc[:: args.every]  # rows 0, every, 2*every, ... of the filtered minute frame
    weights = pd.DataFrame(1.0 / len(assets), index=close.index, columns=close.columns)

    # vectorbt's import and plotting/numba warnings would pollute stdout/stderr; keep stdout clean.
    with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import vectorbt as vbt

        times, pf, final_value = [], None, float("nan")
        for _ in range(2):
            t0 = time.perf_counter()
            pf = vbt.Portfolio.from_orders(
                close=close,
                size=weights,
                size_type="targetpercent",
                group_by=True,
                cash_sharing=True,
                call_seq="auto",
                fees=args.fee,
                init_cash=args.cash,
                freq=f"{args.every}min",
            )
            final_value = float(pf.final_value())
            times.append(time.perf_counter() - t0)

        orders = pf.orders.records
        fees_paid = float(orders["fees"].sum())
        final_cash = float(pf.cash().iloc[-1])

    print(
        json.dumps(
            {
                "seconds": times[1],
                "first_seconds": times[0],
                "final_value": final_value,
                "rows": int(len(close)),
                "minute_rows": int(len(minutes)),
                "first_time": close.index[0].isoformat(),
                "last_time": close.index[-1].isoformat(),
                "assets": assets,
                "vectorbt": importlib.metadata.version("vectorbt"),
                "numpy": np.__version__,
                "pandas": pd.__version__,
                "orders": int(len(orders)),
                "fees_paid": fees_paid,
                "final_cash": final_cash,
            }
        )
    )


if __name__ == "__main__":
    main()
