"""Load exchange or pool price series (parquet or CSV) as a validated UTC-indexed float64 DataFrame.

Accepted shapes: a time column (`time_utc`, `timestamp`, `time`, `datetime` or `date`) plus one numeric
column per asset, e.g. the Binance minute parquet (`time_utc, ETH, BTC, ...`) or an hourly pool price
CSV (`timestamp, price`). Times without a zone are taken as UTC.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from envs.data.demeter import read_csv_text
from envs.data.errors import DataError, RowOrigin
from envs.data.schema import check_increasing, first_index, parse_floats, parse_times
from envs.data.swaps import DateLike, as_date, day_mask, read_parquet

TIME_COLUMNS: tuple[str, ...] = ("time_utc", "timestamp", "time", "datetime", "date")
_PARQUET_MAGIC = b"PAR1"


def load_prices(path: str | Path, start: DateLike | None = None, end: DateLike | None = None) -> pd.DataFrame:
    """Prices indexed by UTC time ('time'), one float64 column per asset; start/end: inclusive UTC days."""
    path = Path(path)
    first, last = as_date(start), as_date(end)
    table = _read_price_file(path)
    origin = RowOrigin.single(path)
    time_name = _time_column(table, path)
    assets = [name for name in table.column_names if name != time_name and not name.startswith("__index")]
    if not assets:
        raise DataError(path, f"no price columns besides '{time_name}'", hint="add one numeric column per asset")
    times = parse_times(table[time_name], time_name, origin)
    check_increasing([times.to_numpy()], [time_name], origin, "sort the rows by time and keep one row per time")
    prices = {name: _positive_prices(table[name], name, origin) for name in assets}
    frame = pa.table({"time": times, **prices})
    if first is not None or last is not None:
        frame = frame.filter(day_mask(pc.cast(times, pa.int64()), first, last, 10**9))
        if frame.num_rows == 0:
            raise DataError(
                path,
                f"no prices between {first or 'the start'} and {last or 'the end'}",
                hint="choose dates inside the data's span",
            )
    return frame.to_pandas().set_index("time")


def _read_price_file(path: Path) -> pa.Table:
    if path.is_dir():
        raise DataError(path, "is a folder, expected one price file", hint="pass the parquet or CSV file itself")
    if not path.is_file():
        raise DataError(path, "no such file", hint="check the path")
    if not _is_parquet(path):
        return read_csv_text(path, (), "a price file")
    table = read_parquet(path)
    if table.num_rows == 0:
        raise DataError(path, "file has no data rows", hint="delete the file or fetch it again")
    return table


def _is_parquet(path: Path) -> bool:
    if path.suffix.lower() in (".parquet", ".pq"):
        return True
    if path.suffix.lower() == ".csv":
        return False
    with path.open("rb") as handle:
        return handle.read(4) == _PARQUET_MAGIC


def _time_column(table: pa.Table, path: Path) -> str:
    for name in TIME_COLUMNS:
        if name in table.column_names:
            return name
    raise DataError(
        path,
        f"no time column (expected one of {', '.join(TIME_COLUMNS)})",
        hint="name the UTC time column 'time_utc' or 'timestamp'",
    )


def _positive_prices(column: pa.ChunkedArray, name: str, origin: RowOrigin) -> pa.ChunkedArray:
    prices = parse_floats(column, name, origin)
    if (i := first_index(pc.less_equal(prices, 0))) is not None:
        raise origin.error(
            i, name, f"non-positive price {prices[i].as_py()}", "prices must be > 0: fix or drop the row"
        )
    return prices


__all__ = ["load_prices", "TIME_COLUMNS"]
