"""`lamm data fetch` against a local anvil where the test makes real swaps on a Uniswap V2 pair (npm build)."""

import json
import math
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from chain import deploy_tokens, deploy_v2_pair, local_chain

from envs.data import load_swaps
from envs.data.fetch import FetchError, fetch_swaps
from envs.market import build_market

R0, R1 = 10**21, 2 * 10**12


@pytest.fixture(scope="module")
def swapped():
    """A V2 pair with 24 real swaps in 24 blocks; yields the RPC URL, the pair, and what was sent."""
    with local_chain() as (ape, project):
        owner = ape.accounts.test_accounts[0]
        t0, t1 = deploy_tokens(ape, project, owner)
        for t in (t0, t1):
            t.mint(owner, 2**200, sender=owner)
        _, pair = deploy_v2_pair(owner, t0, t1, (R0, R1))
        pair_token0, pair_token1 = (t0, t1) if pair.token0() == t0.address else (t1, t0)
        first = ape.chain.blocks.head.number + 1
        sent = []
        for i in range(24):
            r = pair.getReserves()
            zero_in = i % 3 != 0  # the pair's token0 goes in
            token_in = pair_token0 if zero_in else pair_token1
            amount = (10**17 if token_in == t0 else 10**8) * (i + 1)
            r_in, r_out = (r[0], r[1]) if zero_in else (r[1], r[0])
            out = amount * 997 * r_out // (r_in * 1000 + amount * 997)
            token_in.transfer(pair, amount, sender=owner)
            receipt = pair.swap(0 if zero_in else out, out if zero_in else 0, owner, b"", sender=owner)
            r = pair.getReserves()
            sent.append((receipt.block_number, amount if zero_in else -out, -out if zero_in else amount, r[0], r[1]))
        yield ape.chain.provider.uri, pair.address.lower(), first, ape.chain.blocks.head.number, sent


