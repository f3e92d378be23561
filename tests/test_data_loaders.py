"""Market-data loaders: real shared data loads with the documented counts and exact integers, and each
kind of broken file raises one DataError naming the file, the row and column, and the problem.

Why this module is long: one short test per validation rule, for four file formats that share the rules.
"""

import csv
import datetime as dt
import pickle
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import requires_shared_data, shared_data

from envs.data import (
    SWAP_SCHEMA,
    DataError,
    load_minute_bars,
    load_prices,
    load_swaps,
    load_tick_events,
    save_swaps,
)
from envs.data import swaps as swaps_module
from envs.data.schema import float_column, int_column, to_int

SWAPS = "arbitrum-univ3-weth-usdt-005/swaps"
TICKS = "ethereum-univ3-usdc-weth-005-sample/ethereum-0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640-2023-11-10.tick.csv"
MINUTES = "polygon-univ3-usdc-weth-005-minute"
BINANCE = "binance-1m-usdt/prices.parquet"
HOURLY = "ethereum-univ3-weth-usdc-hourly/price.csv"


# --- hand-made inputs ---------------------------------------------------------------------------------


def swap_table(n: int = 5, **columns: pa.Array) -> pa.Table:
    """A valid swap table of n rows in one block each; keyword arguments replace columns."""
    data = {
        "block_number": pa.array(range(100, 100 + n), pa.int64()),
        "timestamp": pa.array(range(1746374400, 1746374400 + n), pa.int64()),
        "log_index": pa.array([3] * n, pa.int32()),
        "sender": pa.array(["0x5E325eDA8064b456f4781070C0738d849c824258"] * n, pa.large_string()),
        "recipient": pa.array(["0x01989C93890AeD05a63d179b03424997075B6acF"] * n, pa.large_string()),
        "amount0": pa.array(["-13934433568570076"] * n, pa.large_string()),
        "amount1": pa.array(["25549300"] * n, pa.large_string()),
        "sqrt_price_x96": pa.array(["3391687544375824514757915"] * n, pa.large_string()),
        "liquidity": pa.array(["9724174641423630516"] * n, pa.large_string()),
        "tick": pa.array([-201186] * n, pa.int32()),
    }
    data.update(columns)
    return pa.table(data)


def write_swaps(path: Path, table: pa.Table) -> Path:
    pq.write_table(table, path)
    return path


MINUTE_HEADER = (
    "timestamp,netAmount0,netAmount1,closeTick,openTick,lowestTick,highestTick,inAmount0,inAmount1,currentLiquidity"
)
MINUTE_ROW = "{t},-30361565484,19253165598944715626,202693,202656,202649,202697,23814930590,34314688834673185254,{liq}"


def minute_csv(path: Path, minutes: list[int] | None = None, liquidity: list[str] | None = None) -> Path:
    minutes = [0, 1, 2, 3] if minutes is None else minutes
    liquidity = liquidity or ["422680516552367239"] * len(minutes)
    rows = [MINUTE_ROW.format(t=f"2022-07-19 00:{m:02d}:00", liq=q) for m, q in zip(minutes, liquidity, strict=True)]
    path.write_text("\n".join([MINUTE_HEADER, *rows]) + "\n")
    return path


TICK_HEADER = (
    "block_number,block_timestamp,tx_type,transaction_hash,pool_tx_index,pool_log_index,proxy_log_index,"
    "sender,receipt,amount0,amount1,total_liquidity,total_liquidity_delta,sqrtPriceX96,current_tick,"
    "position_id,tick_lower,tick_upper,liquidity"
)


def tick_row(block: int, kind: str = "SWAP", amount0: str = "2053720028", sqrt: str | None = None) -> str:
    sqrt = "1720033615368495409631536392506644" if sqrt is None else sqrt
    return (
        f"{block},2023-11-10 00:00:11,{kind},0xabc,1,{block % 1000},,0x3fc9,0x180e,{amount0},"
        f"-967475575973702761,15219221119347189882,0,{sqrt},199720.0,,,,"
    )


def tick_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([TICK_HEADER, *rows]) + "\n")
    return path


