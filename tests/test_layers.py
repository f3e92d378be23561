"""The house rules, checked on the source: layers point one way, agents' packages keep to their neighbours, no
import cycles (lazy imports inside functions count too), and no long module without its reason at the top."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("envs", "strategies", "backtests", "agents", "lamm")  # each may import only those before it
AGENT_NEIGHBOURS = {  # which agents packages each agents package may import (besides itself)
    "training": set(),
    "chain": set(),
    "zk": {"chain", "training"},
    "fee": {"chain", "zk"},
    "portfolio": {"chain"},
    "schedule": {"chain", "zk", "fee", "portfolio"},
    "fl": {"chain", "training"},
}
LONG = 420  # lines; a longer module says why at its top
LONG_REASON = "why this module is long"


def _modules() -> dict[str, Path]:
    found = {}
    for top in LAYERS:
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """Project modules imported anywhere in the file (module level or inside functions)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        else:
            continue
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name:
                out.add(name)
    return out


GRAPH = {name: _imports(path) - {name} for name, path in MODULES.items()}


def _layer(module: str) -> int:
    return LAYERS.index(module.split(".")[0])


def test_the_scan_sees_the_project():
    assert {"envs.amm", "strategies.spec", "backtests.engine", "agents.training.fee", "lamm.cli"} <= set(MODULES)
    assert "envs.amm" in GRAPH["envs.fee_env"] and "agents.chain.connection" in GRAPH["agents.fee.agent"] | {
        m for m in GRAPH["lamm.commands.agent"]
    }


@pytest.mark.parametrize("module", sorted(MODULES))
def test_layers_point_one_way(module):
    upward = sorted(m for m in GRAPH[module] if _layer(m) > _layer(module))
    assert not upward, f"{module} ({LAYERS[_layer(module)]}) imports a higher layer: {upward}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.count(".") >= 2 and m.startswith("agents.")))
def test_agents_packages_keep_to_their_neighbours(module):
    own = module.split(".")[1]
    allowed = AGENT_NEIGHBOURS[own] | {own}
    reached = {m.split(".")[1] for m in GRAPH[module] if m.startswith("agents.") and m.count(".") >= 1}
    assert reached <= allowed, f"{module} imports agents packages {sorted(reached - allowed)}"


def test_no_import_cycles():
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []
    counter = [0]

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert not cycles, f"modules importing each other: {cycles}"


def test_long_modules_say_why():
    sources = [*MODULES.values(), *sorted((ROOT / "tests").glob("*.py")), *sorted((ROOT / "contracts").rglob("*.vy"))]
    silent = []
    for path in sources:
        text = path.read_text()
        head = "\n".join(text.splitlines()[:40]).lower()
        if text.count("\n") > LONG and LONG_REASON not in head:
            silent.append(f"{path.relative_to(ROOT)} ({text.count(chr(10))} lines)")
    assert not silent, f"over {LONG} lines without '{LONG_REASON}' at the top: {silent}"
