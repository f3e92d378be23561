"""Swap rows from an `eth_getLogs` answer, and block times from `eth_getBlockByNumber` answers, checked first.

Uniswap V3 `Swap` events map field for field; a V2 `Swap` takes its post-swap price and liquidity from the `Sync`
the pair emits just before it (sqrt_price_x96 = sqrt(reserve1/reserve0) * 2**96, liquidity =
sqrt(reserve0 * reserve1), exact integer square roots); our DynamicFeePool's `Swap` carries its reserves.

An endpoint may answer anything: null, another shape, logs of other contracts, blocks or events, truncated or
non-hex data, repeated logs. Each check raises `BadAnswer` naming the method, the log (its place in the answer,
its block and index) or the block, and what was wrong; `envs.data.fetch` adds the blocks and what to do.
"""

from __future__ import annotations

import json
import math
import re
from typing import NamedTuple

V3_SWAP = "0xc42079f94a6350d7e6235f29174924f928cc2ac818eb64fed8004e115fbcca67"
V2_SWAP = "0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822"
V2_SYNC = "0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1"
LAMM_SWAP = "0x8b1a96c4fc958135d55d707d94240123a052f9307c9202277c1a0bd26c9a0703"  # DynamicFeePool.Swap
Q96 = 2**96
_QUANTITY = re.compile(r"0x[0-9a-fA-F]+")
_WORD = re.compile(r"0x[0-9a-fA-F]{64}")
_HEX = re.compile(r"0x[0-9a-fA-F]*")
NODE_HINT = "check that --rpc is an Ethereum JSON-RPC node of the pool's chain (or try another provider)"


class BadAnswer(Exception):
    """One failed or unusable endpoint answer: what was wrong, and what to do (`hint`); `fetch_swaps` adds
    where (the blocks) and turns it into a FetchError."""

    def __init__(self, problem: str, hint: str = NODE_HINT):
        super().__init__(problem)
        self.hint = hint


class Event(NamedTuple):
    name: str
    topics: int  # the signature and the indexed arguments
    words: int  # 32-byte words of data


EVENTS = {
    V3_SWAP: Event("Uniswap V3 Swap", 3, 5),
    V2_SWAP: Event("Uniswap V2 Swap", 3, 4),
    V2_SYNC: Event("Uniswap V2 Sync", 1, 2),
    LAMM_SWAP: Event("DynamicFeePool Swap", 3, 7),
}


class Log(NamedTuple):
    """One checked log: its place in the answer (1-based), where it is on chain, its event and its data."""

    n: int
    block: int
    index: int
    tx: str
    topics: list[str]  # lower case; topics[0] is a key of EVENTS
    words: list[int]

    @property
    def where(self) -> str:
        return f"eth_getLogs log {self.n} (block {self.block}, index {self.index})"


