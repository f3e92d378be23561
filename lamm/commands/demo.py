"""`lamm demo`: the whole pipeline on the embedded synthetic market (no data, no RPC)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lamm.commands.common import err, out, user_errors


@user_errors
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Where the demo writes its report.")] = Path("reports/demo"),
    days: Annotated[int, typer.Option(help="Days of synthetic market.")] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic market.")] = 0,
    train_steps: Annotated[int, typer.Option(help="PPO steps of the training stage (0 skips it).")] = 60_000,
    chain: Annotated[bool, typer.Option(help="Run the chain stage (local anvil).")] = True,
) -> None:
    """Run the whole pipeline on the embedded synthetic market: no data, no RPC."""
    from lamm.demo import run_demo

    run_demo(out_dir, days, seed, train_steps, out, err, chain)
