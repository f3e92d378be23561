"""Federated rounds end to end on synthetic shards: learning, attacks against the plain mean and the robust
rule, bit-identical reruns, the epoch played through TrainingRounds on anvil, and `lamm fl audit` catching a
tampered update."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from agents.fl.audit import audit_round
from agents.fl.evaluation import pnl_per_day
from agents.fl.federation import FederationSpec, build
from agents.fl.fixed_point import encode
from agents.fl.rounds import RoundSettings, run_rounds
from agents.training.config import load_train_config

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "agents/training/configs/fee-cps.toml"


@pytest.fixture(scope="module")
def fed(tmp_path_factory):
    cache = tmp_path_factory.mktemp("fl-cache")
    return build(FederationSpec(data="synthetic", clients=5, seed=3), load_train_config(CONFIG), cache)


def _gain(fed, run) -> float:
    start = pnl_per_day(fed, fed.eval_market, encode(fed.shape.initial(fed.base, 0)))
    return pnl_per_day(fed, fed.eval_market, run.params) - start


def test_federation_learns_and_the_robust_rule_holds_where_the_mean_breaks(fed):
    """Honest clients improve the round-zero policy on days none of them saw; two sign-flipping attackers of five
    undo most of that under the plain mean but not under FLTrust."""
    settings = dict(rounds=4, epochs=3)
    honest = _gain(fed, run_rounds(fed, range(5), [], "none", RoundSettings(rule="mean", **settings), score=False))
    mean_attacked = run_rounds(fed, range(5), [1, 3], "signflip", RoundSettings(rule="mean", **settings), score=False)
    robust = run_rounds(fed, range(5), [1, 3], "signflip", RoundSettings(rule="fltrust", **settings), score=False)
    assert honest > 0
    assert _gain(fed, mean_attacked) < 0.5 * honest
    assert _gain(fed, robust) > 0.8 * honest


def test_rounds_are_bit_identical_across_runs_and_processes(fed, tmp_path):
    settings = RoundSettings(rule="trimmed", rounds=2, epochs=1)
    a = run_rounds(fed, range(5), [1], "alie", settings, score=False).params
    b = run_rounds(fed, range(5), [1], "alie", settings, score=False).params
    assert a.dtype == np.int64 and np.array_equal(a, b)
    script = f"""
import sys, numpy as np
from pathlib import Path
from agents.fl.federation import FederationSpec, build
from agents.fl.rounds import RoundSettings, run_rounds
from agents.training.config import load_train_config
if __name__ == "__main__":
    spec = FederationSpec(data="synthetic", clients=5, seed=3)
    fed = build(spec, load_train_config("{CONFIG}"), Path(sys.argv[1]), "local")
    p = run_rounds(fed, range(5), [1], "alie", RoundSettings(rule="trimmed", rounds=2, epochs=1), score=False).params
    np.save(sys.argv[2], p)