def brief(value: object, limit: int = 48) -> str:
    """The JSON of a value from an answer, shortened for a message."""
    text = json.dumps(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _got(item: dict, key: str) -> str:
    return f"{key} {brief(item[key])}" if key in item else f"no {key}"


def _quantity(item: dict, key: str, where: str) -> int:
    """A 0x hex number field of an object in an answer."""
    value = item.get(key)
    if not (isinstance(value, str) and _QUANTITY.fullmatch(value)):
        raise BadAnswer(f"{where} has {_got(item, key)}, expected a 0x hex number")
    return int(value, 16)


def _signed(value: int, bits: int = 256) -> int:
    return value - (1 << bits) if value >= 1 << (bits - 1) else value


def _topic_address(topic: str) -> str:
    return "0x" + topic[-40:]


def _tick(sqrt_price_x96: int) -> int:
    if sqrt_price_x96 == 0:
        return 0
    price = (sqrt_price_x96 / Q96) ** 2
    return math.floor(math.log(price) / math.log(1.0001))


def _topics(item: dict, where: str) -> list[str]:
    """The log's topics, lower case: the signature of an event we decode, then its indexed arguments."""
    topics = item.get("topics")
    if not (isinstance(topics, list) and topics and all(isinstance(t, str) and _WORD.fullmatch(t) for t in topics)):
        raise BadAnswer(f"{where} has {_got(item, 'topics')}, expected the event signature and indexed arguments")
    topics = [t.lower() for t in topics]
    event = EVENTS.get(topics[0])
    if event is None:
        raise BadAnswer(f"{where} is not a Swap or Sync (topic0 {brief(topics[0])}): the topics filter was ignored")
    if len(topics) != event.topics:
        raise BadAnswer(f"{where} has {len(topics)} topics, a {event.name} has {event.topics}")
    return topics


def _data_words(item: dict, event: Event, where: str) -> list[int]:
    """The log's data as the event's 32-byte words."""
    data = item.get("data")
    if not (isinstance(data, str) and _HEX.fullmatch(data)):
        raise BadAnswer(f"{where} has {_got(item, 'data')}, expected 0x-prefixed hex")
    size, need = (len(data) - 2) / 2, 32 * event.words
    if size != need:
        cut = " (truncated)" if size < need else ""
        raise BadAnswer(f"{where} has {size:g} bytes of data, a {event.name} has {need}{cut}")
    return [int(data[i : i + 64], 16) for i in range(2, len(data), 64)]


def _parse_log(item: object, n: int, pool: str, blocks: range) -> Log:
    """The n-th log of an eth_getLogs answer for `pool` over `blocks`, checked field by field."""
    where = f"eth_getLogs log {n}"
    if not isinstance(item, dict):
        raise BadAnswer(f"{where} is {brief(item)}, expected an object")
    block, index = _quantity(item, "blockNumber", where), _quantity(item, "logIndex", where)
    where += f" (block {block}, index {index})"
    if block not in blocks:
        raise BadAnswer(f"{where} is outside the requested blocks")
    if str(item.get("address")).lower() != pool.lower():
        raise BadAnswer(f"{where} has {_got(item, 'address')}, not the pool's: the address filter was ignored")
    tx = item.get("transactionHash")
    if not (isinstance(tx, str) and _WORD.fullmatch(tx)):
        raise BadAnswer(f"{where} has {_got(item, 'transactionHash')}, expected 0x and 64 hex digits")
    topics = _topics(item, where)
    return Log(n, block, index, tx.lower(), topics, _data_words(item, EVENTS[topics[0]], where))


def _parse_logs(logs: object, pool: str, blocks: range) -> list[Log]:
    """The checked logs of an eth_getLogs answer, in chain order, each once."""
    if not isinstance(logs, list):
        raise BadAnswer(f"eth_getLogs answered {brief(logs)}, expected a list of logs")
    parsed = sorted((_parse_log(x, n, pool, blocks) for n, x in enumerate(logs, 1)), key=lambda x: (x.block, x.index))
    for a, b in zip(parsed, parsed[1:], strict=False):
        if (a.block, a.index) == (b.block, b.index):
            raise BadAnswer(f"eth_getLogs logs {a.n} and {b.n} are both block {a.block}, index {a.index}")
    return parsed


def _amounts_and_price(log: Log, syncs: dict[str, tuple[int, int]]) -> dict:
    """amount0, amount1, sqrt_price_x96, liquidity and tick of one Swap log."""
    w = log.words
    if log.topics[0] == V3_SWAP:
        return dict(
            amount0=_signed(w[0]), amount1=_signed(w[1]), sqrt_price_x96=w[2], liquidity=w[3], tick=_signed(w[4])
        )
    if log.topics[0] == V2_SWAP:
        if log.tx not in syncs:
            raise BadAnswer(f"{log.where} is a Uniswap V2 Swap without the pair's Sync before it in its transaction")
        in0, in1, out0, out1 = w
        r0, r1 = syncs[log.tx]
    else:
        zero_for_one, amount_in, amount_out, _, r0, r1, _ = w  # the last is the fee paid, pips
        in0, in1 = (amount_in, 0) if zero_for_one else (0, amount_in)
        out0, out1 = (0, amount_out) if zero_for_one else (amount_out, 0)
    sqrt_price = math.isqrt((r1 << 192) // r0) if r0 else 0
    return dict(
        amount0=in0 - out0,
        amount1=in1 - out1,
        sqrt_price_x96=sqrt_price,
        liquidity=math.isqrt(r0 * r1),
        tick=_tick(sqrt_price),
    )


def decode_logs(logs: object, pool: str, blocks: range) -> list[dict]:
    """Canonical swap rows, in chain order, from an eth_getLogs answer for `pool` over `blocks` (V3 Swap, V2 Sync
    + Swap, our Swap); BadAnswer names the first log that is not such an event, whole and in range."""
    rows, syncs = [], {}
    for log in _parse_logs(logs, pool, blocks):
        if log.topics[0] == V2_SYNC:
            syncs[log.tx] = (log.words[0], log.words[1])
            continue
        row = _amounts_and_price(log, syncs)
        row |= dict(
            block_number=log.block,
            log_index=log.index,
            sender=_topic_address(log.topics[1]),
            recipient=_topic_address(log.topics[2]),
        )
        rows.append(row)
    return rows


def block_timestamp(block: object, number: int) -> int:
    """The timestamp of an eth_getBlockByNumber answer; BadAnswer when it is no block or another block."""
    where = f"eth_getBlockByNumber({number})"
    if block is None:
        raise BadAnswer(f"{where} answered null (block not found) though eth_getLogs returned logs in it")
    if not isinstance(block, dict):
        raise BadAnswer(f"{where} answered {brief(block)}, expected a block object")
    if (got := _quantity(block, "number", where)) != number:
        raise BadAnswer(f"{where} answered block {got}")
    return _quantity(block, "timestamp", where)
