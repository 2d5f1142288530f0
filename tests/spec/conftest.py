"""Shared helpers for the format library's tests: a loopback file server and RDF writers."""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from pipeline.base.http import HttpPolicy

FIXTURES = Path(__file__).parent / "fixtures"


class _ZenodoStyleHandler(SimpleHTTPRequestHandler):
    """Serves a folder; `/api/records/<id>/files/<name>/content` maps to `<name>` in it."""

    def translate_path(self, path: str) -> str:
        parts = unquote(urlsplit(path).path).split("/")
        if len(parts) >= 6 and parts[1:3] == ["api", "records"] and parts[4] == "files" and parts[-1] == "content":
            path = "/" + "/".join(parts[5:-1])
        return super().translate_path(path)

    def log_message(self, *args) -> None:  # keep test output clean
        pass


@pytest.fixture
def serve():
    """Start a loopback HTTP server for a folder; returns (base_url, policy trusting it)."""
    servers = []

    def start(folder: Path) -> tuple[str, HttpPolicy]:
        handler = partial(_ZenodoStyleHandler, directory=str(folder))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        url = f"http://127.0.0.1:{server.server_address[1]}"
        return url, HttpPolicy(retries=0, read_timeout=5, connect_timeout=5).trusting(url)

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
