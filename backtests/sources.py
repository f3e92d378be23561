"""What `--data` points at: a swap parquet file or folder, a demeter tick or minute CSV, or `synthetic`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa

SYNTHETIC = "synthetic"


def data_kind(path: str) -> str:
    """'synthetic', 'swaps' (canonical parquet), 'ticks' (demeter tick CSV) or 'minutes' (demeter bars)."""
    if path == SYNTHETIC:
        return SYNTHETIC
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(
            f"--data {path}: no such file or folder (give a swap parquet file or folder, a demeter CSV, or 'synthetic')"
        )
    files = [p] if p.is_file() else sorted(p.iterdir())
    names = [f.name for f in files if f.is_file()]
    if any(n.endswith(".parquet") for n in names):
        return "swaps"
    if any(n.endswith(".tick.csv") for n in names):
        return "ticks"
    if any(n.endswith(".csv") for n in names):
        return "minutes"
    raise FileNotFoundError(f"--data {path}: no .parquet or .csv files found")


def load_swap_table(
    path: str, start: date | None, end: date | None, synthetic_days: int = 3, seed: int = 0
) -> pa.Table:
    """The canonical swap table for the fee simulation, from any supported source."""
    kind = data_kind(path)
    if kind == SYNTHETIC:
        from envs.synthetic import SyntheticMarketConfig, generate_swaps

        return generate_swaps(SyntheticMarketConfig(days=synthetic_days, seed=seed))
    if kind == "swaps":
        from envs.data import load_swaps

        return load_swaps(path, start, end)
    if kind == "ticks":
        from envs.data import load_tick_events
        from envs.data.swaps import day_mask

        table = load_tick_events(path)
        if start or end:
            table = table.filter(day_mask(table["timestamp"], start, end))
        return table
    raise ValueError(f"--data {path}: minute bars carry no swaps; use them with `lamm backtest passive`")