def assert_data_error(excinfo: pytest.ExceptionInfo, path: Path, *texts: str, row=None, column=None) -> None:
    """The error names the file, the row and column (when given), and every expected piece of text."""
    message = str(excinfo.value)
    assert "\n" not in message
    assert path.name in message
    assert excinfo.value.row == row
    assert excinfo.value.column == column
    if row is not None:
        assert f"row {row}" in message
    if column is not None:
        assert f"column '{column}'" in message
    for text in texts:
        assert text in message, message


# --- real data ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def all_swaps() -> pa.Table:
    return load_swaps(shared_data(SWAPS))


@requires_shared_data
def test_all_arbitrum_days_load(all_swaps):
    assert all_swaps.schema == SWAP_SCHEMA
    assert all_swaps.num_rows == 1_240_730
    days = {dt.datetime.fromtimestamp(t, dt.UTC).date() for t in all_swaps["timestamp"].to_numpy()[::500]}
    assert len(list(shared_data(SWAPS).glob("*.parquet"))) == 50
    assert min(days) == dt.date(2025, 5, 4) and max(days) == dt.date(2025, 7, 30)


@requires_shared_data
def test_swap_date_filter_reads_only_those_days():
    day = dt.date(2025, 5, 4)
    one = load_swaps(shared_data(SWAPS), start=day, end=day)
    assert one.num_rows == pq.read_metadata(shared_data(SWAPS, "2025-05-04.parquet")).num_rows
    times = one["timestamp"].to_numpy()
    assert times.min() >= 1746316800 and times.max() < 1746316800 + 86400
    files = [f for f in shared_data(SWAPS).glob("*.parquet") if "2025-05-04" <= f.stem <= "2025-05-10"]
    week = load_swaps(shared_data(SWAPS), start="2025-05-04", end=dt.date(2025, 5, 10))
    assert week.num_rows == sum(pq.read_metadata(f).num_rows for f in files)


@requires_shared_data
def test_swap_date_range_without_files():
    with pytest.raises(DataError) as excinfo:
        load_swaps(shared_data(SWAPS), start=dt.date(2024, 1, 1), end=dt.date(2024, 1, 31))
    assert_data_error(excinfo, shared_data(SWAPS), "no file dated between 2024-01-01 and 2024-01-31", "2025-05-04")


@requires_shared_data
def test_swap_big_integers_are_exact(all_swaps):
    raw = pq.read_table(shared_data(SWAPS, "2025-05-04.parquet"))
    for name in ("amount0", "amount1", "sqrt_price_x96", "liquidity"):
        text = raw[name][17].as_py()
        assert to_int(all_swaps[name][17].as_py()) == int(text)
    assert int_column(all_swaps.slice(0, 3), "liquidity") == [int(v) for v in raw["liquidity"][:3].to_pylist()]
    prices = float_column(all_swaps, "sqrt_price_x96")
    assert prices.dtype == np.float64 and len(prices) == all_swaps.num_rows
    assert prices[17] == float(int(raw["sqrt_price_x96"][17].as_py()))


@requires_shared_data
def test_tick_sample_swaps_convert_exactly():
    table = load_tick_events(shared_data(TICKS))
    assert table.schema == SWAP_SCHEMA
    assert table.num_rows == 5_898
    with shared_data(TICKS).open() as handle:
        first = next(row for row in csv.DictReader(handle) if row["tx_type"] == "SWAP")
    got = table.slice(0, 1).to_pylist()[0]
    assert got["sqrt_price_x96"] == first["sqrtPriceX96"] and int(got["sqrt_price_x96"]) == int(first["sqrtPriceX96"])
    assert got["liquidity"] == first["total_liquidity"] and got["amount1"] == first["amount1"]
    assert got["tick"] == int(float(first["current_tick"])) == 199720
    assert got["log_index"] == int(first["pool_log_index"]) and got["recipient"] == first["receipt"]
    stamp = dt.datetime.strptime(first["block_timestamp"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)
    assert got["timestamp"] == int(stamp.timestamp())


@requires_shared_data
def test_polygon_minute_bars_load():
    bars = load_minute_bars(shared_data(MINUTES))
    assert len(bars) == 50_390
    assert len(set(bars.index.date)) == 35
    assert str(bars.index.tz) == "UTC" and bars.index.is_monotonic_increasing
    assert bars["currentLiquidity"].dtype == np.float64 and bars["closeTick"].dtype == np.int64
    day = load_minute_bars(shared_data(MINUTES), start="2022-07-19", end="2022-07-19")
    assert len(day) == 1_440 and set(day.index.date) == {dt.date(2022, 7, 19)}


@requires_shared_data
def test_price_files_load():
    binance = load_prices(shared_data(BINANCE))
    assert binance.shape == (390_240, 11) and "ETH" in binance.columns
    assert str(binance.index.tz) == "UTC" and (binance.dtypes == np.float64).all()
    hourly = load_prices(shared_data(HOURLY))
    assert list(hourly.columns) == ["price"] and len(hourly) == 26_179
    january = load_prices(shared_data(BINANCE), start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31))
    assert len(january) == 31 * 1440


