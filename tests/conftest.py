"""Shared test helpers: where the real market data lives, and a marker to skip tests without it."""

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
"""Read-only real data next to the repository (../shared/data); never copied into the repo."""

requires_shared_data = pytest.mark.skipif(
    not SHARED_DATA.is_dir(), reason=f"real market data not found at {SHARED_DATA} (../shared/data)"
)


def shared_data(*parts: str) -> Path:
    """Path inside the shared data folder."""
    return SHARED_DATA.joinpath(*parts)


@pytest.fixture(autouse=True)
def _private_schedule_database(tmp_path, monkeypatch):
    """Each test's agents and schedules remember strategies in a database of their own, never ~/.lamm."""
    monkeypatch.setenv("LAMM_SCHEDULE_DB", str(tmp_path / "lamm-schedule.db"))


@pytest.fixture(scope="session")
def snapshot_state(tmp_path_factory) -> Path:
    """The project's mainnet snapshot (anvil state), built once per test session."""
    from agents.chain.snapshot import build_snapshot

    state = tmp_path_factory.mktemp("snapshot") / "mainnet.json"
    build_snapshot(state)
    return state


def pytest_collection_modifyitems(config, items):
    """LAMM_TEST_SHUFFLE=SEED runs the modules, and the tests within each, in a random order (seeded), to show
    that every test stands alone; modules stay whole so their shared fixtures are set up once."""
    import os
    import random

    seed = os.environ.get("LAMM_TEST_SHUFFLE")
    if not seed:
        return
    rng = random.Random(seed)
    modules: dict[str, list] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::")[0], []).append(item)
    groups = list(modules.values())
    rng.shuffle(groups)
    for group in groups:
        rng.shuffle(group)
    items[:] = [item for group in groups for item in group]
    config.issue_config_time_warning(pytest.PytestWarning(f"tests shuffled with seed {seed}"), stacklevel=2)
