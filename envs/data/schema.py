"""The canonical swap schema, exact big-integer helpers and the vectorised column checks of the loaders.

Swaps are stored as the fields of the Uniswap V3 `Swap` event plus their position in the chain. Amounts,
sqrt prices and liquidity do not fit in 64 bits, so they stay exact as canonical decimal strings (as
Python's `str(int)` writes them); `to_int` gives the exact value, `float_column` a fast float64 view.
All checks below run as pyarrow/numpy kernels over whole columns and report the first offending row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from envs.data.errors import DataError, RowOrigin, show

SWAP_SCHEMA = pa.schema(
    [
        pa.field("block_number", pa.int64()),
        pa.field("timestamp", pa.int64()),
        pa.field("log_index", pa.int32()),
        pa.field("sender", pa.large_string()),
        pa.field("recipient", pa.large_string()),
        pa.field("amount0", pa.large_string()),
        pa.field("amount1", pa.large_string()),
        pa.field("sqrt_price_x96", pa.large_string()),
        pa.field("liquidity", pa.large_string()),
        pa.field("tick", pa.int32()),
    ]
)
"""Uniswap V3 `Swap` event plus (block_number, timestamp, log_index); big integers as decimal strings."""

SIGNED_BIG_INT_COLUMNS: tuple[str, ...] = ("amount0", "amount1")
UNSIGNED_BIG_INT_COLUMNS: tuple[str, ...] = ("sqrt_price_x96", "liquidity")
BIG_INT_COLUMNS: tuple[str, ...] = SIGNED_BIG_INT_COLUMNS + UNSIGNED_BIG_INT_COLUMNS
INT_COLUMNS: tuple[str, ...] = ("block_number", "timestamp", "log_index", "tick")
ADDRESS_COLUMNS: tuple[str, ...] = ("sender", "recipient")

SIGNED_INT_PATTERN = r"^(0|-?[1-9][0-9]*)$"
UNSIGNED_INT_PATTERN = r"^(0|[1-9][0-9]*)$"
NUMBER_PATTERN = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
MIN_TICK, MAX_TICK = -887272, 887272
INT32_BOUNDS = (-(2**31), 2**31 - 1)
UTC_NS = pa.timestamp("ns", tz="UTC")

_SIGNED_INT_RE = re.compile(SIGNED_INT_PATTERN)


def to_int(value: str) -> int:
    """Exact integer of a canonical decimal string such as '-123' (raises ValueError otherwise)."""
    if not isinstance(value, str) or not _SIGNED_INT_RE.match(value):
        raise ValueError(f"not a canonical decimal integer string: {show(value)}")
    return int(value)


def int_column(table: pa.Table, name: str) -> list[int]:
    """Exact Python ints of a big-integer column, for integer math that must match a contract."""
    return [int(v) for v in table[name].to_pylist()]


def float_column(table: pa.Table, name: str) -> np.ndarray:
    """Column as a float64 numpy array (decimal strings are parsed by pyarrow: fast, correctly rounded)."""
    column = table[name]
    if column.type != pa.float64():
        column = pc.cast(column, pa.float64())
    return column.to_numpy()


# --- column checks shared by the loaders -----------------------------------------------------------

ArrayLike = pa.Array | pa.ChunkedArray


def first_index(mask: ArrayLike) -> int | None:
    """Index of the first True of a boolean column (nulls count as False), or None."""
    index = pc.index(pc.fill_null(mask, False), True).as_py()
    return None if index < 0 else index


def check_columns(names: Sequence[str], required: Sequence[str], path: Path, what: str) -> None:
    """Require every column of `required` among `names`."""
    missing = [name for name in required if name not in names]
    if missing:
        raise DataError(
            path,
            f"missing column(s) {', '.join(missing)}",
            column=missing[0],
            hint=f"{what} needs the columns {', '.join(required)}",
        )


def check_not_null(column: ArrayLike, name: str, origin: RowOrigin) -> None:
    """Reject nulls, empty CSV fields and NaN."""
    if column.null_count:
        mask = pc.is_null(column, nan_is_null=True)
    elif pa.types.is_floating(column.type):
        mask = pc.is_nan(column)
    else:
        return
    if (i := first_index(mask)) is not None:
        raise origin.error(i, name, "missing value (empty, null or NaN)", "fill in the value or drop the row")


def check_pattern(column: ArrayLike, name: str, pattern: str, origin: RowOrigin, problem: str, hint: str) -> None:
    """Reject the first string that does not fully match `pattern` (RE2, anchored by the caller)."""
    ok = pc.match_substring_regex(column, pattern)
    if (i := first_index(pc.invert(ok))) is not None:
        raise origin.error(i, name, f"{problem}: {show(column[i].as_py())}", hint)


def canonical_int_mask(column: ArrayLike, *, signed: bool) -> ArrayLike:
    """True where a string is a canonical decimal integer (as `str(int)` writes it)."""
    if signed:
        return pc.match_substring_regex(column, SIGNED_INT_PATTERN)
    # unsigned: digits only, no leading zero; ~6x faster than the equivalent regex
    leading_zero = pc.and_(pc.starts_with(column, "0"), pc.not_equal(column, "0"))
    return pc.and_not(pc.ascii_is_decimal(column), leading_zero)


def check_bounds(column: ArrayLike, name: str, low: float, high: float, origin: RowOrigin) -> None:
    """Reject values outside [low, high]."""
    if len(column) == 0:
        return
    bounds = pc.min_max(column)
    if bounds["min"].as_py() >= low and bounds["max"].as_py() <= high:
        return
    i = first_index(pc.or_(pc.less(column, low), pc.greater(column, high)))
    raise origin.error(i, name, f"value {column[i].as_py()} is outside [{low}, {high}]", "correct the value")


def parse_ints(
    column: ArrayLike,
    name: str,
    origin: RowOrigin,
    *,
    bounds: tuple[int, int] | None = None,
    allow_point_zero: bool = False,
) -> pa.ChunkedArray:
    """Integer column as int64 from integer, whole-valued float or decimal-string input."""
    column = _chunked(column)
    check_not_null(column, name, origin)
    kind = column.type
    if pa.types.is_integer(kind):
        result = pc.cast(column, pa.int64(), safe=False) if kind != pa.uint64() else _uint64(column, name, origin)
    elif pa.types.is_floating(kind):
        if (i := first_index(pc.not_equal(column, pc.floor(column)))) is not None:
            raise origin.error(i, name, f"not an integer: {column[i].as_py()}", "write whole numbers")
        check_bounds(column, name, -(2.0**63), 2.0**63 - 1024, origin)  # floats that fit in int64
        result = pc.cast(column, pa.int64())
    elif _is_string(kind):
        suffix = r"(\.0*)?" if allow_point_zero else ""
        check_pattern(column, name, rf"^-?[0-9]{{1,18}}{suffix}$", origin, "not an integer", "write a whole number")
        if allow_point_zero:
            column = pc.replace_substring_regex(column, r"\.0*$", "")
        result = pc.cast(column, pa.int64())
    else:
        raise origin.column_error(name, f"has type {kind}, expected integers", "store the column as integers")
    if bounds is not None:
        check_bounds(result, name, bounds[0], bounds[1], origin)
    return result


def _uint64(column: pa.ChunkedArray, name: str, origin: RowOrigin) -> pa.ChunkedArray:
    check_bounds(column, name, 0, 2**63 - 1, origin)
    return pc.cast(column, pa.int64())


def parse_floats(column: ArrayLike, name: str, origin: RowOrigin) -> pa.ChunkedArray:
    """Numeric column as float64 from numeric or number-string input (NaN and nulls rejected)."""
    column = _chunked(column)
    check_not_null(column, name, origin)
    kind = column.type
    if _is_string(kind):
        check_pattern(column, name, NUMBER_PATTERN, origin, "not a number", "write plain decimal numbers")
    elif not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)):
        raise origin.column_error(name, f"has type {kind}, expected numbers", "store the column as numbers")
    result = pc.cast(column, pa.float64())
    if (i := first_index(pc.invert(pc.is_finite(result)))) is not None:
        raise origin.error(i, name, f"not a finite number: {result[i].as_py()}", "correct the value")
    return result


def parse_times(column: ArrayLike, name: str, origin: RowOrigin) -> pa.ChunkedArray:
    """Time column as timestamp[ns, UTC].

    Accepts datetimes (naive ones are UTC), dates, ISO 8601 strings, or unix seconds (ints or digit strings).
    """
    column = _chunked(column)
    check_not_null(column, name, origin)
    kind = column.type
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        naive = pa.timestamp("ns", tz=kind.tz) if pa.types.is_timestamp(kind) else pa.timestamp("ns")
        result = pc.cast(pc.cast(column, naive), UTC_NS)
    elif pa.types.is_integer(kind):
        result = pc.cast(pc.cast(pc.cast(column, pa.int64()), pa.timestamp("s")), UTC_NS)
    elif _is_string(kind) and pc.all(pc.match_substring_regex(column, r"^-?[0-9]+$")).as_py():
        seconds = parse_ints(column, name, origin)
        result = pc.cast(pc.cast(seconds, pa.timestamp("s")), UTC_NS)
    elif _is_string(kind):
        result = _parse_time_strings(column, name, origin)
    else:
        raise origin.column_error(name, f"has type {kind}, expected times", "store UTC datetimes or ISO strings")
    return result


def _parse_time_strings(column: pa.ChunkedArray, name: str, origin: RowOrigin) -> pa.ChunkedArray:
    """ISO 8601 strings, either all without zone (taken as UTC) or all with an offset or 'Z'."""
    naive, aware = pa.timestamp("ns"), UTC_NS
    for target in (naive, aware):
        try:
            return pc.cast(pc.cast(column, target), UTC_NS)
        except pa.ArrowInvalid:
            continue
    first_ok = _converts(column[:1], naive)
    target = naive if first_ok else aware
    i = _first_failure(column, lambda part: pc.cast(part, target))
    raise origin.error(
        i,
        name,
        f"not a time: {show(column[i].as_py())}",
        "write UTC times as 'YYYY-MM-DD HH:MM:SS', all rows with or all without a zone offset",
    )


def _converts(column: pa.ChunkedArray, target: pa.DataType) -> bool:
    try:
        pc.cast(column, target)
    except pa.ArrowInvalid:
        return False
    return True


def _first_failure(column: pa.ChunkedArray, convert: Callable[[pa.ChunkedArray], object]) -> int:
    """Index of the first element `convert` rejects, by bisection on prefixes (error path only)."""
    good, bad = 0, len(column)  # column[:good] converts, column[:bad] does not
    while bad - good > 1:
        mid = (good + bad) // 2
        try:
            convert(column[:mid])
            good = mid
        except pa.ArrowInvalid:
            bad = mid
    return bad - 1


def check_increasing(keys: Sequence[np.ndarray], names: Sequence[str], origin: RowOrigin, hint: str) -> None:
    """Require rows strictly increasing by the lexicographic key (i.e. sorted and without duplicates)."""
    n = len(keys[0])
    if n < 2:
        return
    equal = np.ones(n - 1, dtype=bool)
    bad = np.zeros(n - 1, dtype=bool)
    for key in keys:
        step = np.diff(key.view(np.int64) if key.dtype.kind == "M" else key)
        bad |= equal & (step < 0)
        equal &= step == 0
    bad |= equal
    if not bad.any():
        return
    i = int(np.argmax(bad))
    path, row = origin.locate(i)
    later_path, _ = origin.locate(i + 1)
    before = f"row {row}" + (f" of {path.name}" if path != later_path else "")
    key_text = ", ".join(f"{name}={_show_key(key[i + 1])}" for name, key in zip(names, keys, strict=True))
    if equal[i]:
        problem = f"duplicate row ({key_text}), same as {before}"
    else:
        prev_text = ", ".join(f"{name}={_show_key(key[i])}" for name, key in zip(names, keys, strict=True))
        problem = f"not sorted by ({', '.join(names)}): ({key_text}) comes after ({prev_text}) at {before}"
    raise origin.error(i + 1, names[0], problem, hint)


def _show_key(value: np.generic) -> str:
    if isinstance(value, np.datetime64):
        return str(value.astype("datetime64[s]"))
    return str(value)


def _is_string(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _chunked(column: ArrayLike) -> pa.ChunkedArray:
    return column if isinstance(column, pa.ChunkedArray) else pa.chunked_array([column])