# --- swap validation ----------------------------------------------------------------------------------


def test_valid_hand_made_swaps_load(tmp_path):
    table = load_swaps(write_swaps(tmp_path / "ok.parquet", swap_table()))
    assert table.schema == SWAP_SCHEMA and table.num_rows == 5


def test_swaps_missing_column(tmp_path):
    path = write_swaps(tmp_path / "s.parquet", swap_table().drop_columns(["tick"]))
    with pytest.raises(DataError) as excinfo:
        load_swaps(path)
    assert_data_error(excinfo, path, "missing column(s) tick", column="tick")


def test_swaps_amount_not_an_integer_string(tmp_path):
    path = write_swaps(tmp_path / "s.parquet", swap_table(amount0=pa.array(["1", "-2", "12.5", "x", "4"])))
    with pytest.raises(DataError) as excinfo:
        load_swaps(path)
    assert_data_error(excinfo, path, "not a signed decimal integer: '12.5'", row=3, column="amount0")


def test_swaps_block_number_not_integer(tmp_path):
    path = write_swaps(tmp_path / "s.parquet", swap_table(block_number=pa.array(["1", "2", "3", "4b", "5"])))
    with pytest.raises(DataError) as excinfo:
        load_swaps(path)
    assert_data_error(excinfo, path, "not an integer: '4b'", row=4, column="block_number")


def test_swaps_big_integers_as_floats_rejected(tmp_path):
    path = write_swaps(tmp_path / "s.parquet", swap_table(liquidity=pa.array([1e19] * 5)))
    with pytest.raises(DataError) as excinfo:
        load_swaps(path)
    assert_data_error(excinfo, path, "floats are not exact", column="liquidity")


def test_swaps_null_and_nan(tmp_path):
    path = write_swaps(tmp_path / "s.parquet", swap_table(recipient=pa.array(["a", "b", None, "d", "e"])))
    with pytest.raises(DataError) as excinfo:
        load_swaps(path)
    assert_data_error(excinfo, path, "missing value", row=3, column="recipient")
    nan = pa.array([1.0, 2.0, float("nan"), 4.0, 5.0])
    path = write_swaps(tmp_path / "n.parquet", swap_table(block_number=nan))
    with pytest.raises(DataError) as excinfo:
        load_swaps(path)
    assert_data_error(excinfo, path, "NaN", row=3, column="block_number")


def test_swaps_unsorted(tmp_path):
    path = write_swaps(tmp_path / "s.parquet", swap_table(block_number=pa.array([1, 2, 5, 4, 6], pa.int64())))
    with pytest.raises(DataError) as excinfo:
        load_swaps(path)
    assert_data_error(excinfo, path, "not sorted by (block_number, log_index)", "after", row=4, column="block_number")


def test_swaps_duplicate(tmp_path):
    path = write_swaps(tmp_path / "s.parquet", swap_table(block_number=pa.array([1, 2, 2, 3, 4], pa.int64())))
    with pytest.raises(DataError) as excinfo:
        load_swaps(path)
    assert_data_error(excinfo, path, "duplicate row (block_number=2, log_index=3)", row=3, column="block_number")


def test_swaps_overlapping_files(tmp_path):
    write_swaps(tmp_path / "2025-05-04.parquet", swap_table())
    late = swap_table(block_number=pa.array(range(104, 109), pa.int64()))
    write_swaps(tmp_path / "2025-05-05.parquet", late)
    with pytest.raises(DataError) as excinfo:
        load_swaps(tmp_path)
    assert_data_error(
        excinfo,
        tmp_path / "2025-05-05.parquet",
        "duplicate",
        "2025-05-04.parquet",
        row=1,
        column="block_number",
    )


def test_swaps_negative_liquidity(tmp_path):
    path = write_swaps(tmp_path / "s.parquet", swap_table(liquidity=pa.array(["1", "2", "3", "4", "-5"])))
    with pytest.raises(DataError) as excinfo:
        load_swaps(path)
    assert_data_error(excinfo, path, "negative liquidity: '-5'", row=5, column="liquidity")


def test_swaps_zero_sqrt_price(tmp_path):
    path = write_swaps(tmp_path / "s.parquet", swap_table(sqrt_price_x96=pa.array(["7", "0", "3", "4", "5"])))
    with pytest.raises(DataError) as excinfo:
        load_swaps(path)
    assert_data_error(excinfo, path, "must be > 0", row=2, column="sqrt_price_x96")


def test_swaps_empty_files(tmp_path):
    path = write_swaps(tmp_path / "rows.parquet", swap_table(0))
    with pytest.raises(DataError) as excinfo:
        load_swaps(path)
    assert_data_error(excinfo, path, "no rows")
    path = tmp_path / "bytes.parquet"
    path.write_bytes(b"")
    with pytest.raises(DataError) as excinfo:
        load_swaps(path)
    assert_data_error(excinfo, path, "empty (0 bytes)")


def test_swaps_corrupt_file(tmp_path):
    good = write_swaps(tmp_path / "good.parquet", swap_table())
    path = tmp_path / "cut.parquet"
    path.write_bytes(good.read_bytes()[:200])
    with pytest.raises(DataError) as excinfo:
        load_swaps(path)
    assert_data_error(excinfo, path, "unreadable or corrupt parquet file")


def test_swaps_folder_without_parquet(tmp_path):
    (tmp_path / "notes.txt").write_text("no data here")
    with pytest.raises(DataError) as excinfo:
        load_swaps(tmp_path)
    assert_data_error(excinfo, tmp_path, "folder has no .parquet files")
    with pytest.raises(DataError, match="no such file or folder"):
        load_swaps(tmp_path / "absent")


def test_swaps_date_range_without_rows(tmp_path):
    path = write_swaps(tmp_path / "any-name.parquet", swap_table())
    assert load_swaps(path, start="2025-05-04", end="2025-05-04").num_rows == 5
    with pytest.raises(DataError) as excinfo:
        load_swaps(path, start=dt.date(2025, 6, 1))
    assert_data_error(excinfo, path, "no swaps between 2025-06-01")


# --- saving -------------------------------------------------------------------------------------------


def test_save_swaps_round_trip(tmp_path):
    path = save_swaps(swap_table(), tmp_path / "out" / "2025-05-04.parquet")
    assert load_swaps(path).equals(swap_table())
    assert [p.name for p in path.parent.iterdir()] == ["2025-05-04.parquet"]


