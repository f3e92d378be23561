"""`lamm chain up | snapshot`: local anvil nodes, forks, and the offline mainnet snapshot."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lamm.commands.common import out, user_errors

chain_app = typer.Typer(help="Local chains: anvil, forks, snapshots.", no_args_is_help=True)


@chain_app.command("up", epilog="Example: lamm chain up --fork $ETH_RPC_URL --block 21000000")
@user_errors
def up(
    fork: Annotated[str | None, typer.Option(help="Upstream RPC URL to fork (never printed).")] = None,
    block: Annotated[int | None, typer.Option(help="Fork block number.")] = None,
    snapshot: Annotated[Path | None, typer.Option(help="Serve a saved chain state (lamm chain snapshot).")] = None,
    port: Annotated[int | None, typer.Option(help="Port on 127.0.0.1 (default: a free one).")] = None,
) -> None:
    """Start a local anvil node, print its RPC URL, and stop it cleanly on Ctrl-C."""
    import signal

    from agents.chain.local_node import start_anvil

    if block is not None and not fork:
        raise ValueError("--block needs --fork URL")
    try:
        node = start_anvil(fork, block, snapshot, chain_id=1 if snapshot else None, port=port)
    except RuntimeError as e:
        raise ValueError(f"could not start anvil: {e}") from None
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM stops it like Ctrl-C
    what = "fork" if fork else ("snapshot " + str(snapshot) if snapshot else "fresh chain")
    try:
        out.print(f"RPC {node.url} ({what}); Ctrl-C stops it", highlight=False)
        node.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        node.stop()
        out.print("anvil stopped")


@chain_app.command("snapshot", epilog="Example: lamm chain snapshot --out snapshots/mainnet.json")
@user_errors
def snapshot(
    out_file: Annotated[Path, typer.Option("--out", help="State file to write.")] = Path("snapshots/mainnet.json"),
) -> None:
    """Build the offline mainnet stand-in (chain id 1: WETH, USDC, USDT, WBTC stand-ins, Uniswap V2, V3 and v4
    with the Universal Router, and seeded pools, at their mainnet addresses); serve it with `lamm chain up
    --snapshot FILE`."""
    import json

    from agents.chain.snapshot import build_snapshot

    book = build_snapshot(out_file)
    out.print(json.dumps(book, indent=2))
    out.print(
        f"snapshot: {out_file}; fork it with ETH_RPC_URL=<lamm chain up --snapshot {out_file}> on ethereum:mainnet-fork"
    )
