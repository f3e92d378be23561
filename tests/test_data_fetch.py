"""`lamm data fetch` against a local anvil where the test makes real swaps on a Uniswap V2 pair (npm build), and
against a local HTTP endpoint that answers crafted, malformed JSON-RPC bodies.

Why this module is long: it holds the crafted endpoint and one table row per malformed answer (the exact
message each gives), next to the real-chain tests of the same command."""

import json
import math
import socket
import subprocess
import sys
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple

import pytest
import requests
from chain import deploy_tokens, deploy_v2_pair, local_chain

from envs.data import load_swaps
from envs.data.fetch import FetchError, fetch_swaps
from envs.data.swap_logs import V2_SWAP, V3_SWAP
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
    assert res.returncode == 2 and "eth_getLogs failed after 2 attempts" in res.stderr and dead not in res.stderr


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


# A crafted endpoint: one Uniswap V3 Swap in each of blocks FIRST..LAST, answered right except where a test's
# breaker changes what it says about block BAD. With chunk=5 the fetch writes 100..104, then asks for 105..114.
FIRST, BAD, LAST = 100, 110, 119
POOL = "0x" + "ab" * 20
SECRET = "/v2/SECRETKEY123"
GONE = object()  # a field a breaker removes
NODE = "check that --rpc is an Ethereum JSON-RPC node of the pool's chain (or try another provider)"
NET = "check --rpc, the network and the provider's status"
TRANSFER = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"


class Raw(NamedTuple):
    status: int
    body: str
    kind: str = "application/json"


def _data(*values: int) -> str:
    return "0x" + "".join(f"{v % 2**256:064x}" for v in values)


def _topic(byte: str) -> str:
    return "0x" + "00" * 12 + byte * 20


def _v3_log(block: int) -> dict:
    return {
        "address": POOL,
        "blockNumber": hex(block),
        "logIndex": "0x0",
        "transactionHash": f"0x{block:064x}",
        "topics": [V3_SWAP, _topic("11"), _topic("22")],
        "data": _data(10**18, -(2 * 10**9), 2**96, 10**15, 0),
    }


