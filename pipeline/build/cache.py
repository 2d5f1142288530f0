"""Content-addressed caches: a key is a hash of everything a result depends on, so any cache
folder can be deleted at any time, and shards of a build merge by copying files together."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.base.digest import json_digest
from pipeline.build.files import json_bytes, read_json, write_if_changed


def content_key(*parts: Any) -> str:
    """A stable sha256 over JSON-serialisable parts."""
    return json_digest(list(parts))


class JsonCache:
    """One JSON document per key under `root/<key[:2]>/<key>.json`."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, key: str) -> Path:
        if len(key) < 8 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError(f"not a content key: {key!r}")
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Any:
        return read_json(self.path(key))

    def put(self, key: str, value: Any) -> None:
        write_if_changed(self.path(key), json_bytes(value))

    def __contains__(self, key: str) -> bool:
        return self.path(key).is_file()
