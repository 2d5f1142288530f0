"""`zoo serve`: preview the static site on 127.0.0.1 (never on other interfaces)."""

from __future__ import annotations

import functools
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pipeline.errors import BadInput

HOST = "127.0.0.1"


class _Handler(SimpleHTTPRequestHandler):
    # Keep-alive: a search fetches many small index fragments; one connection each is slow.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm and delayed ACKs each
    # kept-alive response would stall ~40 ms.
    disable_nagle_algorithm = True
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                      ".pf_meta": "application/octet-stream", ".pf_fragment": "application/octet-stream",
                      ".pf_index": "application/octet-stream", ".pf_filter": "application/octet-stream",
                      ".js": "text/javascript", ".json": "application/json", ".yaml": "text/yaml"}

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        if self.server.verbose:  # type: ignore[attr-defined]
            super().log_message(format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # a browser that navigates away in the middle of a response is not the server's error
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def make_server(site: Path, port: int = 8000, *, verbose: bool = False) -> ThreadingHTTPServer:
    """A server for `site` bound to 127.0.0.1 (`port` 0 picks a free one)."""
    if not (site / "index.html").is_file():
        raise BadInput("no index.html; run `zoo site` first", source=str(site))
    handler = functools.partial(_Handler, directory=str(site.resolve()))
    try:
        server = _Server((HOST, port), handler)
    except OSError as e:
        raise BadInput(f"cannot listen on {HOST}:{port}: {e.strerror}", source=str(site)) from None
    server.verbose = verbose  # type: ignore[attr-defined]
    return server


def serve_in_thread(site: Path, port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """Start a server in a daemon thread; returns it and its base URL (tests, benchmarks)."""
    server = make_server(site, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://{HOST}:{server.server_address[1]}/"