def test_save_swaps_failure_keeps_previous_file(tmp_path, monkeypatch):
    path = save_swaps(swap_table(), tmp_path / "2025-05-04.parquet")
    before = path.read_bytes()

    def write_half_then_fail(table, where, **kwargs):
        where.write(b"PAR1 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(swaps_module.pq, "write_table", write_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        save_swaps(swap_table(7), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["2025-05-04.parquet"]


def test_save_swaps_refuses_invalid_table(tmp_path):
    path = tmp_path / "bad.parquet"
    with pytest.raises(DataError) as excinfo:
        save_swaps(swap_table(amount1=pa.array(["1", "2", "3", "1e5", "5"])), path)
    assert_data_error(excinfo, path, "not saved", "'1e5'", row=4, column="amount1")
    assert not path.exists()


# --- demeter minute bars ------------------------------------------------------------------------------


def test_minute_bars_valid_hand_made(tmp_path):
    bars = load_minute_bars(minute_csv(tmp_path / "Polygon-0x45dd-2022-07-19.csv"))
    assert len(bars) == 4 and bars["inAmount1"].iloc[0] == 34314688834673185254.0


def test_minute_bars_missing_column(tmp_path):
    path = tmp_path / "bars.csv"
    path.write_text("timestamp,netAmount0\n2022-07-19 00:00:00,5\n")
    with pytest.raises(DataError) as excinfo:
        load_minute_bars(path)
    assert_data_error(excinfo, path, "missing column(s) netAmount1", column="netAmount1")


def test_minute_bars_nan(tmp_path):
    path = minute_csv(tmp_path / "bars.csv", liquidity=["1", "2", "NaN", "4"])
    with pytest.raises(DataError) as excinfo:
        load_minute_bars(path)
    assert_data_error(excinfo, path, "missing value", row=3, column="currentLiquidity")


def test_minute_bars_not_a_number(tmp_path):
    path = minute_csv(tmp_path / "bars.csv", liquidity=["1", "2x", "3", "4"])
    with pytest.raises(DataError) as excinfo:
        load_minute_bars(path)
    assert_data_error(excinfo, path, "not a number: '2x'", row=2, column="currentLiquidity")


def test_minute_bars_unsorted_and_duplicate(tmp_path):
    path = minute_csv(tmp_path / "bars.csv", minutes=[0, 2, 1, 3])
    with pytest.raises(DataError) as excinfo:
        load_minute_bars(path)
    assert_data_error(excinfo, path, "not sorted by (timestamp)", "2022-07-19T00:01:00", row=3, column="timestamp")
    path = minute_csv(tmp_path / "dup.csv", minutes=[0, 1, 1, 3])
    with pytest.raises(DataError) as excinfo:
        load_minute_bars(path)
    assert_data_error(excinfo, path, "duplicate row (timestamp=2022-07-19T00:01:00)", row=3, column="timestamp")


def test_minute_bars_negative_liquidity(tmp_path):
    path = minute_csv(tmp_path / "bars.csv", liquidity=["1", "2", "3", "-4"])
    with pytest.raises(DataError) as excinfo:
        load_minute_bars(path)
    assert_data_error(excinfo, path, "negative currentLiquidity: -4.0", row=4, column="currentLiquidity")


def test_minute_bars_corrupt(tmp_path):
    path = minute_csv(tmp_path / "bars.csv")
    path.write_text(path.read_text() + "2022-07-19 00:04:00,1,2\n")
    with pytest.raises(DataError) as excinfo:
        load_minute_bars(path)
    assert_data_error(excinfo, path, "unreadable or corrupt CSV file", "Expected 10 columns, got 3")


def test_minute_bars_empty(tmp_path):
    path = tmp_path / "bars.csv"
    path.write_text(MINUTE_HEADER + "\n")
    with pytest.raises(DataError) as excinfo:
        load_minute_bars(path)
    assert_data_error(excinfo, path, "no data rows")
    path.write_text("")
    with pytest.raises(DataError) as excinfo:
        load_minute_bars(path)
    assert_data_error(excinfo, path, "empty (0 bytes)")


# --- demeter-fetch tick events ------------------------------------------------------------------------


def test_tick_events_keep_swaps_only(tmp_path):
    path = tick_csv(tmp_path / "t.tick.csv", [tick_row(1), tick_row(2, "MINT"), tick_row(3)])
    table = load_tick_events(path)
    assert table["block_number"].to_pylist() == [1, 3] and table["tick"].to_pylist() == [199720, 199720]


def test_tick_events_bad_amount_names_file_row(tmp_path):
    rows = [tick_row(1), tick_row(2, "MINT"), tick_row(3, "BURN"), tick_row(4, amount0="2.05e9")]
    path = tick_csv(tmp_path / "t.tick.csv", rows)
    with pytest.raises(DataError) as excinfo:
        load_tick_events(path)
    assert_data_error(excinfo, path, "not a signed decimal integer: '2.05e9'", row=4, column="amount0")


def test_tick_events_zero_price_uses_file_column_name(tmp_path):
    path = tick_csv(tmp_path / "t.tick.csv", [tick_row(1), tick_row(2, "COLLECT"), tick_row(3, sqrt="0")])
    with pytest.raises(DataError) as excinfo:
        load_tick_events(path)
    assert_data_error(excinfo, path, "must be > 0", row=3, column="sqrtPriceX96")


def test_tick_events_missing_column_and_no_swaps(tmp_path):
    path = tmp_path / "t.tick.csv"
    path.write_text(TICK_HEADER.replace(",receipt", ",recipient") + "\n" + tick_row(1) + "\n")
    with pytest.raises(DataError) as excinfo:
        load_tick_events(path)
    assert_data_error(excinfo, path, "missing column(s) receipt", column="receipt")
    path = tick_csv(tmp_path / "m.tick.csv", [tick_row(1, "MINT")])
    with pytest.raises(DataError) as excinfo:
        load_tick_events(path)
    assert_data_error(excinfo, path, "no SWAP rows", column="tx_type")


def test_tick_events_unsorted(tmp_path):
    path = tick_csv(tmp_path / "t.tick.csv", [tick_row(5), tick_row(6, "MINT"), tick_row(4)])
    with pytest.raises(DataError) as excinfo:
        load_tick_events(path)
    assert_data_error(excinfo, path, "not sorted", row=3, column="block_number")


# --- prices -------------------------------------------------------------------------------------------


def price_csv(path: Path, lines: list[str], header: str = "timestamp,price") -> Path:
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


def test_prices_parquet_hand_made(tmp_path):
    times = pa.array([0, 60, 120], pa.timestamp("s"))
    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({"time_utc": times, "ETH": [1.0, 2.0, 3.0], "BTC": pa.array([5, 6, 7])}), path)
    prices = load_prices(path)
    assert list(prices.columns) == ["ETH", "BTC"] and prices["BTC"].dtype == np.float64
    assert prices.index[1] == dt.datetime(1970, 1, 1, 0, 1, tzinfo=dt.UTC)


def test_prices_missing_time_column(tmp_path):
    path = price_csv(tmp_path / "p.csv", ["2021-05-05 01:00:00,3.0"], header="when,price")
    with pytest.raises(DataError) as excinfo:
        load_prices(path)
    assert_data_error(excinfo, path, "no time column (expected one of time_utc, timestamp")


def test_prices_non_numeric(tmp_path):
    path = price_csv(
        tmp_path / "p.csv", ["2021-05-05 01:00:00,3.0", "2021-05-05 02:00:00,n/p", "2021-05-05 03:00:00,4"]
    )
    with pytest.raises(DataError) as excinfo:
        load_prices(path)
    assert_data_error(excinfo, path, "not a number: 'n/p'", row=2, column="price")


def test_prices_bad_time(tmp_path):
    path = price_csv(tmp_path / "p.csv", ["2021-05-05 01:00:00,3.0", "yesterday,3.5", "2021-05-05 03:00:00,4"])
    with pytest.raises(DataError) as excinfo:
        load_prices(path)
    assert_data_error(excinfo, path, "not a time: 'yesterday'", row=2, column="timestamp")


def test_prices_nan(tmp_path):
    times = pa.array([0, 60, 120], pa.timestamp("s"))
    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({"time_utc": times, "ETH": [1.0, 2.0, float("nan")]}), path)
    with pytest.raises(DataError) as excinfo:
        load_prices(path)
    assert_data_error(excinfo, path, "missing value", row=3, column="ETH")


def test_prices_unsorted_and_duplicate(tmp_path):
    lines = ["2021-05-05 01:00:00,3", "2021-05-05 03:00:00,3", "2021-05-05 02:00:00,3"]
    path = price_csv(tmp_path / "p.csv", lines)
    with pytest.raises(DataError) as excinfo:
        load_prices(path)
    assert_data_error(excinfo, path, "not sorted by (timestamp)", row=3, column="timestamp")
    path = price_csv(tmp_path / "d.csv", lines[:2] + lines[1:2])
    with pytest.raises(DataError) as excinfo:
        load_prices(path)
    assert_data_error(excinfo, path, "duplicate row", row=3, column="timestamp")


def test_prices_non_positive(tmp_path):
    path = price_csv(tmp_path / "p.csv", ["2021-05-05 01:00:00,3", "2021-05-05 02:00:00,0"])
    with pytest.raises(DataError) as excinfo:
        load_prices(path)
    assert_data_error(excinfo, path, "non-positive price 0.0", row=2, column="price")


def test_prices_empty(tmp_path):
    path = price_csv(tmp_path / "p.csv", [])
    with pytest.raises(DataError) as excinfo:
        load_prices(path)
    assert_data_error(excinfo, path, "no data rows")


# --- the error itself ---------------------------------------------------------------------------------


def test_data_error_is_one_line_and_pickles():
    err = DataError("data/x.csv", "bad\nvalue", row=3, column="price", hint="fix it")
    assert str(err) == "data/x.csv, row 3, column 'price': bad value (fix: fix it)"
    assert isinstance(err, ValueError)
    again = pickle.loads(pickle.dumps(err))
    assert (again.path, again.row, again.column, again.problem, str(again)) == (
        err.path,
        3,
        "price",
        err.problem,
        str(err),
    )