"""
    shutil.copytree(fed.cache, tmp_path / "cache")
    (tmp_path / "again.py").write_text(script)
    subprocess.run(
        [sys.executable, str(tmp_path / "again.py"), str(tmp_path / "cache"), str(tmp_path / "p.npy")],
        check=True,
        cwd=ROOT,
    )
    assert np.array_equal(np.load(tmp_path / "p.npy"), a)


def test_an_epoch_on_chain_and_its_audit(tmp_path):
    """`lamm fl simulate --chain` on a node we started, then `lamm fl audit` against it: every round audits;
    a tampered update in the store is caught; attackers earn nothing."""
    from agents.chain.local_node import start_anvil

    node = start_anvil()
    try:
        store, report = tmp_path / "store", tmp_path / "fl.json"
        cmd = [sys.executable, "-m", "lamm.cli", "fl", "simulate", "--data", "synthetic", "--clients", "4"]
        cmd += ["--byzantine", "1", "--attack", "scale", "--rounds", "2", "--epochs", "1", "--chain", "--rpc", node.url]
        cmd += ["--store", str(store), "--cache", str(tmp_path / "cache"), "--json", str(report)]
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        doc = json.loads(report.read_text())
        for key in ("final", "honest_only", "rewards", "slashed", "byzantine"):
            assert key in doc
        assert doc["chain"]["audits_ok"] and doc["chain"]["last_round_final"]
        assert all(v["max"] > 0 for v in doc["chain"]["gas"].values())
        attacker = str(doc["byzantine"][0])
        assert int(doc["rewards"][attacker]) == 0
        assert doc["chain"]["claimed"] == sum(int(v) for v in doc["rewards"].values())
        audit = [sys.executable, "-m", "lamm.cli", "fl", "audit", "1", "--store", str(store), "--rpc", node.url]
        ok = subprocess.run(audit, cwd=ROOT, capture_output=True, text=True)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        _export_and_gate(node, store, tmp_path)
        saved = dict(np.load(store / "round-0001.npz"))
        saved["updates"][0, 5] += 1  # an update that is not the one revealed
        np.savez(store / "round-0001.npz", **saved)
        bad = subprocess.run(audit, cwd=ROOT, capture_output=True, text=True)
        assert bad.returncode == 1 and "FAIL every update is the one revealed" in bad.stdout
        saved["updates"][0, 5] -= 1
        saved["aggregate"][3] += 1  # an aggregate the rule does not give
        np.savez(store / "round-0001.npz", **saved)
        bad = subprocess.run(audit, cwd=ROOT, capture_output=True, text=True)
        assert bad.returncode == 1 and "FAIL aggregate recomputed bit for bit" in bad.stdout
    finally:
        node.stop()


def _export_and_gate(node, store: Path, tmp_path: Path) -> None:
    """The final round exports as a model folder; the registration gate accepts it on its chain, refuses it
    once its integers are changed, and refuses a round still open to dispute."""
    from agents.chain.connection import connect
    from agents.fl.export import NotFinal, check_final, check_model_final

    model = tmp_path / "model"
    export = [sys.executable, "-m", "lamm.cli", "fl", "export", "1", "--store", str(store), "--rpc", node.url]
    done = subprocess.run([*export, "--out", str(model)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    card = json.loads((model / "card.json").read_text())
    with connect(rpc=node.url) as (ape, project):
        rounds = project.TrainingRounds.at(card["federated"]["contract"])
        chain_id = ape.chain.provider.chain_id
        check_model_final(model, card, rounds, chain_id)
        with pytest.raises(NotFinal, match="not this one"):
            check_model_final(model, card, rounds, chain_id + 1)
        saved = dict(np.load(model / "federated.npz"))
        saved["aggregate"][0] += 1
        np.savez(model / "federated.npz", **saved)
        with pytest.raises(NotFinal, match="not this model's"):
            check_model_final(model, card, rounds, chain_id)
        coordinator = ape.accounts.test_accounts[0]
        token = project.TestToken.at(rounds.token())
        token.mint(coordinator, rounds.coordinator_bond(), sender=coordinator)
        rounds.post_bond(rounds.coordinator_bond(), sender=coordinator)
        rounds.open_round(b"\x01" * 32, 0, 0, 4, sender=coordinator)
        fresh = int(rounds.current_round())
        with pytest.raises(NotFinal, match="is not final"):
            check_final(rounds, {"chain_round": fresh}, bytes(32), b"\x01" * 32)


def test_audit_without_a_chain_recomputes_and_refuses_a_missing_round(fed, tmp_path):
    from agents.fl.store import write_round

    settings = RoundSettings(rule="median", rounds=1, epochs=1)
    record = run_rounds(fed, range(5), [], "none", settings, score=False).records[0]
    meta = {"rule": "median", "rule_param": None, "prestep": "none", "tolerate": 1}
    write_round(tmp_path, 0, record, meta)
    assert audit_round(tmp_path, 0)["ok"]
    with pytest.raises(FileNotFoundError, match="round 7 is not there"):
        audit_round(tmp_path, 7)


def test_clients_on_ray_train_exactly_as_locally(fed):
    """The same rounds with every client a Ray task end at the same policy, to the unit."""
    from agents.fl.trainers import RayTrainer

    settings = RoundSettings(rule="median", rounds=2, epochs=1)
    local = run_rounds(fed, range(5), [0], "ipm", settings, score=False).params
    trainer = RayTrainer()
    try:
        remote = run_rounds(fed, range(5), [0], "ipm", settings, score=False, trainer=trainer).params
    finally:
        trainer.close()
    assert np.array_equal(local, remote)
