"""RPC URLs carry API keys (in the path, the query or the user part): this strips them from any text that
may reach a log, a ledger, an error message or a command line."""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

PLACEHOLDER = "<rpc>"
# requests/urllib3 messages name the host, the port and the path of a failed request separately
_PATTERNS = (
    re.compile(r"host='[^']*', port=\d+"),
    re.compile(r"(with url: )\S+"),
    re.compile(r"(for url: )\S+"),
)


def redact(text: str, *urls: str | None) -> str:
    """`text` without the given URLs (nor $ETH_RPC_URL): not the whole URL, nor its host:port, its path or its
    query (each alone also identifies the key), nor the host, port and path that requests' errors quote."""
    for url in (*urls, os.environ.get("ETH_RPC_URL")):
        if not url:
            continue
        text = text.replace(url, PLACEHOLDER).replace(url.rstrip("/"), PLACEHOLDER)
        parts = urlsplit(url)
        pieces = [parts.netloc, parts.query]
        if parts.path.strip("/"):
            pieces.append(parts.path.rstrip("/"))
        for piece in sorted(filter(None, pieces), key=len, reverse=True):
            text = text.replace(piece, PLACEHOLDER)
    text = _PATTERNS[0].sub(f"host={PLACEHOLDER}", text)
    for pattern in _PATTERNS[1:]:
        text = pattern.sub(rf"\g<1>{PLACEHOLDER}", text)
    return text


def redacted_url(url: str | None) -> str | None:
    """What may be stored or shown of an RPC URL: its scheme and host only when it carries nothing secret
    (a local node), else just the scheme."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.username or parts.password or parts.query or parts.path.strip("/"):
        return f"{parts.scheme}://{PLACEHOLDER}"
    return f"{parts.scheme}://{parts.netloc}"
