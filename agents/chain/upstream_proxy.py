"""A local forwarder for an upstream RPC URL that carries a secret, so the secret stays off command lines.

anvil takes its fork upstream only as a command-line argument (`--fork-url`), where `ps` shows it to every
user of the machine. When the URL holds credentials (a path, a query or a user part, as API keys do), the node
is given `http://127.0.0.1:PORT` instead, served by this process, which forwards each request body to the real
URL and the answer back. Plain local URLs go straight through.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import requests

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def has_secret(url: str) -> bool:
    """Whether `url` may carry a credential: a user part, a query, or a path beyond '/'."""
    parts = urlsplit(url)
    return bool(parts.username or parts.password or parts.query or parts.path.strip("/"))


class UpstreamProxy:
    """Forwards JSON-RPC POSTs from 127.0.0.1:<free port> to `upstream`; a context manager."""

    def __init__(self, upstream: str, timeout: float = 60.0):
        self.upstream, self.timeout = upstream, timeout
        session = requests.Session()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    answer = session.post(
                        outer.upstream, data=body, headers={"Content-Type": "application/json"}, timeout=outer.timeout
                    )
                    status, payload = answer.status_code, answer.content
                except requests.RequestException as exc:
                    status = 502
                    error = {"code": -32000, "message": f"upstream: {type(exc).__name__}"}
                    payload = json.dumps({"jsonrpc": "2.0", "id": None, "error": error}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):  # quiet: the URL is never printed
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> UpstreamProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stops serving (if it started) and frees the port; safe to call twice."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()
