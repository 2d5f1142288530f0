"""Reading the store fast: each `resource.yaml` is parsed again only when its stat changes.

A no-op build of 10,000 resources must not parse 10,000 YAML files; the index is a cache
(keyed by path, size and mtime) and can be deleted at any time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pipeline.build.files import json_bytes, read_json, write_if_changed
from pipeline.errors import BadInput
from pipeline.spec import yamlio

INDEX_VERSION = 1
MAX_RESOURCE_BYTES = 4 * 1024 * 1024


def read_store(store: Path, index_path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """All resources of the store (sorted by id) and one problem line per unreadable file."""
    index = read_json(index_path, default={})
    if index.get("version") != INDEX_VERSION:
        index = {"version": INDEX_VERSION, "files": {}}
    old_files: dict[str, Any] = index["files"]
    files: dict[str, Any] = {}
    resources, problems = [], []
    for path in _resource_files(store):
        rel = path.relative_to(store).as_posix()
        st = path.stat()
        stamp = [st.st_size, st.st_mtime_ns]
        cached = old_files.get(rel)
        if cached is not None and cached["stamp"] == stamp:
            data = cached["data"]
        else:
            try:
                data = _parse(path, rel)
            except BadInput as e:
                problems.append(str(e))
                continue
        files[rel] = {"stamp": stamp, "data": data}
        resources.append(data)
    if files != old_files:
        write_if_changed(index_path, json_bytes({"version": INDEX_VERSION, "files": files}))
    resources.sort(key=lambda r: str(r.get("id", "")))
    return resources, problems


def _resource_files(store: Path) -> list[Path]:
    found = []
    for folder, dirs, names in os.walk(store):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if "resource.yaml" in names:
            found.append(Path(folder) / "resource.yaml")
    return found


def _parse(path: Path, rel: str) -> dict[str, Any]:
    if path.stat().st_size > MAX_RESOURCE_BYTES:
        raise BadInput(f"larger than {MAX_RESOURCE_BYTES} bytes", source=rel)
    data = yamlio.loads(path.read_bytes(), source=rel)
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise BadInput("expected a mapping with a string `id`", source=rel)
    expected = rel.rsplit("/", 1)[0]
    if data["id"] != expected:
        raise BadInput(f"`id` {data['id']!r} does not match its folder {expected!r}", source=rel, loc=["id"])
    if not isinstance(data.get("versions", []), list):
        raise BadInput("expected `versions` to be a list", source=rel, loc=["versions"])
    return data
