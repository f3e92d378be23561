"""`lamm data fetch`: a pool's Swap events from an RPC endpoint into the canonical parquet schema.

- Uniswap V3 `Swap` events map field for field; a V2 `Swap` takes its post-swap price and liquidity from the
  `Sync` the pair emits just before it (sqrt_price_x96 = sqrt(reserve1/reserve0) * 2**96, liquidity =
  sqrt(reserve0 * reserve1), exact integer square roots); our DynamicFeePool's `Swap` carries its reserves.
- `eth_getLogs` runs in block chunks that halve when the endpoint answers "too many results" and grow back
  after successes; other RPC errors are retried with exponential backoff, then end in one clear error.
- Each finished chunk is written atomically as `swaps-<first>-<last>.parquet` and recorded in
  `fetched.json`, so a re-run fetches only the missing blocks and an interruption leaves valid output.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from envs.data.schema import SWAP_SCHEMA
from envs.data.swaps import save_swaps

V3_SWAP = "0xc42079f94a6350d7e6235f29174924f928cc2ac818eb64fed8004e115fbcca67"
V2_SWAP = "0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822"
V2_SYNC = "0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1"
LAMM_SWAP = "0x8b1a96c4fc958135d55d707d94240123a052f9307c9202277c1a0bd26c9a0703"  # DynamicFeePool.Swap
MANIFEST = "fetched.json"
TOO_MANY = ("too many", "more than", "limit exceeded", "response size", "query returned", "range too large")
Q96 = 2**96


class FetchError(RuntimeError):
    """The endpoint failed beyond the retries; what was fetched before stays on disk."""


@dataclass
class FetchReport:
    swaps: int
    chunks: int
    skipped_blocks: int  # already fetched before this run
    out_dir: Path


def _words(data: str) -> list[int]:
    raw = data[2:] if data.startswith("0x") else data
    return [int(raw[i : i + 64], 16) for i in range(0, len(raw), 64)]


def _signed(value: int, bits: int = 256) -> int:
    return value - (1 << bits) if value >= 1 << (bits - 1) else value


def _topic_address(topic: str) -> str:
    return "0x" + topic[-40:]


def _tick(sqrt_price_x96: int) -> int:
    if sqrt_price_x96 == 0:
        return 0
    price = (sqrt_price_x96 / Q96) ** 2
    return math.floor(math.log(price) / math.log(1.0001))


def decode_logs(logs: list[dict]) -> list[dict]:
    """Canonical swap rows from raw logs (V3 Swap, or V2 Sync + Swap), in chain order."""
    rows, last_sync = [], {}
    for log in sorted(logs, key=lambda x: (int(x["blockNumber"], 16), int(x["logIndex"], 16))):
        topic = log["topics"][0].lower()
        block, index = int(log["blockNumber"], 16), int(log["logIndex"], 16)
        words = _words(log["data"])
        if topic == V2_SYNC:
            last_sync[log["transactionHash"]] = (words[0], words[1])
            continue
        if topic == V3_SWAP:
            sqrt_price = words[2]
            row = dict(
                amount0=_signed(words[0]),
                amount1=_signed(words[1]),
                sqrt_price_x96=sqrt_price,
                liquidity=words[3],
                tick=_signed(words[4]),
            )
        elif topic in (V2_SWAP, LAMM_SWAP):
            if topic == V2_SWAP:
                in0, in1, out0, out1 = words
                r0, r1 = last_sync.get(log["transactionHash"], (0, 0))
            else:
                zero_for_one, amount_in, amount_out, _, r0, r1, _ = words  # the last is the fee paid, pips
                in0, in1 = (amount_in, 0) if zero_for_one else (0, amount_in)
                out0, out1 = (0, amount_out) if zero_for_one else (amount_out, 0)
            sqrt_price = math.isqrt((r1 << 192) // r0) if r0 else 0
            row = dict(
                amount0=in0 - out0,
                amount1=in1 - out1,
                sqrt_price_x96=sqrt_price,
                liquidity=math.isqrt(r0 * r1),
                tick=_tick(sqrt_price),
            )
        else:
            continue
        row |= dict(
            block_number=block,
            log_index=index,
            sender=_topic_address(log["topics"][1]),
            recipient=_topic_address(log["topics"][2]),
        )
        rows.append(row)
    return rows


def _table(rows: list[dict], timestamps: dict[int, int]) -> pa.Table:
    cols = {
        "block_number": [r["block_number"] for r in rows],
        "timestamp": [timestamps[r["block_number"]] for r in rows],
        "log_index": [r["log_index"] for r in rows],
        "sender": [r["sender"] for r in rows],
        "recipient": [r["recipient"] for r in rows],
        "amount0": [str(r["amount0"]) for r in rows],
        "amount1": [str(r["amount1"]) for r in rows],
        "sqrt_price_x96": [str(r["sqrt_price_x96"]) for r in rows],
        "liquidity": [str(r["liquidity"]) for r in rows],
        "tick": [r["tick"] for r in rows],
    }
    return pa.Table.from_pydict(cols, schema=SWAP_SCHEMA)


class Rpc:
    """JSON-RPC over HTTP with retries and exponential backoff; never logs the URL (it may hold a key)."""

    def __init__(self, url: str, retries: int = 5, backoff: float = 0.5, timeout: float = 30.0):
        import requests

        self._session, self._url = requests.Session(), url
        self.retries, self.backoff, self.timeout = retries, backoff, timeout

    def call(self, method: str, params: list):
        import requests

        last = ""
        for attempt in range(self.retries + 1):
            try:
                reply = self._session.post(
                    self._url,
                    json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
                    timeout=self.timeout,
                )
                reply.raise_for_status()
                doc = reply.json()
                if "error" in doc:
                    message = str(doc["error"].get("message", doc["error"]))
                    if any(s in message.lower() for s in TOO_MANY):
                        raise TooManyResults(message)
                    last = message
                else:
                    return doc["result"]
            except TooManyResults:
                raise
            except (requests.RequestException, ValueError) as e:
                last = type(e).__name__
            if attempt < self.retries:
                time.sleep(self.backoff * 2**attempt)
        raise FetchError(
            f"RPC endpoint failed {method} after {self.retries + 1} attempts ({last}); "
            "check the URL and the node, then re-run: fetched chunks are kept"
        )


class TooManyResults(RuntimeError):
    pass


def _done_ranges(out_dir: Path) -> list[list[int]]:
    path = out_dir / MANIFEST
    return json.loads(path.read_text())["done"] if path.exists() else []


def _record(out_dir: Path, done: list[list[int]], a: int, b: int) -> None:
    merged: list[list[int]] = []
    for lo, hi in sorted([*done, [a, b]]):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    done[:] = merged
    tmp = out_dir / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps({"done": merged}))
    tmp.replace(out_dir / MANIFEST)


def missing_ranges(done: list[list[int]], first: int, last: int) -> list[tuple[int, int]]:
    gaps, cursor = [], first
    for lo, hi in sorted(done):
        if hi < cursor or lo > last:
            continue
        if lo > cursor:
            gaps.append((cursor, lo - 1))
        cursor = max(cursor, hi + 1)
    if cursor <= last:
        gaps.append((cursor, last))
    return gaps


def fetch_swaps(
    rpc_url: str,
    pool: str,
    first_block: int,
    last_block: int,
    out_dir: str | Path,
    chunk: int = 2_000,
    retries: int = 5,
    backoff: float = 0.5,
    progress: Callable[[int], None] | None = None,
) -> FetchReport:
    """Fetches the pool's swaps in [first_block, last_block] into out_dir (resumable)."""
    if first_block > last_block or first_block < 0:
        raise ValueError(f"block range {first_block}..{last_block} is empty or negative")
    if not (pool.startswith("0x") and len(pool) == 42):
        raise ValueError(f"--pool {pool!r} is not a 0x-prefixed 20-byte address")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rpc = Rpc(rpc_url, retries, backoff)
    done = _done_ranges(out_dir)
    gaps = missing_ranges(done, first_block, last_block)
    skipped = (last_block - first_block + 1) - sum(b - a + 1 for a, b in gaps)
    swaps = chunks = 0
    size = max(chunk, 1)
    for a, b in gaps:
        start = a
        while start <= b:
            end = min(start + size - 1, b)
            try:
                logs = rpc.call(
                    "eth_getLogs",
                    [
                        {
                            "address": pool,
                            "fromBlock": hex(start),
                            "toBlock": hex(end),
                            "topics": [[V3_SWAP, V2_SWAP, V2_SYNC, LAMM_SWAP]],
                        }
                    ],
                )
            except TooManyResults:
                if size == 1:
                    raise FetchError(f"the endpoint refuses even one block ({start}) of logs") from None
                size = max(size // 2, 1)
                continue
            rows = decode_logs(logs)
            if rows:
                blocks = sorted({r["block_number"] for r in rows})
                stamps = {n: int(rpc.call("eth_getBlockByNumber", [hex(n), False])["timestamp"], 16) for n in blocks}
                save_swaps(_table(rows, stamps), out_dir / f"swaps-{start:012d}-{end:012d}.parquet")
            _record(out_dir, done, start, end)
            swaps += len(rows)
            chunks += 1
            if progress:
                progress(end - start + 1)
            start = end + 1
            size = min(size * 2, max(chunk, 1) * 16)
    return FetchReport(swaps, chunks, skipped, out_dir)
