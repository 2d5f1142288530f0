"""One loopback HTTP server for every test that needs a web peer: routes, faults, fast shutdown."""

from __future__ import annotations

import posixpath
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Callable, Union
from urllib.parse import parse_qs, unquote, urlsplit

from pipeline.base.httpd import KeepAliveHandler, QuietServer

Answer = tuple[int, dict[str, str], bytes]  # status, headers, body
DROP = object()  # a handler's or fault's answer: close the connection without a word
WROTE = None  # a handler's answer when it wrote (or deliberately cut) the response itself


@dataclass
class Request:
    """One request as a handler sees it; `raw` lets a handler stream, stall or cut its answer."""

    method: str
    path: str  # without the query, still percent-encoded
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    raw: BaseHTTPRequestHandler


Handler = Callable[[Request], Union[Answer, object, None]]
Route = Union[Answer, list, Handler]  # a fixed answer, answers given in turn (the last repeats), or a handler


class LoopbackServer:
    """`with LoopbackServer(routes) as server:` serves on `server.url` (127.0.0.1, a free port).

    `routes[path]` answers requests for `path`; a request no route names goes to `fallback(request)`,
    else to the file of that path under `files` (through `map_path(path)`), else gets a 404.
    `fault(request)`, called before each request, may answer instead (an Answer, or DROP).
    `hits` counts requests per path and `log` keeps (monotonic time, method, path) of each.
    """

    def __init__(self, routes: dict[str, Route] | None = None, *, files: Path | None = None,
                 map_path: Callable[[str], str] | None = None, fallback: Handler | None = None,
                 fault: Handler | None = None):
        self.routes: dict[str, Route] = {k: list(v) if isinstance(v, list) else v for k, v in (routes or {}).items()}
        self.files, self.map_path, self.fallback, self.fault = files, map_path, fallback, fault
        self.hits: Counter[str] = Counter()
        self.log: list[tuple[float, str, str]] = []
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"server_state": self})
        self.httpd = QuietServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread: threading.Thread | None = None

    def start(self) -> "LoopbackServer":
        # a short poll interval: shutdown() waits for the serving loop to notice it
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "LoopbackServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def answer(self, request: Request) -> Any:
        """What the server answers `request` with (see the class docstring for the order)."""
        with self._lock:
            self.hits[request.path] += 1
            self.log.append((time.monotonic(), request.method, request.path))
            route = self.routes.get(request.path)
            if isinstance(route, list):
                route = route.pop(0) if len(route) > 1 else route[0]
        injected = self.fault(request) if self.fault else None
        if injected is not None:
            return injected
        if callable(route):
            return route(request)
        if route is not None:
            return route
        if self.fallback is not None:
            return self.fallback(request)
        return self.file_answer(request.path)

    def file_answer(self, path: str) -> Answer:
        """The file a path names under `files` (after `map_path`), or a 404."""
        if self.files is None:
            return 404, {}, b"not found"
        rel = posixpath.normpath(unquote(self.map_path(path) if self.map_path else path)).lstrip("/")
        target = (self.files / rel).resolve()
        if rel.startswith("..") or not target.is_relative_to(self.files.resolve()) or not target.is_file():
            return 404, {}, b"not found"
        return 200, {"Content-Type": "application/octet-stream"}, target.read_bytes()


class _Handler(KeepAliveHandler):
    server_state: LoopbackServer

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(self.command, parts.path, parse_qs(parts.query), self.headers,
                          self.rfile.read(length) if length else b"", self)
        answer = self.server_state.answer(request)
        if answer is DROP:
            self.close_connection = True
            return
        if answer is WROTE:
            return
        status, headers, body = answer
        self.send_response(status)
        for key, value in {"Content-Length": str(len(body)), **headers}.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve
