"""Loaders for the CSV formats of zelos-demeter (minute bars) and demeter-fetch (tick events).

Both are read with every needed column as text, then parsed and checked with vectorised kernels, so
that big integers stay exact until converted and every problem is reported with file, row and column.
Minute bars become a pandas DataFrame (float64 amounts, as demeter uses them); the SWAP rows of a tick
file become a table in the canonical `SWAP_SCHEMA`, so both replays can run on the same events.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from envs.data.errors import DataError, RowOrigin, part_offsets
from envs.data.schema import (
    INT32_BOUNDS,
    MAX_TICK,
    MIN_TICK,
    SWAP_SCHEMA,
    UTC_NS,
    check_bounds,
    check_columns,
    check_increasing,
    check_not_null,
    first_index,
    parse_floats,
    parse_ints,
    parse_times,
)
from envs.data.swaps import DateLike, as_date, check_swaps, day_mask, first_line, list_data_files

TICK_COLUMNS: tuple[str, ...] = ("closeTick", "openTick", "lowestTick", "highestTick")
AMOUNT_COLUMNS: tuple[str, ...] = ("netAmount0", "netAmount1", "inAmount0", "inAmount1", "currentLiquidity")
MINUTE_COLUMNS: tuple[str, ...] = (
    "timestamp",
    "netAmount0",
    "netAmount1",
    "closeTick",
    "openTick",
    "lowestTick",
    "highestTick",
    "inAmount0",
    "inAmount1",
    "currentLiquidity",
)
_NON_NEGATIVE = ("inAmount0", "inAmount1", "currentLiquidity")
_NS_PER_MINUTE = 60 * 10**9

# canonical swap column -> demeter-fetch tick column
TICK_EVENT_COLUMNS: dict[str, str] = {
    "block_number": "block_number",
    "timestamp": "block_timestamp",
    "log_index": "pool_log_index",
    "sender": "sender",
    "recipient": "receipt",
    "amount0": "amount0",
    "amount1": "amount1",
    "sqrt_price_x96": "sqrtPriceX96",
    "liquidity": "total_liquidity",
    "tick": "current_tick",
}


def load_minute_bars(path: str | Path, start: DateLike | None = None, end: DateLike | None = None) -> pd.DataFrame:
    """Validated demeter minute bars of a CSV file or folder, indexed by UTC minute ('timestamp').

    Amounts and liquidity are float64 (they exceed int64), ticks int64. With `start`/`end` (inclusive
    UTC days), files named `...-YYYY-MM-DD.csv` outside the range are skipped and rows are filtered.
    """
    path = Path(path)
    first, last = as_date(start), as_date(end)
    parts = [_read_minute_file(file) for file in list_data_files(path, ".csv", first, last)]
    parts.sort(key=lambda part: (part[0]["timestamp"][0].value, part[1].name))
    table = pa.concat_tables([part for part, _ in parts])
    origin = RowOrigin.of_parts([file for _, file in parts], [len(part) for part, _ in parts])
    check_increasing(
        [table["timestamp"].to_numpy()],
        ["timestamp"],
        origin,
        "sort the rows by timestamp and keep one row per minute",
    )
    if first is not None or last is not None:
        table = table.filter(day_mask(pc.cast(table["timestamp"], pa.int64()), first, last, 10**9))
        if table.num_rows == 0:
            raise DataError(
                path,
                f"no minute bars between {first or 'the start'} and {last or 'the end'}",
                hint="choose dates inside the data's span",
            )
    return table.to_pandas().set_index("timestamp")


def load_tick_events(path: str | Path) -> pa.Table:
    """SWAP rows of a demeter-fetch tick CSV (or folder of them) in `SWAP_SCHEMA`, validated and exact.

    Rows of other types (MINT, BURN, COLLECT) are skipped; errors give the row number in the file.
    """
    path = Path(path)
    parts = [_read_tick_file(file) for file in list_data_files(path, ".csv", None, None)]
    parts.sort(key=lambda part: (part[0]["block_number"][0].as_py(), part[0]["log_index"][0].as_py()))
    table = pa.concat_tables([part for part, _, _ in parts])
    origin = RowOrigin(
        [file for _, _, file in parts],
        part_offsets([len(part) for part, _, _ in parts]),
        np.concatenate([rows for _, rows, _ in parts]),
        TICK_EVENT_COLUMNS,
    )
    check_swaps(table, origin)
    return table


def read_csv_text(path: Path, required: tuple[str, ...], what: str) -> pa.Table:
    """CSV file with every column read as text (empty/NaN fields as null), with `required` and a data row.

    Reading as text means no column type is guessed from the first rows, so a bad value anywhere is
    reported later by the parsers with its row and column instead of as a whole-file conversion error.
    """
    if path.stat().st_size == 0:
        raise DataError(path, "file is empty (0 bytes)", hint="delete the file or fetch it again")
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        header = next(csv.reader(handle), [])
    options = pv.ConvertOptions(column_types={name: pa.large_string() for name in header}, strings_can_be_null=True)
    try:
        table = pv.read_csv(path, convert_options=options)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(
            path, f"unreadable or corrupt CSV file ({first_line(exc)})", hint="fetch the file again"
        ) from exc
    check_columns(table.column_names, required, path, what)
    if table.num_rows == 0:
        raise DataError(path, "file has no data rows", hint="delete the file or fetch it again")
    return table


_MINUTE_TYPES = (
    {"timestamp": pa.timestamp("s")}
    | dict.fromkeys(TICK_COLUMNS, pa.int64())
    | dict.fromkeys(AMOUNT_COLUMNS, pa.float64())
)


def _read_minute_typed(path: Path) -> pa.Table | None:
    """Fast path: the file read with its expected types; None when any value does not convert (the text
    path then finds and reports it with its row and column)."""
    try:
        options = pv.ConvertOptions(column_types=_MINUTE_TYPES, include_columns=list(MINUTE_COLUMNS))
        table = pv.read_csv(path, convert_options=options)
    except (pa.ArrowException, OSError):
        return None
    if table.num_rows == 0 or any(table[name].null_count for name in MINUTE_COLUMNS):
        return None
    amounts = pa.concat_arrays([table[name].combine_chunks() for name in AMOUNT_COLUMNS])
    if not pc.all(pc.is_finite(amounts)).as_py():
        return None
    return table.set_column(0, "timestamp", pc.cast(table["timestamp"], UTC_NS))


def _read_minute_file(path: Path) -> tuple[pa.Table, Path]:
    origin = RowOrigin.single(path)
    typed = _read_minute_typed(path)
    if typed is not None:
        return _check_minutes(typed, origin), path
    text = read_csv_text(path, MINUTE_COLUMNS, "a demeter minute file")
    columns = {"timestamp": parse_times(text["timestamp"], "timestamp", origin)}
    for name in TICK_COLUMNS:
        columns[name] = parse_ints(text[name], name, origin, bounds=(MIN_TICK, MAX_TICK), allow_point_zero=True)
    for name in AMOUNT_COLUMNS:
        columns[name] = parse_floats(text[name], name, origin)
    return _check_minutes(pa.table({name: columns[name] for name in MINUTE_COLUMNS}), origin), path


def _check_minutes(columns: pa.Table, origin: RowOrigin) -> pa.Table:
    """Value checks shared by both read paths: whole minutes, tick range, non-negative volumes."""
    times = columns["timestamp"]
    if (i := first_index(pc.not_equal(pc.cast(times, pa.int64()), _minute_floor(times)))) is not None:
        raise origin.error(
            i,
            "timestamp",
            f"{times[i].as_py()} is not a whole minute",
            "minute bars are stamped at the start of their minute",
        )
    for name in TICK_COLUMNS:
        check_bounds(columns[name], name, MIN_TICK, MAX_TICK, origin)
    for name in _NON_NEGATIVE:
        if (i := first_index(pc.less(columns[name], 0))) is not None:
            raise origin.error(
                i,
                name,
                f"negative {name}: {columns[name][i].as_py()}",
                f"{name} is a volume or liquidity and is never negative",
            )
    if (i := first_index(pc.greater(columns["lowestTick"], columns["highestTick"]))) is not None:
        raise origin.error(i, "lowestTick", "lowestTick is above highestTick", "fix or drop the row")
    return columns


def _minute_floor(times: pa.ChunkedArray) -> pa.ChunkedArray:
    ns = pc.cast(times, pa.int64())
    return pc.multiply(pc.divide(ns, _NS_PER_MINUTE), _NS_PER_MINUTE)


def _read_tick_file(path: Path) -> tuple[pa.Table, np.ndarray, Path]:
    required = tuple(TICK_EVENT_COLUMNS.values()) + ("tx_type",)
    text = read_csv_text(path, required, "a demeter-fetch tick file")
    check_not_null(text["tx_type"], "tx_type", RowOrigin.single(path))
    is_swap = pc.equal(pc.utf8_upper(text["tx_type"]), "SWAP")
    rows = np.flatnonzero(is_swap.to_numpy(zero_copy_only=False))
    if len(rows) == 0:
        raise DataError(path, "no SWAP rows", column="tx_type", hint="a tick file needs SWAP events")
    swaps = text.filter(is_swap)
    origin = RowOrigin([path], np.zeros(1, dtype=np.int64), rows, TICK_EVENT_COLUMNS)
    return _tick_swaps_to_schema(swaps, origin), rows, path


def _tick_swaps_to_schema(swaps: pa.Table, origin: RowOrigin) -> pa.Table:
    def source(name: str) -> pa.ChunkedArray:
        return swaps[TICK_EVENT_COLUMNS[name]]

    times = parse_times(source("timestamp"), "timestamp", origin)
    seconds = pc.cast(pc.cast(times, pa.timestamp("s", tz="UTC"), safe=False), pa.int64())
    columns = {
        "block_number": parse_ints(source("block_number"), "block_number", origin, bounds=(0, 2**63 - 1)),
        "timestamp": seconds,
        "log_index": parse_ints(source("log_index"), "log_index", origin, bounds=(0, INT32_BOUNDS[1])),
        "tick": parse_ints(source("tick"), "tick", origin, bounds=(MIN_TICK, MAX_TICK), allow_point_zero=True),
    }
    arrays = [pc.cast(columns.get(field.name, source(field.name)), field.type) for field in SWAP_SCHEMA]
    return pa.Table.from_arrays(arrays, schema=SWAP_SCHEMA)


__all__ = ["load_minute_bars", "load_tick_events", "read_csv_text"]
