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

    if rpc:
        probe(rpc)
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


def probe(rpc: str, timeout: float = 5.0) -> None:
    """Refuses at once, in one line that never shows the URL's secret, an --rpc where no JSON-RPC node answers
    (rather than let the provider wait and then start a node of its own)."""
    import requests

    from agents.chain.secrets import redacted_url

    where = f"--rpc {redacted_url(rpc)}"
    try:
        answer = requests.post(
            rpc, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=timeout
        )
        chain_id = answer.json().get("result")
    except requests.Timeout:
        raise ValueError(f"{where}: no answer within {timeout:g} s; check the URL and that the node runs") from None
    except (ValueError, AttributeError):  # requests' JSONDecodeError is a ValueError (and a RequestException)
        raise ValueError(f"{where}: the endpoint does not answer JSON-RPC; check the URL") from None
    except requests.RequestException:
        raise ValueError(f"{where}: cannot connect; start a node (e.g. `lamm chain up`) or check the URL") from None
    if not isinstance(chain_id, str):
        raise ValueError(f"{where}: the endpoint answered eth_chainId without a chain id; check the URL")


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
