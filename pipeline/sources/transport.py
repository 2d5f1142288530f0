"""How the Zenodo client reaches a record set: over HTTP, or straight from a folder of the same shape.

The folder shape (written by `examples/make_zenodo.py`, served by `zenodo_server`):
`records/<id>.json` (what `GET /api/records/<id>` answers), `records/<id>/files/<key>` (file
bytes) and `search/page-<n>.json` (the search pages). Links inside the JSON start with
`FOLDER_BASE`, which a server replaces with its own address and this module maps to paths.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from pipeline.errors import BadInput
from pipeline.base.http import HttpPolicy, fetch_bytes, fetch_json

FOLDER_BASE = "https://zenodo.invalid/api"  # .invalid never resolves: a placeholder, not a host
MAX_JSON_BYTES = 32 * 1024 * 1024
_RECORD = re.compile(r"^/records/(\d+)$")
_FILE = re.compile(r"^/records/(\d+)/files/([^/]+)/content$")


class Transport(Protocol):
    """Fetches what the Zenodo client asks for; `location` is what the build can load later."""

    base: str

    def get_json(self, url: str) -> Any: ...

    def get_bytes(self, url: str, *, max_bytes: int) -> bytes: ...

    def location(self, url: str) -> str: ...


class HttpTransport:
    """The real API (or a loopback server) through the bounded, retrying HTTP helpers."""

    def __init__(self, base: str, policy: HttpPolicy | None = None):
        self.base = base.rstrip("/")
        self.policy = (policy or HttpPolicy()).trusting(self.base)

    def get_json(self, url: str) -> Any:
        return fetch_json(url, policy=self.policy, max_bytes=MAX_JSON_BYTES)

    def get_bytes(self, url: str, *, max_bytes: int) -> bytes:
        return fetch_bytes(url, policy=self.policy, max_bytes=max_bytes)

    def location(self, url: str) -> str:
        return url


class FolderTransport:
    """A record-set folder read directly, URL by URL, with the same bounds as HTTP."""

    def __init__(self, folder: Path):
        self.folder = Path(folder).resolve()
        self.base = FOLDER_BASE
        if not (self.folder / "search").is_dir():
            raise BadInput("not a Zenodo record-set folder (no search/ inside)", source=str(folder))

    def get_json(self, url: str) -> Any:
        path = self._path(url)
        raw = _read(path, MAX_JSON_BYTES, url)
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise BadInput(f"invalid JSON ({e})", source=str(path)) from None

    def get_bytes(self, url: str, *, max_bytes: int) -> bytes:
        return _read(self._path(url), max_bytes, url)

    def location(self, url: str) -> str:
        return str(self._path(url))

    def _path(self, url: str) -> Path:
        if not url.startswith(self.base + "/"):
            raise BadInput(f"URL is outside the record set {self.base}", source=url)
        parts = urlsplit(url)
        path = unquote(parts.path[len(urlsplit(self.base).path):])
        if path == "/records":
            page = parse_qs(parts.query).get("page", ["1"])[0]
            if not page.isdigit():
                raise BadInput(f"invalid page number {page!r}", source=url)
            return self.folder / "search" / f"page-{int(page):04d}.json"
        if m := _RECORD.match(path):
            return self.folder / "records" / f"{m.group(1)}.json"
        if (m := _FILE.match(path)) and m.group(2) not in (".", ".."):
            return self.folder / "records" / m.group(1) / "files" / m.group(2)
        raise BadInput("not a record-set URL this folder can answer", source=url)


def _read(path: Path, max_bytes: int, url: str) -> bytes:
    try:
        with path.open("rb") as f:
            raw = f.read(max_bytes + 1)
    except FileNotFoundError:
        raise BadInput("not found in the record-set folder", source=url) from None
    except OSError as e:
        raise BadInput(f"cannot read: {e.strerror}", source=str(path)) from None
    if len(raw) > max_bytes:
        raise BadInput(f"file exceeds the limit of {max_bytes} bytes", source=url)
    return raw


def open_transport(zenodo: str, policy: HttpPolicy | None = None) -> Transport:
    """An http(s) base URL or a record-set folder."""
    if zenodo.startswith(("http://", "https://")):
        return HttpTransport(zenodo, policy)
    return FolderTransport(Path(zenodo))
