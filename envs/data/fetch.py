"""`lamm data fetch`: a pool's Swap events from an RPC endpoint into the canonical parquet schema.

- `envs.data.swap_logs` decodes and checks the answers (V3 Swap field for field; V2 Swap priced by the pair's
  Sync before it; our DynamicFeePool's Swap by its reserves).
- `eth_getLogs` runs in block chunks that halve when the endpoint answers "too many results" and grow back
  after successes; other RPC errors are retried with exponential backoff.
- A failure beyond the retries, or an answer that is not what was asked (see swap_logs), ends the fetch in one
  `FetchError` line: the blocks, what the endpoint answered (never its URL) and what to do.
- Each finished chunk is written atomically as `swaps-<first>-<last>.parquet` and recorded in
  `fetched.json`, so a re-run fetches only the missing blocks and an interruption leaves valid output.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow as pa

from envs.data.schema import SWAP_SCHEMA
from envs.data.swap_logs import LAMM_SWAP, V2_SWAP, V2_SYNC, V3_SWAP, BadAnswer, block_timestamp, brief, decode_logs
from envs.data.swaps import save_swaps

MANIFEST = "fetched.json"
TOO_MANY = ("too many", "more than", "limit exceeded", "response size", "query returned", "range too large")
UNREACHABLE_HINT = "check --rpc, the network and the provider's status"


class FetchError(RuntimeError):
    """The endpoint failed or answered something unusable; what was fetched before stays on disk."""


class TooManyResults(RuntimeError):
    pass


@dataclass
class FetchReport:
    swaps: int
    chunks: int
    skipped_blocks: int  # already fetched before this run
    out_dir: Path


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
        """The call's result; TooManyResults at once, BadAnswer when every attempt failed."""
        last = ""
        for attempt in range(self.retries + 1):
            try:
                return self._once(method, params)
            except _Retry as e:
                last = str(e)
            if attempt < self.retries:
                time.sleep(self.backoff * 2**attempt)
        attempts = f"{self.retries + 1} attempt" + ("s" if self.retries else "")
        raise BadAnswer(f"{method} failed after {attempts} (last: {last})", UNREACHABLE_HINT)

    def _once(self, method: str, params: list):
        import requests

        try:
            reply = self._session.post(
                self._url,
                json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
                timeout=self.timeout,
            )
        except requests.RequestException as e:
            raise _Retry(type(e).__name__) from None  # its text names the URL
        if not reply.ok:
            raise _Retry(f"HTTP {reply.status_code} {reply.reason or ''}".strip())
        try:
            doc = reply.json()
        except ValueError:
            raise _Retry(f"an answer that is not JSON: {brief(' '.join(reply.text.split()))}") from None
        return _result(doc)


def _result(doc: object):
    """The result of a JSON-RPC reply; TooManyResults, or _Retry for an error or a reply that is not JSON-RPC."""
    if not isinstance(doc, dict) or ("result" not in doc and doc.get("error") is None):
        raise _Retry(f"an answer that is not JSON-RPC: {brief(doc)}")
    error = doc.get("error")
    if error is None:
        return doc["result"]
    message = str(error.get("message", error) if isinstance(error, dict) else error)
    if any(s in message.lower() for s in TOO_MANY):
        raise TooManyResults(message)
    raise _Retry(f"JSON-RPC error {brief(message)}")


class _Retry(Exception):
    """One attempt that failed (a transport error, an HTTP error, a JSON-RPC error, not JSON-RPC at all)."""


def _done_ranges(out_dir: Path) -> list[list[int]]:
    """The block ranges fetched.json records as fetched (none before the first chunk)."""
    path = out_dir / MANIFEST
    if not path.exists():
        return []
    try:
        done = json.loads(path.read_text())["done"]
    except (ValueError, KeyError, TypeError):
        done = None
    if not (isinstance(done, list) and all(_is_range(r) for r in done)):
        raise FetchError(
            f"{path} is not a fetch record (its 'done' list of first, last block pairs is unreadable); restore it, "
            "or delete it and the swaps-*.parquet files next to it to fetch again"
        )
    return done


def _is_range(item: object) -> bool:
    return isinstance(item, list) and len(item) == 2 and all(type(x) is int for x in item) and item[0] <= item[1]


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
                table = _chunk_table(rpc, pool, start, end)
            except TooManyResults as e:
                if size > 1:
                    size = max(size // 2, 1)
                    continue
                refused = BadAnswer(
                    f"eth_getLogs refuses even one block ({e})", "use a provider with a higher log limit"
                )
                raise _failure(refused, rpc_url, start, end, out_dir) from None
            except BadAnswer as e:
                raise _failure(e, rpc_url, start, end, out_dir) from None
            if table is not None:
                save_swaps(table, out_dir / f"swaps-{start:012d}-{end:012d}.parquet")
                swaps += table.num_rows
            _record(out_dir, done, start, end)
            chunks += 1
            if progress:
                progress(end - start + 1)
            start = end + 1
            size = min(size * 2, max(chunk, 1) * 16)
    return FetchReport(swaps, chunks, skipped, out_dir)


def _chunk_table(rpc: Rpc, pool: str, start: int, end: int) -> pa.Table | None:
    """The pool's swaps in blocks start..end with their block times (None when there are none)."""
    query = {
        "address": pool,
        "fromBlock": hex(start),
        "toBlock": hex(end),
        "topics": [[V3_SWAP, V2_SWAP, V2_SYNC, LAMM_SWAP]],
    }
    rows = decode_logs(rpc.call("eth_getLogs", [query]), pool, range(start, end + 1))
    if not rows:
        return None
    blocks = sorted({r["block_number"] for r in rows})
    return _table(rows, {n: block_timestamp(rpc.call("eth_getBlockByNumber", [hex(n), False]), n) for n in blocks})


def _failure(bad: BadAnswer, rpc_url: str, start: int, end: int, out_dir: Path) -> FetchError:
    """One line: where (the blocks), what the endpoint did (its text without the URL), what to do."""
    return FetchError(
        f"RPC endpoint (--rpc), blocks {start}..{end}: {_without_url(str(bad), rpc_url)}; {bad.hint}, then re-run: "
        f"blocks already fetched stay in {out_dir} and are skipped"
    )


def _without_url(text: str, url: str) -> str:
    """An endpoint's text without its URL nor any part that may hold a key (the host, path, query): the same
    rule as agents.chain.secrets.redact, which this layer may not import."""
    parts = urlsplit(url)
    pieces = [url, url.rstrip("/"), parts.netloc, parts.query, parts.path.rstrip("/") if parts.path.strip("/") else ""]
    for piece in sorted(filter(None, pieces), key=len, reverse=True):
        text = text.replace(piece, "<rpc>")
    return text