class _Crafted(BaseHTTPRequestHandler):
    """Answers eth_getLogs and eth_getBlockByNumber for the crafted chain; calls about block BAD go through
    `breaker(method, true result)`, which returns another result or a Raw HTTP answer."""

    @staticmethod
    def breaker(method, result):
        return result

    def do_POST(self):
        call = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if call["method"] == "eth_getLogs":
            lo, hi = int(call["params"][0]["fromBlock"], 16), int(call["params"][0]["toBlock"], 16)
            result = [_v3_log(n) for n in range(max(lo, FIRST), min(hi, LAST) + 1)]
        else:
            lo = hi = int(call["params"][0], 16)
            result = {"number": hex(lo), "timestamp": hex(1_700_000_000 + 12 * lo)}
        answer = self.breaker(call["method"], result) if lo <= BAD <= hi else result
        if not isinstance(answer, Raw):
            answer = Raw(200, json.dumps({"jsonrpc": "2.0", "id": call["id"], "result": answer}))
        body = answer.body.encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def _endpoint(breaker=None):
    """A local HTTP JSON-RPC endpoint for the crafted chain; yields its URL, with a secret-looking path."""
    handler = type("Handler", (_Crafted,), {"breaker": staticmethod(breaker)} if breaker else {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{SECRET}"
    finally:
        server.shutdown()
        server.server_close()


def _on(method, change):
    return lambda m, result: change(result) if m == method else result


def _bad_log(**fields):
    """eth_getLogs answers where the log of block BAD has `fields` replaced (GONE: removed)."""

    def edit(log):
        return {k: v for k, v in (log | fields).items() if v is not GONE}

    return _on("eth_getLogs", lambda logs: [edit(x) if x["blockNumber"] == hex(BAD) else x for x in logs])


def _block(**fields):
    return _on("eth_getBlockByNumber", lambda b: {k: v for k, v in (b | fields).items() if v is not GONE})


def _case(name, breaker, problem, hint=NODE, blocks="105..114"):
    return pytest.param(breaker, f"blocks {blocks}: {problem}; {hint}", id=name)


LOG = f"eth_getLogs log 6 (block {BAD}, index 0)"
CASES = [
    _case(
        "block-null",
        _on("eth_getBlockByNumber", lambda b: None),
        f"eth_getBlockByNumber({BAD}) answered null (block not found) though eth_getLogs returned logs in it",
    ),
    _case(
        "block-no-timestamp",
        _block(timestamp=GONE),
        f"eth_getBlockByNumber({BAD}) has no timestamp, expected a 0x hex number",
    ),
    _case(
        "block-no-number", _block(number=GONE), f"eth_getBlockByNumber({BAD}) has no number, expected a 0x hex number"
    ),
    _case("block-other", _block(number=hex(BAD + 1)), f"eth_getBlockByNumber({BAD}) answered block {BAD + 1}"),
    _case(
        "block-not-object",
        _on("eth_getBlockByNumber", lambda b: "0x6e"),
        f'eth_getBlockByNumber({BAD}) answered "0x6e", expected a block object',
    ),
    _case("logs-null", _on("eth_getLogs", lambda logs: None), "eth_getLogs answered null, expected a list of logs"),
    _case(
        "logs-not-list",
        _on("eth_getLogs", lambda logs: {"logs": []}),
        'eth_getLogs answered {"logs": []}, expected a list of logs',
    ),
    _case(
        "log-not-object",
        _on("eth_getLogs", lambda logs: [*logs, "0x1"]),
        'eth_getLogs log 11 is "0x1", expected an object',
    ),
    _case(
        "data-truncated",
        _bad_log(data=_v3_log(BAD)["data"][:-64]),
        f"{LOG} has 128 bytes of data, a Uniswap V3 Swap has 160 (truncated)",
    ),
    _case("data-not-hex", _bad_log(data="0xZZ"), f'{LOG} has data "0xZZ", expected 0x-prefixed hex'),
    _case(
        "data-no-0x",
        _bad_log(data=_v3_log(BAD)["data"][2:]),
        f'{LOG} has data "{"0" * 44}..., expected 0x-prefixed hex',
    ),
    _case(
        "no-topics",
        _bad_log(topics=GONE),
        f"{LOG} has no topics, expected the event signature and indexed arguments",
    ),
    _case(
        "empty-topics",
        _bad_log(topics=[]),
        f"{LOG} has topics [], expected the event signature and indexed arguments",
    ),
    _case(
        "other-event",
        _bad_log(topics=[TRANSFER, _topic("11"), _topic("22")]),
        f'{LOG} is not a Swap or Sync (topic0 "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163...): '
        "the topics filter was ignored",
    ),
    _case(
        "topics-missing-one", _bad_log(topics=[V3_SWAP, _topic("11")]), f"{LOG} has 2 topics, a Uniswap V3 Swap has 3"
    ),
    _case(
        "v2-swap-without-sync",
        _bad_log(topics=[V2_SWAP, _topic("11"), _topic("22")], data=_data(1, 0, 0, 2)),
        f"{LOG} is a Uniswap V2 Swap without the pair's Sync before it in its transaction",
    ),
    _case(
        "no-blockNumber", _bad_log(blockNumber=GONE), "eth_getLogs log 6 has no blockNumber, expected a 0x hex number"
    ),
    _case(
        "pending-log", _bad_log(blockNumber=None), "eth_getLogs log 6 has blockNumber null, expected a 0x hex number"
    ),
    _case("no-logIndex", _bad_log(logIndex=GONE), "eth_getLogs log 6 has no logIndex, expected a 0x hex number"),
    _case(
        "no-transactionHash",
        _bad_log(transactionHash=GONE),
        f"{LOG} has no transactionHash, expected 0x and 64 hex digits",
    ),
    _case(
        "other-address",
        _bad_log(address="0x" + "cd" * 20),
        f'{LOG} has address "0x{"cd" * 20}", not the pool\'s: the address filter was ignored',
    ),
    _case(
        "outside-blocks",
        _bad_log(blockNumber=hex(LAST + 5)),
        f"eth_getLogs log 6 (block {LAST + 5}, index 0) is outside the requested blocks",
    ),
    _case(
        "repeated-log",
        _on("eth_getLogs", lambda logs: [*logs, _v3_log(BAD)]),
        f"eth_getLogs logs 6 and 11 are both block {BAD}, index 0",
    ),
    _case(
        "html-body",
        lambda m, r: Raw(200, "<html>\n<body><h1>502 Bad Gateway</h1></body>\n</html>", "text/html"),
        "eth_getLogs failed after 2 attempts "
        '(last: an answer that is not JSON: "<html> <body><h1>502 Bad Gateway</h1></body>...)',
        NET,
    ),
    _case(
        "http-503",
        lambda m, r: Raw(503, "upstream down", "text/plain"),
        "eth_getLogs failed after 2 attempts (last: HTTP 503 Service Unavailable)",
        NET,
    ),
    _case(
        "jsonrpc-error",
        lambda m, r: Raw(
            200, json.dumps({"jsonrpc": "2.0", "id": 1, "error": {"code": -32000, "message": "header not found"}})
        ),
        'eth_getLogs failed after 2 attempts (last: JSON-RPC error "header not found")',
        NET,
    ),
    _case(
        "jsonrpc-error-naming-the-key",
        lambda m, r: Raw(200, json.dumps({"jsonrpc": "2.0", "id": 1, "error": f"no such project {SECRET}"})),
        'eth_getLogs failed after 2 attempts (last: JSON-RPC error "no such project <rpc>")',
        NET,
    ),
    _case(
        "not-jsonrpc",
        lambda m, r: Raw(200, json.dumps({"jsonrpc": "2.0", "id": 1})),
        'eth_getLogs failed after 2 attempts (last: an answer that is not JSON-RPC: {"jsonrpc": "2.0", "id": 1})',
        NET,
    ),
    _case(
        "refuses-one-block",
        lambda m, r: Raw(
            200, json.dumps({"jsonrpc": "2.0", "id": 1, "error": {"message": "query returned more than 10000 results"}})
        ),
        "eth_getLogs refuses even one block (query returned more than 10000 results)",
        "use a provider with a higher log limit",
        f"{BAD}..{BAD}",
    ),
]


def _expected(middle: str, out) -> str:
    return f"RPC endpoint (--rpc), {middle}, then re-run: blocks already fetched stay in {out} and are skipped"


def _assert_kept(out) -> None:
    """The chunks written before the bad answer are whole, recorded and alone in `out`."""
    done = json.loads((out / "fetched.json").read_text())["done"]
    assert len(done) == 1 and done[0][0] == FIRST and done[0][1] < BAD
    assert load_swaps(out)["block_number"].to_pylist() == list(range(FIRST, done[0][1] + 1))
    assert all(p.name == "fetched.json" or p.name.startswith("swaps-") for p in out.iterdir())


@pytest.mark.parametrize(("breaker", "middle"), CASES)
def test_a_bad_answer_is_one_clear_error_and_keeps_what_was_written(breaker, middle, tmp_path):
    with _endpoint(breaker) as url, pytest.raises(FetchError) as caught:
        fetch_swaps(url, POOL, FIRST, LAST, tmp_path, chunk=5, retries=1, backoff=0.01)
    assert str(caught.value) == _expected(middle, tmp_path)
    assert "SECRETKEY123" not in str(caught.value)
    _assert_kept(tmp_path)


def test_a_rerun_after_a_bad_answer_completes_without_duplicates(tmp_path):
    with _endpoint(_on("eth_getLogs", lambda logs: None)) as url, pytest.raises(FetchError):
        fetch_swaps(url, POOL, FIRST, LAST, tmp_path, chunk=5)
    with _endpoint() as url:
        report = fetch_swaps(url, POOL, FIRST, LAST, tmp_path, chunk=5)
    assert report.skipped_blocks == 5 and report.swaps == LAST - FIRST + 1 - 5
    assert load_swaps(tmp_path)["block_number"].to_pylist() == list(range(FIRST, LAST + 1))
    assert json.loads((tmp_path / "fetched.json").read_text())["done"] == [[FIRST, LAST]]


@pytest.mark.parametrize("name", ["logs-null", "html-body", "data-truncated", "jsonrpc-error-naming-the-key"])
def test_cli_prints_one_line_exits_2_and_never_the_key(name, tmp_path):
    breaker, middle = next(c.values for c in CASES if c.id == name)
    with _endpoint(breaker) as url:
        res = subprocess.run(
            [sys.executable, "-m", "lamm.cli", "data", "fetch", "--rpc", url, "--pool", POOL]
            + ["--from-block", str(FIRST), "--to-block", str(LAST), "--out", str(tmp_path), "--chunk", "5"]
            + ["--retries", "1"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert (res.returncode, res.stdout) == (2, "")
    assert res.stderr == f"error: {_expected(middle, tmp_path)}\n"
    assert "Traceback" not in res.stderr and "SECRETKEY123" not in res.stdout + res.stderr
    _assert_kept(tmp_path)


def test_an_unreadable_fetch_record_is_one_clear_error_and_left_alone(tmp_path):
    (tmp_path / "fetched.json").write_text('{"done": [[100, "x"]]}')
    with pytest.raises(FetchError) as caught:
        fetch_swaps(f"http://127.0.0.1:{_closed_port()}{SECRET}", POOL, FIRST, LAST, tmp_path)
    assert str(caught.value) == (
        f"{tmp_path / 'fetched.json'} is not a fetch record (its 'done' list of first, last block pairs is "
        "unreadable); restore it, or delete it and the swaps-*.parquet files next to it to fetch again"
    )
    assert (tmp_path / "fetched.json").read_text() == '{"done": [[100, "x"]]}'
