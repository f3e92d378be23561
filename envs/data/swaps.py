"""Load and save swap events in the canonical `SWAP_SCHEMA`, with validation.

Input is one parquet file or a folder of them (e.g. one `YYYY-MM-DD.parquet` per day). Every file is
checked with vectorised kernels, and each problem raises a `DataError` naming the file, the 1-based row
and the column, so that a bad download is caught at load time rather than as a wrong backtest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from envs.data.errors import DataError, RowOrigin, show
from envs.data.schema import (
    BIG_INT_COLUMNS,
    INT32_BOUNDS,
    MAX_TICK,
    MIN_TICK,
    SIGNED_BIG_INT_COLUMNS,
    SIGNED_INT_PATTERN,
    SWAP_SCHEMA,
    canonical_int_mask,
    check_bounds,
    check_columns,
    check_increasing,
    check_not_null,
    first_index,
    parse_ints,
)

DateLike = dt.date | str
_NAME_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})$")
_INT_BOUNDS = {
    "block_number": (0, 2**63 - 1),
    "timestamp": (0, 2**63 - 1),
    "log_index": (0, INT32_BOUNDS[1]),
    "tick": (MIN_TICK, MAX_TICK),
}
_SORT_HINT = "sort the rows by (block_number, log_index) and drop duplicate events"


def load_swaps(path: str | Path, start: DateLike | None = None, end: DateLike | None = None) -> pa.Table:
    """Validated swaps of a parquet file or folder, in `SWAP_SCHEMA`, sorted by (block_number, log_index).

    With `start`/`end` (inclusive UTC days), folder files named by a date outside the range are not read
    and the remaining rows are filtered by `timestamp`.
    """
    path = Path(path)
    first, last = as_date(start), as_date(end)
    files = list_data_files(path, ".parquet", first, last)
    parts = sorted((_read_swap_file(file) for file in files), key=_first_key)
    table = pa.concat_tables([part for part, _ in parts])
    check_swaps(table, RowOrigin.of_parts([file for _, file in parts], [len(p) for p, _ in parts]))
    if first is None and last is None:
        return table
    table = table.filter(day_mask(table["timestamp"], first, last))
    if table.num_rows == 0:
        raise DataError(
            path,
            f"no swaps between {first or 'the start'} and {last or 'the end'}",
            hint="choose dates inside the data's span",
        )
    return table


def save_swaps(table: pa.Table, path: str | Path) -> Path:
    """Validate `table` and write it to `path` atomically: a temp file in the same folder, then os.replace.

    A failure at any point leaves `path` as it was (absent or the previous complete file).
    """
    path = Path(path)
    try:
        table = coerce_swaps(table, RowOrigin.single(path))
        check_swaps(table, RowOrigin.single(path))
    except DataError as err:
        raise DataError(
            err.path,
            f"not saved, the table is invalid: {err.problem}",
            row=err.row,
            column=err.column,
            hint=err.hint,
        ) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            pq.write_table(table, handle, compression="zstd")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    _fsync_folder(path.parent)
    return path


def check_swaps(table: pa.Table, origin: RowOrigin) -> None:
    """Value checks of a table already in `SWAP_SCHEMA`: exact integers, ranges, order, no duplicates."""
    for name in SWAP_SCHEMA.names:
        check_not_null(table[name], name, origin)
    for name in BIG_INT_COLUMNS:
        _check_big_ints(table[name], name, origin)
    for name, (low, high) in _INT_BOUNDS.items():
        check_bounds(table[name], name, low, high, origin)
    sqrt_price = table["sqrt_price_x96"]
    if (i := first_index(pc.equal(sqrt_price, "0"))) is not None:
        raise origin.error(
            i,
            "sqrt_price_x96",
            "sqrt_price_x96 is 0, it must be > 0",
            "a pool price is never 0: the file is corrupt, fetch it again",
        )
    blocks = table["block_number"].to_numpy()
    check_increasing([blocks, table["log_index"].to_numpy()], ["block_number", "log_index"], origin, _SORT_HINT)
    times = table["timestamp"].to_numpy()
    if len(times) > 1 and (np.diff(times) < 0).any():
        i = int(np.argmax(np.diff(times) < 0)) + 1
        raise origin.error(
            i,
            "timestamp",
            f"timestamp {times[i]} is earlier than the previous row's {times[i - 1]}",
            "rows are in block order, so block times must not decrease: fetch the data again",
        )


def coerce_swaps(table: pa.Table, origin: RowOrigin) -> pa.Table:
    """The columns of `SWAP_SCHEMA` in its types, from any compatible input types (extras dropped)."""
    check_columns(table.column_names, SWAP_SCHEMA.names, origin.paths[0], "a swap file")
    columns = [_coerce_column(table[field.name], field, origin) for field in SWAP_SCHEMA]
    return pa.Table.from_arrays(columns, schema=SWAP_SCHEMA)


def _coerce_column(column: pa.ChunkedArray, field: pa.Field, origin: RowOrigin) -> pa.ChunkedArray:
    if column.type == field.type:
        return column
    name = field.name
    if name in _INT_BOUNDS:
        return pc.cast(parse_ints(column, name, origin, bounds=_INT_BOUNDS[name]), field.type)
    if name in BIG_INT_COLUMNS and pa.types.is_integer(column.type):
        return pc.cast(column, field.type)  # exact: every integer has one decimal string
    if pa.types.is_string(column.type):
        return pc.cast(column, field.type)
    if name in BIG_INT_COLUMNS and pa.types.is_floating(column.type):
        raise origin.column_error(
            name,
            f"has type {column.type}: big integers in floats are not exact",
            f"write {name} as decimal integer strings, e.g. str(int(value))",
        )
    kind = "decimal integer strings" if name in BIG_INT_COLUMNS else "strings"
    raise origin.column_error(name, f"has type {column.type}, expected {kind}", f"store {name} as {kind}")


def _check_big_ints(column: pa.ChunkedArray, name: str, origin: RowOrigin) -> None:
    signed = name in SIGNED_BIG_INT_COLUMNS
    if (i := first_index(pc.invert(canonical_int_mask(column, signed=signed)))) is None:
        return
    value = column[i].as_py()
    hint = "write exact decimal integers as Python's str(int) does, e.g. '-1234'"
    if not signed and re.fullmatch(SIGNED_INT_PATTERN, value):
        raise origin.error(
            i, name, f"negative {name}: {show(value)}", f"{name} is never negative: fetch the data again"
        )
    kind = "signed" if signed else "unsigned"
    raise origin.error(i, name, f"not a {kind} decimal integer: {show(value)}", hint)


def _read_swap_file(path: Path) -> tuple[pa.Table, Path]:
    table = coerce_swaps(read_parquet(path), RowOrigin.single(path))
    if table.num_rows == 0:
        raise DataError(path, "file has no rows", hint="delete the file or fetch that day again")
    return table, path


def _first_key(part: tuple[pa.Table, Path]) -> tuple[int, int, str]:
    table, path = part
    return table["block_number"][0].as_py(), table["log_index"][0].as_py(), path.name


def read_parquet(path: Path) -> pa.Table:
    """Whole parquet file; an empty, truncated or non-parquet file raises DataError."""
    if path.stat().st_size == 0:
        raise DataError(path, "file is empty (0 bytes)", hint="delete the file or fetch it again")
    try:
        with pq.ParquetFile(path) as handle:  # faster than pq.read_table's dataset machinery
            return handle.read()
    except (pa.ArrowException, OSError) as exc:
        raise DataError(
            path, f"unreadable or corrupt parquet file ({first_line(exc)})", hint="fetch the file again"
        ) from exc


def list_data_files(path: Path, suffix: str, start: dt.date | None, end: dt.date | None) -> list[Path]:
    """`path` itself, or the visible `*suffix` files of folder `path` whose name date is in [start, end].

    Files whose name does not end with a YYYY-MM-DD date are kept; their rows are filtered by the caller.
    """
    if start is not None and end is not None and start > end:
        raise DataError(path, f"start {start} is after end {end}", hint="swap the two dates")
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise DataError(path, "no such file or folder", hint="check the path")
    files = sorted(p for p in path.glob(f"*{suffix}") if p.is_file() and not p.name.startswith("."))
    if not files:
        raise DataError(path, f"folder has no {suffix} files", hint=f"point to a {suffix} file or a folder of them")
    dated = {file: name_date(file, suffix) for file in files}
    kept = [file for file, day in dated.items() if day is None or _in_range(day, start, end)]
    if not kept:
        days = sorted(day for day in dated.values() if day is not None)
        raise DataError(
            path,
            f"no file dated between {start or 'the start'} and {end or 'the end'}",
            hint=f"the files cover {days[0]} to {days[-1]}",
        )
    return kept


def name_date(path: Path, suffix: str) -> dt.date | None:
    """The date a file name ends with before `suffix` (e.g. 'Polygon-0xab-2022-07-19.csv'), or None."""
    match = _NAME_DATE.search(path.name.removesuffix(suffix))
    if match is None:
        return None
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        return None


def as_date(value: DateLike | None) -> dt.date | None:
    """A `date` from a date, datetime or 'YYYY-MM-DD' string."""
    if value is None or type(value) is dt.date:
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value))


def day_mask(
    times: pa.ChunkedArray, start: DateLike | None, end: DateLike | None, per_second: int = 1
) -> pa.ChunkedArray:
    """Rows whose unix time (in units of 1/per_second s) falls on a UTC day in [start, end]."""
    start, end = as_date(start), as_date(end)
    mask = pc.greater_equal(times, _epoch(start) * per_second) if start is not None else None
    if end is not None:
        upper = pc.less(times, _epoch(end + dt.timedelta(days=1)) * per_second)
        mask = upper if mask is None else pc.and_(mask, upper)
    return pc.is_valid(times) if mask is None else mask


def _epoch(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def _in_range(day: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    return (start is None or day >= start) and (end is None or day <= end)


def first_line(exc: BaseException) -> str:
    """First line of an exception's message, to keep a DataError on one line."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (best effort: not every platform can open a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


__all__ = ["load_swaps", "save_swaps", "check_swaps", "coerce_swaps"]
