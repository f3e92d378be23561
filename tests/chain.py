"""Test helpers for the chain: a real anvil through Ape, with the project's contracts compiled offline."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

MAX_UINT = 2**256 - 1
FAR = 2**63  # a deadline that never expires


@contextmanager
def local_chain(steps_tracing: bool = False):
    """Starts a fresh anvil on a free port, yields (ape module, project) attached to it, stops it. (Our own node
    rather than ape-foundry's: after a mainnet-fork session in the same process, ape-foundry may start its
    local node forking the stopped upstream.)"""
    from agents.chain.connection import connect
    from agents.chain.local_node import start_anvil

    node = start_anvil(steps_tracing=steps_tracing)
    try:
        with connect(rpc=node.url) as (ape, project):
            yield ape, project
    finally:
        node.stop()


def deploy_tokens(ape, project, owner, decimals=(18, 6)):
    t0 = project.TestToken.deploy("Token zero", "TK0", decimals[0], sender=owner)
    t1 = project.TestToken.deploy("Token one", "TK1", decimals[1], sender=owner)
    return t0, t1


def deploy_v2_pair(owner, t0, t1, reserves: tuple[int, int]):
    """A Uniswap V2 factory and pair from the npm build, seeded with `reserves` of (t0, t1); the owner must
    hold them. Returns (factory, pair)."""
    from agents.chain.npm_artifacts import UNISWAP_V2_CORE, npm_contract

    factory = npm_contract(UNISWAP_V2_CORE / "UniswapV2Factory.json").deploy(owner, sender=owner)
    factory.createPair(t0, t1, sender=owner)
    pair = npm_contract(UNISWAP_V2_CORE / "UniswapV2Pair.json").at(factory.getPair(t0, t1))
    t0.transfer(pair, reserves[0], sender=owner)
    t1.transfer(pair, reserves[1], sender=owner)
    pair.mint(owner, sender=owner)
    return factory, pair


def deploy_pool(project, owner, t0, t1, controller, params, rule):
    """A DynamicFeePool with the same parameters as an envs.amm.PoolParams, starting with `rule` (an
    envs.fee_rule.FeeRule, or a static fee in pips)."""
    from envs.fee_rule import FeeRule

    rule = FeeRule(int(rule)) if isinstance(rule, int) else rule
    taus = [params.tau_fast, params.tau_slow, params.tau_flow, params.tau_twap]
    return project.DynamicFeePool.deploy(
        t0, t1, controller, rule.pack(), params.fee_min, params.fee_max, params.fee_max_step, taus, sender=owner
    )


def fund(owner, tokens, spender, amount=2**200):
    for t in tokens:
        t.mint(owner, amount, sender=owner)
        t.approve(spender, MAX_UINT, sender=owner)


@contextmanager
def forked_snapshot(state: Path):
    """Serves the snapshot `state` on anvil (chain id 1), forks it with a second anvil, and yields
    (ape, project, upstream node) connected to the fork through ethereum:mainnet-fork with the snapshot as
    ETH_RPC_URL, as a user forks mainnet. The fork node is ours rather than ape-foundry's: in a long test
    session ape-foundry's own start of a fork node proved flaky (the demo, a fresh process, covers that path)."""
    from agents.chain.connection import connect, upstream_rpc
    from agents.chain.local_node import start_anvil

    node = start_anvil(state=state, chain_id=1)
    fork = None
    try:
        fork = start_anvil(fork=node.url, chain_id=1)
        with upstream_rpc(node.url), connect("ethereum:mainnet-fork:foundry", rpc=fork.url) as (ape, project):
            yield ape, project, node
    finally:
        if fork is not None:
            fork.stop()
        node.stop()


@contextmanager
def rpc_proxy(upstream: str, answers: dict | None = None):
    """A JSON-RPC proxy on 127.0.0.1 in front of `upstream` that answers the methods in `answers` itself (a
    node that says it is something else: e.g. {"web3_clientVersion": "Geth/v1.14.0"}); yields its URL."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import requests

    answers = answers or {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            calls = body if isinstance(body, list) else [body]
            replies = []
            for call in calls:
                if call.get("method") in answers:
                    replies.append({"jsonrpc": "2.0", "id": call.get("id"), "result": answers[call["method"]]})
                else:
                    replies.append(requests.post(upstream, json=call, timeout=30).json())
            payload = json.dumps(replies if isinstance(body, list) else replies[0]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class FaultyRpc:
    """A JSON-RPC forwarder on 127.0.0.1 in front of `upstream` that misbehaves on request: `fail(method, mode,
    times)` makes the next `times` calls of `method` fail, with mode 'drop' (the connection is closed
    unanswered, the call never reaches the node), 'lost' (the node takes the call, its answer is lost) or
    'html' (a gateway's HTML page instead of JSON). `calls` counts the calls forwarded, by method."""

    def __init__(self, upstream: str):
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        import requests

        self.upstream, self.faults, self.calls = upstream, {}, {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                body = json.loads(raw)
                methods = [c.get("method") for c in (body if isinstance(body, list) else [body])]
                mode = next((outer._take(m) for m in methods if outer.faults.get(m)), None)
                if mode == "drop":
                    self.close_connection = True
                    return
                if mode == "html":
                    return self._send(b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html")
                for m in methods:
                    outer.calls[m] = outer.calls.get(m, 0) + 1
                answer = requests.post(outer.upstream, data=raw, headers={"Content-Type": "application/json"})
                if mode == "lost":
                    self.close_connection = True
                    return
                self._send(answer.content, "application/json")

            def _send(self, payload: bytes, kind: str):
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def fail(self, method: str, mode: str, times: int = 1) -> None:
        self.faults[method] = [mode] * times

    def _take(self, method: str) -> str:
        return self.faults[method].pop(0)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def faulty_rpc(upstream: str):
    proxy = FaultyRpc(upstream)
    try:
        yield proxy
    finally:
        proxy.close()
