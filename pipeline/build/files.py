"""Writing build outputs atomically, and only when their bytes change (a no-op build writes nothing);
one writer of a site folder at a time."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from filelock import FileLock, Timeout

from pipeline.base.atomic import replace_file
from pipeline.errors import StageFailed

SITE_LOCK = ".zoo-site.lock"
SITE_LOCK_SECONDS = 3600.0  # a whole render of a large collection; then the waiting run gives up


@contextmanager
def site_lock(site: Path, *, timeout: float = SITE_LOCK_SECONDS) -> Iterator[None]:
    """Hold the site folder's lock: `zoo build` and `zoo site` runs on one folder wait for each other
    instead of replacing, deleting and indexing the same files at once."""
    site.mkdir(parents=True, exist_ok=True)
    lock = FileLock(site / SITE_LOCK, timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise StageFailed(f"{site}: another zoo build or zoo site has been writing it for {timeout:g} s") from None
    try:
        yield
    finally:
        lock.release()


def write_if_changed(path: Path, data: bytes) -> bool:
    """Atomically replace `path` with `data` unless it already holds exactly those bytes."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    replace_file(path, data, durable=False)  # outputs can always be rebuilt
    return True


def json_bytes(data: Any, *, compact: bool = False) -> bytes:
    """Deterministic JSON: sorted keys, UTF-8, trailing newline; indented unless `compact`
    (Python's C encoder only runs without indentation: ten times faster on big documents)."""
    if compact:
        text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    else:
        text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)
    return (text + "\n").encode()


def read_json(path: Path, default: Any = None) -> Any:
    """The JSON in `path`, or `default` when the file is missing or unreadable (a cache miss)."""
    try:
        return json.loads(path.read_bytes())
    except (FileNotFoundError, ValueError, OSError):
        return default
