"""The peers' own virtual environments: each peer benchmark runs its rival in a venv of pinned packages,
created on first use and reused while `check` (a Python snippet run in it) still passes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


def peer_python(venv: Path, requirements: tuple[str, ...] | list[str], check: str) -> Path:
    """Python of `venv`, creating it with `requirements` installed if it is missing or `check` fails there."""
    py = venv / "bin" / "python"
    if py.exists() and run([str(py), "-c", check]).returncode == 0:
        return py
    base = shutil.which("python3.11") or sys.executable
    print(f"creating {venv.relative_to(REPO)} with {' '.join(requirements)} (first run only) ...", flush=True)
    for cmd in (
        [base, "-m", "venv", "--clear", str(venv)],
        [str(py), "-m", "pip", "install", "--quiet", *requirements],
        [str(py), "-c", check],
    ):
        proc = run(cmd)
        if proc.returncode != 0:
            raise RuntimeError(f"failed: {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr[-4000:]}")
    return py
