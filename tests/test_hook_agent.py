"""The verified fee on a Uniswap v4 pool behind DynamicFeeHook, on a fork of the mainnet snapshot: `lamm deploy
hook --controller` (a FeeController), `lamm model register --hook --pool-id`, swaps through the Universal Router,
then `lamm agent fee --hook --pool-id` and a scheduled fee-update job each prove and change the pool's rule
(FeeUpdated names the hook and the pool id); bad input gets one clear line and sends nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from chain import forked_snapshot
from zk_policies import volatility_circuit

from agents.chain.snapshot import TOKENS
from agents.chain.universal_router import swap_exact_in
from agents.zk.registry import deploy_controller

USDC = TOKENS["USDC"][0]


def lamm(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lamm.cli", *args], capture_output=True, text=True, timeout=300, env=dict(os.environ)
    )


@pytest.fixture(scope="module")
def hooked(snapshot_state, tmp_path_factory):
    """The fork with a FeeController, a hooked ETH/USDC pool it governs under a small proving model, and two
    swaps done."""
    model = tmp_path_factory.mktemp("model")
    zk = volatility_circuit(model)
    with forked_snapshot(snapshot_state) as (ape, project, _):
        owner, trader = ape.accounts.test_accounts[0], ape.accounts.test_accounts[1]
        url = ape.chain.provider.uri
        controller = deploy_controller(project, owner)
        project.StandInToken.at(USDC).mint(owner, 50_000 * 10**6, sender=owner)
        record_path = model / "hook.json"
        res = lamm(
            "deploy", "hook", "--network", "ethereum:mainnet-fork", "--rpc", url, "--pool-key", "ETH,USDC,dynamic,60",
            "--price", "2500", "--controller", controller.address, "--max-fee-change-bps", "25",
            "--liquidity0", str(10 * 10**18), "--liquidity1", str(25_000 * 10**6), "--out", str(record_path),
        )  # fmt: skip
        assert res.returncode == 0, res.stdout + res.stderr
        record = json.loads(record_path.read_text())
        res = lamm(
            "model", "register", "--network", "ethereum:mainnet-fork", "--rpc", url, "--model", str(model),
            "--controller", controller.address, "--hook", record["hook"], "--pool-id", record["pool_id"],
        )  # fmt: skip
        assert res.returncode == 0, res.stdout + res.stderr
        key = tuple(record["pool_key"])
        project.StandInToken.at(USDC).mint(trader, 3_000 * 10**6, sender=owner)
        for zero_for_one, amount in ((True, 10**18), (False, 3_000 * 10**6)):
            swap_exact_in(ape, key, zero_for_one, amount, trader)
        yield {"ape": ape, "project": project, "url": url, "model": model, "zk": zk, "record": record}


@pytest.fixture
def h(hooked):
    ape = hooked["ape"]
    snapshot = ape.chain.snapshot()
    yield hooked
    ape.chain.restore(snapshot)


def agent_args(h, *extra: str) -> list[str]:
    base = ["agent", "fee", "--network", "ethereum:mainnet-fork", "--rpc", h["url"], "--model", str(h["model"])]
    return [*base, *extra]


def fee_updates(h) -> list:
    controller = h["project"].FeeController.at(h["record"]["controller"])
    head = h["ape"].chain.blocks.head.number
    return list(controller.FeeUpdated.range(0, head + 1))


def test_the_fee_agent_proves_and_changes_the_hooked_pools_rule(h):
    record, project = h["record"], h["project"]
    hook, pool_id = project.DynamicFeeHook.at(record["hook"]), bytes.fromhex(record["pool_id"][2:])
    controller = project.FeeController.at(record["controller"])
    assert controller.pool_model(hook.address, pool_id).hex() == h["zk"].model_id.removeprefix("0x")
    before = hook.rule(pool_id)
    res = lamm(*agent_args(h, "--hook", record["hook"], "--pool-id", record["pool_id"], "--once"))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "fee 30 ->" in res.stdout + res.stderr, res.stdout + res.stderr
    (event,) = fee_updates(h)
    assert (event.pool, bytes(event.pool_id)) == (hook.address, pool_id) and event.new_rule == hook.rule(pool_id)
    assert hook.rule(pool_id) != before and controller.last_update(hook.address, pool_id) > 0
    again = lamm(*agent_args(h, "--hook", record["hook"], "--pool-id", record["pool_id"], "--once"))
    assert again.returncode == 0 and "not sent" in again.stdout + again.stderr  # one update per interval
    assert len(fee_updates(h)) == 1


def test_a_scheduled_fee_update_job_changes_the_hooked_pools_rule(h, tmp_path):
    record = h["record"]
    db = f"sqlite:///{tmp_path / 'schedule.db'}"
    res = lamm(
        "schedule", "add", "fee-update", "--db", db, "--every", "2s", "--network", "ethereum:mainnet-fork",
        "--rpc", h["url"], "--model", str(h["model"]), "--hook", record["hook"], "--pool-id", record["pool_id"],
        "--id", "hooked-fee",
    )  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr
    run = lamm("schedule", "run", "--db", db, "--runs", "1")
    assert run.returncode == 0, run.stdout + run.stderr
    runs = json.loads(lamm("schedule", "runs", "--db", db, "--json").stdout)
    assert [r["status"] for r in runs] == ["done"], runs
    (event,) = fee_updates(h)
    assert event.pool == record["hook"] and "0x" + bytes(event.pool_id).hex() == record["pool_id"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--hook", "0x" + "12" * 20, "--pool-id", "0x" + "00" * 32], "low 14 bits"),
        (["--hook", "HOOK", "--pool-id", "0x" + "ab" * 32], "has no such pool"),
        (["--hook", "HOOK", "--pool-id", "0x1234"], "32 bytes"),
        (["--hook", "nope", "--pool-id", "ID"], "not an address"),
        (["--hook", "HOOK", "--pool-id", "ID", "--pool", "0x" + "12" * 20], "give --pool"),
        ([], "give --pool"),
    ],
)
def test_bad_hook_input_gets_one_clear_line_and_sends_nothing(h, extra, message):
    record = h["record"]
    extra = [{"HOOK": record["hook"], "ID": record["pool_id"]}.get(x, x) for x in extra]
    owner = h["ape"].accounts.test_accounts[0]
    nonce = owner.nonce
    res = lamm(*agent_args(h, *extra, "--once"))
    assert res.returncode != 0 and message in res.stdout + res.stderr, res.stdout + res.stderr
    assert "Traceback" not in res.stderr and owner.nonce == nonce
