"""`lamm backtest` and `lamm demo` as a user runs them: outputs, JSON keys, and clear failures."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import requires_shared_data, shared_data

from backtests.metrics import METRIC_NAMES

LAMM = [sys.executable, "-m", "lamm.cli"]


def lamm(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*LAMM, *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def test_backtest_on_synthetic_writes_json_report_and_csv(tmp_path):
    specs = ["static:30", "vol:k=0.5", "directional"]
    args = [
        "backtest",
        "--data",
        "synthetic",
        "--synthetic-days",
        "1",
        "--report",
        str(tmp_path / "rep"),
        "--json",
        str(tmp_path / "m.json"),
    ]
    for s in specs:
        args += ["--strategy", s]
    res = lamm(*args)
    assert res.returncode == 0, res.stderr
    doc = json.loads((tmp_path / "m.json").read_text())
    assert list(doc["strategies"]) == specs
    for metrics in doc["strategies"].values():
        assert set(METRIC_NAMES) <= set(metrics)
    html = (tmp_path / "rep" / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 5 and "static:30" in html
    header = (tmp_path / "rep" / "steps.csv").read_text().splitlines()[0]
    assert header.startswith("strategy,time,fair_price,pool_price,fee_bps")


@requires_shared_data
def test_backtest_on_real_swaps_with_date_range(tmp_path):
    res = lamm(
        "backtest",
        "--data",
        str(shared_data("arbitrum-univ3-weth-usdt-005", "swaps")),
        "--from",
        "2025-07-06",
        "--to",
        "2025-07-07",
        "--strategy",
        "static:5",
        "--json",
        str(tmp_path / "m.json"),
    )
    assert res.returncode == 0, res.stderr
    m = json.loads((tmp_path / "m.json").read_text())["strategies"]["static:5"]
    assert 1.5 < m["days"] < 2.5 and m["uninformed_volume_kept"] > 0 and m["arbs_per_day"] > 0


def _broken_swaps(tmp_path: Path, kind: str) -> Path:
    rows = {
        "block_number": [1, 2],
        "timestamp": [1_700_000_000, 1_700_000_012],
        "log_index": [0, 0],
        "sender": ["0xa", "0xa"],
        "recipient": ["0xb", "0xb"],
        "amount0": ["10", "-5"],
        "amount1": ["-20", "9"],
        "sqrt_price_x96": ["79228162514264337593543950336"] * 2,
        "liquidity": ["1000", "1000"],
        "tick": [0, 0],
    }
    if kind == "missing column":
        del rows["liquidity"]
    elif kind == "unsorted":
        rows["block_number"] = [2, 1]
    elif kind == "negative liquidity":
        rows["liquidity"] = ["1000", "-1"]
    elif kind == "bad integer":
        rows["amount0"] = ["10", "1.5e3"]
    path = tmp_path / f"{kind.replace(' ', '_')}.parquet"
    pq.write_table(pa.table(rows), path)
    return path


@pytest.mark.parametrize(
    "kind, words",
    [
        ("missing column", "liquidity"),
        ("unsorted", "row 2"),
        ("negative liquidity", "liquidity"),
        ("bad integer", "amount0"),
    ],
)
def test_broken_file_gives_one_clear_error_and_writes_nothing(tmp_path, kind, words):
    path = _broken_swaps(tmp_path, kind)
    previous = tmp_path / "m.json"
    previous.write_text('{"kept": true}\n')
    res = lamm("backtest", "--data", str(path), "--json", str(previous), "--report", str(tmp_path / "rep"))
    assert res.returncode == 2
    assert path.name in res.stderr and words in res.stderr
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) <= 3
    assert previous.read_text() == '{"kept": true}\n' and not (tmp_path / "rep").exists()


@pytest.mark.parametrize(
    "args, words",
    [
        (["--strategy", "static"], "give the fee"),
        (["--strategy", "magic:3"], "unknown strategy"),
        (["--from", "2025-13-01"], "YYYY-MM-DD"),
        (["--data", "/nonexistent/x"], "no such file"),
        (["--step", "7parsecs"], "step"),
    ],
)
def test_bad_arguments_are_refused_clearly(args, words):
    res = lamm("backtest", "--synthetic-days", "1", *args)
    assert res.returncode == 2 and words in res.stderr and "Traceback" not in res.stderr


def test_demo_runs_and_prints_where_the_report_is(tmp_path):
    res = lamm("demo", "--out", str(tmp_path / "demo"), "--days", "1", "--train-steps", "2048")
    assert "identical to what was sent: True" in res.stdout, res.stdout[-3000:]
    assert res.returncode == 0, res.stderr
    assert "report:" in res.stdout and (tmp_path / "demo" / "report.html").exists()
    strategies = json.loads((tmp_path / "demo" / "metrics.json").read_text())["strategies"]
    assert "static:30" in strategies and f"learned:{tmp_path / 'demo' / 'model'}" in strategies


def test_each_engine_is_a_subcommand_with_only_its_own_options():
    fee, portfolio, passive = (lamm("backtest", kind, "--help").stdout for kind in ("fee", "portfolio", "passive"))
    assert "--step" in fee and "--depth" in fee and "--interval" not in fee and "--trade-gas" not in fee
    assert "--interval" in portfolio and "--trade-gas" in portfolio and "--step" not in portfolio
    assert "--capital" in passive and "--strategy" not in passive and "--step" not in passive
    res = lamm("backtest", "--env", "portfolio")
    assert res.returncode == 2 and "lamm backtest portfolio" in res.stderr and "Traceback" not in res.stderr


def test_tables_stay_whole_at_80_columns_when_piped():
    """Piped output is 80 columns wide: no line is longer, and every strategy name appears whole (never folded),
    as a table row or, when the table cannot fit, as its own block."""
    long_name = "directional:base=5,a=4"
    fee = lamm("backtest", "fee", "--synthetic-days", "1", "--strategy", "static:30", "--strategy", long_name)
    portfolio = lamm("backtest", "portfolio", "--synthetic-days", "5")
    for res, names in ((fee, ["static:30", long_name]), (portfolio, ["hold", "mix:every=24", "mix:band=0.05"])):
        assert res.returncode == 0, res.stderr
        lines = res.stdout.splitlines()
        assert max(len(line) for line in lines) <= 80, res.stdout
        for name in names:
            assert any(line.split() and line.split()[0] == name for line in lines), (name, res.stdout)
    assert "Sharpe" in portfolio.stdout and "turnover/yr" in portfolio.stdout


def test_report_shows_human_prices_the_covered_days_and_relative_paths(tmp_path):
    data = tmp_path / "swaps.parquet"
    from envs.data import save_swaps
    from envs.synthetic import generate_swaps

    save_swaps(generate_swaps(days=1, seed=3), data)
    res = lamm("backtest", "--data", "swaps.parquet", "--strategy", "static:30", "--report", "rep", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    html = re.sub(r"<img [^>]*>", "", (tmp_path / "rep" / "report.html").read_text())
    assert "Venue price (USDT per WETH)" in html and "None" not in html
    assert "<b>data</b>: swaps.parquet" in html and "<b>from</b>: 2025-01-01" in html
    prices = [float(line.split(",")[2]) for line in (tmp_path / "rep" / "steps.csv").read_text().splitlines()[1:]]
    assert 1_000 < min(prices) and max(prices) < 10_000  # USDT per WETH, not raw token1 per raw token0 (~2.5e-9)


def test_passive_backtest_writes_its_report(tmp_path):
    res = lamm("backtest", "passive", "--report", str(tmp_path / "rep"), "--json", str(tmp_path / "p.json"))
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "rep" / "report.html").read_text().count("data:image/png;base64,") == 1
    assert json.loads((tmp_path / "p.json").read_text())["passive"]["fee_value"] > 0
