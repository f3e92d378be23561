"""Chain access through Ape: connecting to a network (or a running node), accounts, and the project."""

from __future__ import annotations

from contextlib import ExitStack, contextmanager

from agents.chain.toolchain import ROOT, prepare
from agents.chain.upstream_proxy import UpstreamProxy, has_secret


@contextmanager
def connect(network: str = "ethereum:local:foundry", rpc: str | None = None):
    """Yields (ape, project) on `network`; with `rpc`, the provider attaches to that running node (e.g. `lamm
    chain up`, or any node with `--network ...:node`) instead of starting its own."""
    prepare()
    import ape

    settings = ({"uri": rpc} if network.endswith(":node") else {"host": rpc}) if rpc else {}
    with ExitStack() as stack:
        if "fork" in network:
            _use_upstream(ape, network, stack)
        try:
            context = ape.networks.parse_network_choice(network, provider_settings=settings)
        except Exception as e:  # Ape raises several types for an unknown choice
            raise ValueError(f"--network {network!r}: {e}") from None
        with context:
            yield ape, ape.Project(ROOT)


def _use_upstream(ape, network: str, stack: ExitStack) -> None:
    """A fork's upstream is ETH_RPC_URL, read now: Ape expands variables in its config only once, when the
    config loads, which may be before the variable was set. A URL that carries a secret is given to the fork
    node as a local forwarder's address (closed with `stack`), so it stays off the node's command line."""
    import os

    url = os.environ.get("ETH_RPC_URL")
    if not url:
        raise ValueError(
            f"--network {network}: set ETH_RPC_URL to the upstream RPC endpoint (mainnet, or "
            "`lamm chain up --snapshot FILE` offline)"
        )
    if has_secret(url):
        url = stack.enter_context(UpstreamProxy(url)).url
    ecosystem = network.split(":")[0] or "ethereum"
    upstream = network.split(":")[1].removesuffix("-fork") if ":" in network else "mainnet"
    getattr(ape.config.get_config("node"), ecosystem)[upstream.replace("-", "_")]["uri"] = url


def load_account(ape, spec: str):
    """`test:N` is the node's N-th test account (local chains only); anything else is a keystore alias, whose
    passphrase Ape asks for. Keys are never printed."""
    if spec.startswith("test:"):
        try:
            return ape.accounts.test_accounts[int(spec.split(":", 1)[1])]
        except (ValueError, IndexError):
            raise ValueError(f"--account {spec!r}: use test:0 .. test:9") from None
    try:
        return ape.accounts.load(spec)
    except Exception:
        raise ValueError(f"--account {spec!r}: no such keystore alias (see `ape accounts list`)") from None


@contextmanager
def upstream_rpc(url: str):
    """ETH_RPC_URL is `url` inside the block (the upstream a mainnet fork reads, e.g. the project's snapshot
    served by anvil), and what it was before afterwards."""
    import os

    previous = os.environ.get("ETH_RPC_URL")
    os.environ["ETH_RPC_URL"] = url
    try:
        yield url
    finally:
        if previous is None:
            os.environ.pop("ETH_RPC_URL", None)
        else:
            os.environ["ETH_RPC_URL"] = previous
