"""RPC calls retried on connection-level errors with exponential backoff; a revert is never retried."""

from __future__ import annotations

import time
from collections.abc import Callable


def with_retries(fn: Callable, attempts: int = 5, delay: float = 0.5, log: Callable[[str], None] = print):
    """fn() retried on connection-level errors with exponential backoff (a revert is not retried)."""
    for attempt in range(attempts):
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - Ape and requests raise many types for a lost node
            if not transient(exc) or attempt == attempts - 1:
                raise
            log(f"RPC error ({type(exc).__name__}), retrying in {delay:.1f} s")
            time.sleep(delay)
            delay *= 2


TRANSIENT = (
    "connection",
    "timeout",
    "timed out",
    "not connected",
    "refused",
    "reset",
    "could not decode",  # a gateway's HTML page (502, 503) instead of JSON
    "expecting value",
    "bad gateway",
    "service unavailable",
    "too many requests",
)


def transient(exc: Exception) -> bool:
    """Whether an error looks like a lost, slow or overloaded node (or a gateway in front of it) rather than an
    answer of the node."""
    from ape.exceptions import ContractLogicError

    if isinstance(exc, ContractLogicError):
        return False
    text = f"{type(exc).__name__} {exc}".lower()
    return any(word in text for word in TRANSIENT)