def test_every_swap_comes_back_exact(swapped, tmp_path):
    url, pair, first, last, sent = swapped
    report = fetch_swaps(url, pair, first, last, tmp_path, chunk=5)
    table = load_swaps(tmp_path)
    assert report.swaps == len(sent) == table.num_rows
    for row, (block, a0, a1, r0, r1) in zip(table.to_pylist(), sent, strict=True):
        assert (row["block_number"], int(row["amount0"]), int(row["amount1"])) == (block, a0, a1)
        assert int(row["sqrt_price_x96"]) == math.isqrt((r1 << 192) // r0)
        assert int(row["liquidity"]) == math.isqrt(r0 * r1)
    assert build_market(table).n_steps >= 1  # loads and replays


def test_interrupted_fetch_resumes_without_duplicates_or_gaps(swapped, tmp_path):
    url, pair, first, last, sent = swapped
    middle = (first + last) // 2
    fetch_swaps(url, pair, first, middle, tmp_path, chunk=3)
    report = fetch_swaps(url, pair, first, last, tmp_path, chunk=3)
    assert report.skipped_blocks == middle - first + 1
    table = load_swaps(tmp_path)
    assert table["block_number"].to_pylist() == [s[0] for s in sent]
    assert json.loads((tmp_path / "fetched.json").read_text())["done"] == [[first, last]]


class _Limiting(BaseHTTPRequestHandler):
    """Forwards JSON-RPC to anvil but answers eth_getLogs over more than 2 blocks like a capped provider."""

    upstream = ""

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if body["method"] == "eth_getLogs":
            q = body["params"][0]
            if int(q["toBlock"], 16) - int(q["fromBlock"], 16) + 1 > 2:
                self._reply(
                    {
                        "jsonrpc": "2.0",
                        "id": body["id"],
                        "error": {"code": -32005, "message": "query returned more than 10000 results"},
                    }
                )
                return
        self._reply(requests.post(self.upstream, json=body, timeout=30).json())

    def _reply(self, doc):
        data = json.dumps(doc).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_chunks_shrink_on_too_many_results(swapped, tmp_path):
    url, pair, first, last, sent = swapped
    _Limiting.upstream = url
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Limiting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        report = fetch_swaps(f"http://127.0.0.1:{server.server_port}", pair, first, last, tmp_path, chunk=64)
    finally:
        server.shutdown()
    assert report.swaps == len(sent) and report.chunks >= (last - first + 1) // 2


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_refusing_endpoint_fails_clearly_and_keeps_what_was_fetched(swapped, tmp_path):
    url, pair, first, last, sent = swapped
    middle = (first + last) // 2
    fetch_swaps(url, pair, first, middle, tmp_path, chunk=4)
    dead = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(FetchError, match="after 3 attempts"):
        fetch_swaps(dead, pair, first, last, tmp_path, retries=2, backoff=0.01)
    table = load_swaps(tmp_path)
    assert table["block_number"].to_pylist() == [s[0] for s in sent if s[0] <= middle]
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "lamm.cli",
            "data",
            "fetch",
            "--rpc",
            dead,
            "--pool",
            pair,
            "--from-block",
            str(first),
            "--to-block",
            str(last),
            "--out",
            str(tmp_path),
            "--retries",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2 and "RPC endpoint failed" in res.stderr and dead not in res.stderr


def test_fetches_our_own_pools_swaps(tmp_path):
    """DynamicFeePool's Swap events come back in the canonical schema, prices from its reserves."""
    from chain import FAR, deploy_pool, fund

    from envs.amm import PoolParams

    with local_chain() as (ape, project):
        owner = ape.accounts.test_accounts[0]
        t0, t1 = deploy_tokens(ape, project, owner)
        pool = deploy_pool(project, owner, t0, t1, owner, PoolParams(), 3000)
        fund(owner, (t0, t1), pool)
        pool.add_liquidity(R0, R1, 0, FAR, sender=owner)
        first = ape.chain.blocks.head.number + 1
        sent = []
        for i in range(6):
            zero_for_one = i % 2 == 0
            amount = 10**18 if zero_for_one else 2 * 10**9
            event = pool.swap(zero_for_one, amount, 0, owner, FAR, sender=owner).decode_logs(pool.Swap)[0]
            sent.append((amount, -event.amount_out) if zero_for_one else (-event.amount_out, amount))
        fetch_swaps(ape.chain.provider.uri, pool.address.lower(), first, ape.chain.blocks.head.number, tmp_path)
        rows = load_swaps(tmp_path).to_pylist()
        assert [(int(r["amount0"]), int(r["amount1"])) for r in rows] == sent
        assert int(rows[-1]["sqrt_price_x96"]) == math.isqrt((pool.reserve1() << 192) // pool.reserve0())


def test_v3_pool_swaps_come_back_exact(tmp_path):
    """Real swaps on a Uniswap V3 pool built from the npm artifacts: every event back, exact integers."""
    from agents.chain.npm_artifacts import UNISWAP_V3_CORE, npm_contract

    with local_chain() as (ape, project):
        owner = ape.accounts.test_accounts[0]
        t0, t1 = deploy_tokens(ape, project, owner)
        factory = npm_contract(UNISWAP_V3_CORE / "UniswapV3Factory.sol" / "UniswapV3Factory.json").deploy(sender=owner)
        factory.createPool(t0, t1, 500, sender=owner)
        pool = npm_contract(UNISWAP_V3_CORE / "UniswapV3Pool.sol" / "UniswapV3Pool.json").at(
            factory.getPool(t0, t1, 500)
        )
        pool.initialize(
            math.isqrt((R1 << 192) // R0) if pool.token0() == t0.address else math.isqrt((R0 << 192) // R1),
            sender=owner,
        )
        caller = project.V3Caller.deploy(sender=owner)
        for t in (t0, t1):
            t.mint(caller, 2**200, sender=owner)
        caller.mint(pool, -887270, 887270, 10**16, sender=owner)
        first = ape.chain.blocks.head.number + 1
        events = []
        for i in range(12):
            zero_for_one = i % 2 == 0
            token_in = t0 if (pool.token0() == t0.address) == zero_for_one else t1
            amount = (10**17 if token_in == t0 else 10**8) * (i + 1)
            events += caller.swap(pool, zero_for_one, amount, sender=owner).decode_logs(pool.Swap)
        fetch_swaps(
            ape.chain.provider.uri, pool.address.lower(), first, ape.chain.blocks.head.number, tmp_path, chunk=4
        )
        rows = load_swaps(tmp_path).to_pylist()
        assert len(rows) == len(events) == 12
        for row, ev in zip(rows, events, strict=True):
            assert (
                int(row["amount0"]),
                int(row["amount1"]),
                int(row["sqrt_price_x96"]),
                int(row["liquidity"]),
                row["tick"],
            ) == (ev.amount0, ev.amount1, ev.sqrtPriceX96, ev.liquidity, ev.tick)
            assert row["recipient"] == caller.address.lower()
