"""What every command module shares: the consoles, the one-line error handler, and option types.

Command modules import this and the packages below `lamm/` (agents, backtests, strategies, envs); they never
import each other's commands, and `lamm/cli.py` only assembles them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

err = Console(stderr=True)
out = Console()

DECIMALS0 = Annotated[int, typer.Option(help="Decimals of token0.")]
DECIMALS1 = Annotated[int, typer.Option(help="Decimals of token1.")]
QUOTE = Annotated[int, typer.Option(help="Numeraire token: 0 or 1.")]
VENUE_FEE = Annotated[float, typer.Option(help="Fee of the real pool (the competing venue), bps.")]
DATA = Annotated[str, typer.Option(help="Swap parquet file or folder, or 'synthetic'.")]
DAY = Annotated[str | None, typer.Option(help="YYYY-MM-DD (UTC), inclusive.")]
BACKEND = Annotated[str, typer.Option(help="'local' processes or 'ray'.")]
ADDRESS = Annotated[str | None, typer.Option(help="Ray cluster address (default: start a local Ray).")]
NETWORK = Annotated[str, typer.Option(help="Ape network choice, e.g. ethereum:mainnet-fork.")]
RPC = Annotated[str | None, typer.Option(help="Attach to this running node (e.g. lamm chain up); never printed.")]
ACCOUNT = Annotated[str, typer.Option(help="test:N on local chains, else a keystore alias.")]
# portfolio backtests and evaluations
PRICES = Annotated[str, typer.Option(help="Price file (time + one column per asset) or 'synthetic'.")]
INTERVAL = Annotated[str, typer.Option(help="Decision interval (1m, 15m, 1h, 1d).")]
ASSETS = Annotated[str | None, typer.Option(help="Comma-separated asset columns (default all).")]
TRADE_FEE = Annotated[float, typer.Option(help="LP fee of the pools it trades in, bps.")]
POOL_DEPTH = Annotated[float | None, typer.Option(help="Numeraire reserve of each pool (default: no price impact).")]
TRADE_GAS = Annotated[float, typer.Option(help="Gas per trade, in the numeraire.")]
CAPITAL = Annotated[float, typer.Option(help="Starting capital, in the numeraire.")]
# federated training
FL_CONTRACT = Annotated[str, typer.Option(help="The TrainingRounds contract.")]
FL_CONFIG = Path(__file__).resolve().parents[2] / "agents/training/configs/fee-cps.toml"  # the policy's settings
FL_CACHE = Path.home() / ".cache" / "lamm" / "fl"  # prepared shard tables

ROUTER02 = "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D"  # agents.chain.snapshot.UNISWAP_V2_ROUTER02 (mainnet)
SWAP_ROUTER = "0xE592427A0AEce92De3Edee1F18E0157C05861564"  # agents.chain.snapshot.UNISWAP_V3_SWAP_ROUTER
ROUTER_NAMES = {"v2": ROUTER02, "v3": SWAP_ROUTER}


def user_errors(fn: Callable) -> Callable:
    """Turns errors a user can cause into one clear line and exit code 2."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        from agents.zk.circuit import ZkBuildError
        from agents.zk.verifier_contract import VerifierBuildError
        from envs.data import DataError
        from envs.data.fetch import FetchError

        try:
            return fn(*args, **kwargs)
        except (DataError, ValueError, FileNotFoundError, FetchError, ZkBuildError, VerifierBuildError) as e:
            err.print(f"[red]error:[/red] {escape(str(e))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def day(value: str | None) -> date | None:
    from envs.market import parse_day

    return parse_day(value) if value else None


def say(line: str) -> None:
    """One line on stdout, as written (no markup, no highlighting, no wrapping)."""
    out.print(line, soft_wrap=True, markup=False, highlight=False)


def quiet_ape() -> None:
    from ape.logging import logger

    logger.set_level("WARNING")


def router_address(spec: str) -> str:
    """v2 / v3 (the canonical routers) or a 0x address."""
    if spec.lower() in ROUTER_NAMES:
        return ROUTER_NAMES[spec.lower()]
    if not (spec.startswith("0x") and len(spec) == 42):
        raise ValueError(f"router {spec!r}: give v2, v3 or a 0x address")
    return spec


def positive_every(once: bool, every: float | None) -> None:
    """Checks the --once / --every SECONDS pair of the agent commands."""
    if once == (every is not None):
        raise ValueError("give exactly one of --once or --every SECONDS")
    if every is not None and every <= 0:
        raise ValueError(f"--every {every}: give a positive number of seconds")
