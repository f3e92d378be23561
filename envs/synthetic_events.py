"""Synthetic trades as canonical swap events: labelled addresses, exact V3 amounts and prices, block numbers,
timestamps and log indices, assembled into the Swap-event table (envs.data.schema)."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pyarrow as pa

from envs.data.schema import SWAP_SCHEMA

Q96 = 1 << 96
_LOG_TICK = math.log(1.0001)


def address(label: str) -> str:
    return "0x" + hashlib.sha256(f"lamm-synthetic:{label}".encode()).hexdigest()[:40]


ROUTERS = [address(f"router{i}") for i in range(8)]
TRADERS = [address(f"trader{i}") for i in range(512)]
ARBS = [address(f"arb{i}") for i in range(4)]


def exact_columns(
    s: np.ndarray, direction: np.ndarray, s0: float, liquidity: int, fee: float
) -> tuple[list[str], list[str], list[str], np.ndarray]:
    """Integer sqrt_price_x96 per swap and the exact V3 amounts between consecutive prices."""
    L = int(liquidity)
    LQ = L << 96
    den = 1_000_000 - int(round(fee * 1_000_000))
    prev = int(s0 * Q96)
    sps = (s * float(Q96)).tolist()
    dirs = direction.tolist()
    a0: list[str] = []
    a1: list[str] = []
    sp_out: list[str] = []
    for x, d in zip(sps, dirs, strict=True):
        b = int(x)
        if d > 0:
            if b <= prev:
                b = prev + 1
            delta = b - prev
            net1 = -((-L * delta) >> 96)
            a1.append(str(-((-net1 * 1_000_000) // den)))
            a0.append(str(-((LQ * delta) // (prev * b))))
        else:
            if b >= prev:
                b = prev - 1
            delta = prev - b
            net0 = -((-LQ * delta) // (prev * b))
            a0.append(str(-((-net0 * 1_000_000) // den)))
            a1.append(str(-((L * delta) >> 96)))
        sp_out.append(str(b))
        prev = b
    tick = np.floor(2.0 * np.log(s) / _LOG_TICK).astype(np.int32)
    return a0, a1, sp_out, tick


def block_columns(
    t: np.ndarray, rng: np.random.Generator, block_seconds: float, start_block: int, t0: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Block number, block timestamp and increasing log indices (with gaps) from event times."""
    off = np.floor(t / block_seconds + 1e-9).astype(np.int64)
    ts = t0 + np.floor(off * block_seconds + 1e-9).astype(np.int64)
    n = len(t)
    new = np.ones(n, dtype=bool)
    new[1:] = off[1:] != off[:-1]
    gap = rng.integers(1, 4, n)
    base = rng.integers(0, 12, n)
    c = np.cumsum(gap)
    starts = np.maximum.accumulate(np.where(new, np.arange(n), 0))
    li = c - c[starts] + base[starts]
    return start_block + off, ts, li.astype(np.int32)


def swap_table(
    block: np.ndarray,
    ts: np.ndarray,
    li: np.ndarray,
    sender: np.ndarray,
    recipient: np.ndarray,
    a0: list[str],
    a1: list[str],
    sp: list[str],
    liquidity: int,
    tick: np.ndarray,
) -> pa.Table:
    ls = pa.large_string()
    cols = {
        "block_number": pa.array(block, pa.int64()),
        "timestamp": pa.array(ts, pa.int64()),
        "log_index": pa.array(li, pa.int32()),
        "sender": pa.array(sender, ls),
        "recipient": pa.array(recipient, ls),
        "amount0": pa.array(a0, ls),
        "amount1": pa.array(a1, ls),
        "sqrt_price_x96": pa.array(sp, ls),
        "liquidity": pa.array([str(int(liquidity))] * len(block), ls),
        "tick": pa.array(tick, pa.int32()),
    }
    return pa.Table.from_arrays([cols[f.name] for f in SWAP_SCHEMA], schema=SWAP_SCHEMA)
