"""The loopback HTTP servers the pipeline runs (the Zenodo mirror, `zoo serve`) and tests start."""

from __future__ import annotations

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class QuietServer(ThreadingHTTPServer):
    """One thread per connection, none of which holds up shutdown."""

    daemon_threads = True  # a client keeping its connection alive cannot stall server_close()
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client leaving in the middle of a response is not the server's error
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class KeepAliveHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive without Nagle's delay, and no request log (override `log_message`)."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm and delayed ACKs each
    # kept-alive response would stall ~40 ms.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass
