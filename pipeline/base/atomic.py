"""Replacing a file atomically: a reader sees the old bytes or the new ones, never a mix."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp creates files readable by their owner only; published files must be readable by a web
# server running as another user, so they get the usual mode for new files.
FILE_MODE = 0o666 & ~_umask()


def replace_file(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write `data` to a temporary file beside `path` and rename it over `path`; `durable` also
    flushes it to disk first (the store needs that; rebuildable outputs do not pay for it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
