"""The chain toolchain, offline: anvil from the npm package, Vyper from the pip package.

- anvil: `npm install` brings @foundry-rs/anvil, whose platform package carries the binary; ape-foundry
  looks for `anvil` on PATH.
- vyper: ape-vyper compiles through vvm, which only knows binaries in its install folder and downloads
  the others. `use_pip_vyper` points vvm at a project folder where `vyper-<version>` is the pip-installed
  compiler, so nothing is downloaded.
"""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VVM_FOLDER = ROOT / ".build" / "vvm"


def anvil_binary() -> Path:
    """The anvil executable installed by `npm install` in the project (or found on PATH)."""
    for candidate in sorted((ROOT / "node_modules" / "@foundry-rs").glob("anvil-*/bin/anvil")):
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("anvil")
    if found:
        return Path(found)
    raise FileNotFoundError("anvil not found: run `npm install` in the project (package.json pins @foundry-rs/anvil)")


def put_anvil_on_path() -> Path:
    """Prepends anvil's folder to PATH, where ape-foundry looks for it; returns the binary."""
    binary = anvil_binary()
    folder = str(binary.parent)
    if folder not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = folder + os.pathsep + os.environ.get("PATH", "")
    return binary


def use_pip_vyper() -> Path:
    """Makes vvm (and so ape-vyper) use the pip-installed vyper; returns the compiler path."""
    import vyper

    compiler = Path(sys.executable).parent / "vyper"
    if not compiler.exists():
        raise FileNotFoundError(f"the vyper command is missing next to {sys.executable}: pip install vyper")
    VVM_FOLDER.mkdir(parents=True, exist_ok=True)
    link = VVM_FOLDER / f"vyper-{vyper.__version__.split('+')[0]}"
    if not link.exists():
        link.symlink_to(compiler)
    os.environ["VVM_BINARY_PATH"] = str(VVM_FOLDER)
    return compiler


def prepare() -> None:
    """Everything Ape needs from this machine, offline."""
    warnings.filterwarnings("ignore", message="Field 'import_remapping' has an incomplete definition")
    put_anvil_on_path()
    use_pip_vyper()
