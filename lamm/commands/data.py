"""`lamm data fetch`: a pool's swap events from an RPC endpoint into the canonical parquet schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lamm.commands.common import err, out, user_errors

data_app = typer.Typer(help="Market data.", no_args_is_help=True)


@data_app.command(
    "fetch",
    epilog="Example: lamm data fetch --rpc $ETH_RPC_URL --pool 0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640 "
    "--from-block 18537000 --to-block 18544000 --out data/usdc-weth",
)
@user_errors
def fetch(
    rpc: Annotated[str, typer.Option(help="JSON-RPC endpoint URL (never printed).")],
    pool: Annotated[str, typer.Option(help="Pool address (Uniswap V2 pair or V3 pool).")],
    from_block: Annotated[int, typer.Option(help="First block, inclusive.")],
    to_block: Annotated[int, typer.Option(help="Last block, inclusive.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the parquet files (resumable).")],
    chunk: Annotated[int, typer.Option(help="Blocks per eth_getLogs call to start with.")] = 2_000,
    retries: Annotated[int, typer.Option(help="Retries per RPC call.")] = 5,
) -> None:
    """Fetch a pool's Swap events into the canonical swap parquet schema; re-running fetches only what is
    missing."""
    from rich.progress import Progress

    from envs.data.fetch import fetch_swaps

    with Progress(console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("blocks", total=to_block - from_block + 1)
        report = fetch_swaps(
            rpc, pool, from_block, to_block, out_dir, chunk, retries, progress=lambda n: bar.advance(task, n)
        )
    out.print(
        f"{report.swaps:,} swaps in {report.chunks} chunks written to {report.out_dir} "
        f"({report.skipped_blocks:,} blocks were already fetched)"
    )
