"""`zoo serve`: preview the static site on 127.0.0.1 (never on other interfaces)."""

from __future__ import annotations

import functools
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

from pipeline import defaults
from pipeline.base.httpd import KeepAliveHandler, QuietServer
from pipeline.errors import BadInput

HOST = "127.0.0.1"


class _Handler(KeepAliveHandler, SimpleHTTPRequestHandler):
    # Keep-alive: a search fetches many small index fragments; one connection each is slow.
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                      ".pf_meta": "application/octet-stream", ".pf_fragment": "application/octet-stream",
                      ".pf_index": "application/octet-stream", ".pf_filter": "application/octet-stream",
                      ".js": "text/javascript", ".json": "application/json", ".yaml": "text/yaml"}

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        if self.server.verbose:  # type: ignore[attr-defined]
            BaseHTTPRequestHandler.log_message(self, format, *args)


def make_server(site: Path, port: int = defaults.SERVE_PORT, *, verbose: bool = False) -> ThreadingHTTPServer:
    """A server for `site` bound to 127.0.0.1 (`port` 0 picks a free one)."""
    if not (site / "index.html").is_file():
        raise BadInput("no index.html; run `zoo site` first", source=str(site))
    handler = functools.partial(_Handler, directory=str(site.resolve()))
    try:
        server = QuietServer((HOST, port), handler)
    except OSError as e:
        raise BadInput(f"cannot listen on {HOST}:{port}: {e.strerror}", source=str(site)) from None
    server.verbose = verbose  # type: ignore[attr-defined]
    return server


def serve_in_thread(site: Path, port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """Start a server in a daemon thread; returns it and its base URL (tests, benchmarks)."""
    server = make_server(site, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://{HOST}:{server.server_address[1]}/"


@contextmanager
def served(site: Path) -> Iterator[str]:
    """The site on a loopback server for the duration of the block; yields its base URL."""
    server, url = serve_in_thread(site)
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
