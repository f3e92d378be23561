"""`lamm evaluate portfolio`: the baselines are always there, every figure has its interval, and bad input is one
line."""

import json
import subprocess
import sys


def lamm(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lamm.cli", *args], capture_output=True, text=True, timeout=300)


def test_evaluate_portfolio_pairs_with_the_best_mix_and_deflates_for_the_trials(tmp_path):
    out = tmp_path / "eval.json"
    common = ("evaluate", "portfolio", "--synthetic-days", "40", "--strategy", "momentum", "--bootstrap", "300")
    res = lamm(*common, "--trade-fee-bps", "30", "--pool-depth", "10000000", "--trade-gas", "3", "--json", str(out))
    assert res.returncode == 0, res.stderr[-2000:]
    result = json.loads(out.read_text())
    figures = result["strategies"]
    assert {"momentum", "hold", "mix", "mix:every=24", "mix:every=168", "mix:band=0.05"} == set(figures)
    best = result["best_mix"]
    assert best.startswith("mix") and figures[best]["sharpe"]["estimate"] == max(
        f["sharpe"]["estimate"] for s, f in figures.items() if s.startswith("mix")
    )
    assert result["trials"] == 6 and result["days"] in (40, 41) and result["costs"]["fee_bps"] == 30
    for spec, f in figures.items():
        assert f["sharpe"]["low"] <= f["sharpe"]["estimate"] <= f["sharpe"]["high"], spec
        assert ("vs_best_mix" in f) == (spec != best)
    assert "momentum" in res.stdout and "DSR" in res.stdout and f"paired with {best}" in res.stdout

    many = tmp_path / "many.json"
    costs = ("--trade-fee-bps", "30", "--pool-depth", "10000000", "--trade-gas", "3")
    assert lamm(*common, *costs, "--trials", "500", "--json", str(many)).returncode == 0
    deflated = json.loads(many.read_text())
    assert deflated["trials"] == 500
    for spec, f in deflated["strategies"].items():  # the same runs, judged against more luck
        assert f["sharpe"] == figures[spec]["sharpe"] and f["deflated_sharpe"] <= figures[spec]["deflated_sharpe"]


def test_bad_evaluation_input_is_one_line():
    res = lamm("evaluate", "portfolio", "--bootstrap", "10")
    assert res.returncode == 2 and "--bootstrap 10: use at least 100 resamples" in res.stderr + res.stdout
    res = lamm("evaluate", "portfolio", "--trials", "0")
    assert res.returncode == 2 and "--trials 0" in res.stderr + res.stdout
    assert "Traceback" not in res.stderr
