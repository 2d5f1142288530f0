"""A loopback HTTP server answering the Zenodo records API from a record-set folder.

It lets the very same HTTP client run offline (embedded default, tests, benchmarks) and can
inject the faults the real API shows: 429 with Retry-After, 500s, stalls, truncated or invalid
JSON, connections dropped mid-body and a page size capped below what was asked.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from pipeline.base.httpd import KeepAliveHandler, QuietServer
from pipeline.sources.transport import FOLDER_BASE

MAX_PAGE_SIZE = 25


@dataclass
class Faults:
    """Faults to inject, each for the next N matching requests (counts go down as they fire)."""

    rate_limited: int = 0
    retry_after: str = "1"
    server_errors: int = 0
    truncated_json: int = 0
    invalid_json: int = 0  # an HTML error page with status 200, as proxies send
    dropped: int = 0  # the connection closes after half of the declared body
    stalls: int = 0
    stall_seconds: float = 3.0
    max_page_size: int = MAX_PAGE_SIZE
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def take(self, name: str) -> bool:
        with self.lock:
            if getattr(self, name) > 0:
                setattr(self, name, getattr(self, name) - 1)
                return True
            return False


class RecordSet:
    """The records of a folder, newest first, and their files."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        records = [json.loads(p.read_bytes()) for p in sorted((self.folder / "records").glob("*.json"))]
        records.sort(key=lambda r: (r.get("created", ""), int(r["id"])), reverse=True)
        self.records = records

    def search(self, query: str) -> list[dict[str, Any]]:
        keyword = query.split(":", 1)[1].strip('"') if query.startswith("keywords:") else None
        if keyword is None:
            return self.records
        return [r for r in self.records if keyword in r.get("metadata", {}).get("keywords", [])]


class ZenodoServer:
    """`with ZenodoServer(folder) as server:` serves at `server.base` (…/api) on 127.0.0.1."""

    def __init__(self, folder: Path, faults: Faults | None = None, port: int = 0):
        self.records = RecordSet(folder)
        self.faults = faults or Faults()
        self.requests: Counter[str] = Counter()
        self.arrivals: list[tuple[float, str]] = []  # (monotonic time, kind) of every request
        handler = type("Handler", (_Handler,), {"server_state": self})
        self.httpd = QuietServer(("127.0.0.1", port), handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/api"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "ZenodoServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def rebase(self, data: Any) -> bytes:
        return json.dumps(data).replace(FOLDER_BASE, self.base).encode()


class _Handler(KeepAliveHandler):
    server_state: ZenodoServer

    def do_GET(self) -> None:
        state, faults = self.server_state, self.server_state.faults
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        kind = "search" if path == "/api/records" else "file" if "/files/" in path else "record"
        state.requests[kind] += 1
        state.arrivals.append((time.monotonic(), kind))
        if faults.take("rate_limited"):
            return self._send(429, b'{"message": "rate limited"}', {"Retry-After": faults.retry_after})
        if faults.take("server_errors"):
            return self._send(500, b'{"message": "internal error"}')
        if faults.take("stalls"):
            threading.Event().wait(faults.stall_seconds)
        if kind == "search":
            return self._search(parse_qs(parts.query))
        segments = path.split("/")
        if kind == "record" and len(segments) == 4 and segments[3].isdigit():
            return self._file(state.records.folder / "records" / f"{segments[3]}.json", json_body=True)
        if kind == "file" and len(segments) == 7 and segments[3].isdigit() and segments[6] == "content" \
                and segments[5] not in ("", ".", ".."):
            return self._file(state.records.folder / "records" / segments[3] / "files" / segments[5])
        self._send(404, b'{"message": "not found"}')

    def _search(self, query: dict[str, list[str]]) -> None:
        state = self.server_state
        size = min(int(query.get("size", ["10"])[0]), state.faults.max_page_size)
        page = max(int(query.get("page", ["1"])[0]), 1)
        hits = state.records.search(query.get("q", [""])[0])
        chunk = hits[(page - 1) * size: page * size]
        links = {"self": self._page_url(query, page, size)}
        if page * size < len(hits):
            links["next"] = self._page_url(query, page + 1, size)
        body = {"hits": {"hits": chunk, "total": len(hits)}, "links": links, "aggregations": {}}
        self._send_json(state.rebase(body))

    def _page_url(self, query: dict[str, list[str]], page: int, size: int) -> str:
        params = {k: v[0] for k, v in query.items()} | {"page": page, "size": size}
        return f"{FOLDER_BASE}/records?{urlencode(params)}"

    def _file(self, path: Path, json_body: bool = False) -> None:
        try:
            data = path.read_bytes()
        except OSError:
            return self._send(404, b'{"message": "not found"}')
        if json_body:
            return self._send_json(self.server_state.rebase(json.loads(data)))
        self._send(200, data, {"Content-Type": "application/octet-stream"})

    def _send_json(self, body: bytes) -> None:
        if self.server_state.faults.take("truncated_json"):
            body = body[: len(body) // 2]
        elif self.server_state.faults.take("invalid_json"):
            body = b"<html><body>502 Bad Gateway</body></html>"
        self._send(200, body)

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        headers = {"Content-Type": "application/json", **(headers or {})}
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status == 200 and self.server_state.faults.take("dropped"):
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True  # the client sees the body end early
            return
        self.wfile.write(body)
