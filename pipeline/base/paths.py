"""Strangers' strings as parts of paths: one rule for every id and version that names a folder.

Resource ids and version ids come from Zenodo records, partner collections and hand-edited
stores, and become folders of the store and of the published site (`rdfs/<id>/<version>/`).
Each is checked where it enters (`safe_segment`) and joined only through `joined`, which
re-checks every part and that the result stays below its root: a version `../../x`, a NUL byte
or a name the layout itself uses (`index.html`, a resource page) never becomes a path.
"""

from __future__ import annotations

import posixpath
import re

# A part keeps capitals, spaces and dots (`zero/Notebook Preview`, `1.0.0`); it may not be empty,
# `.`/`..`, hidden (a leading dot: the store keeps its caches there), padded with spaces, longer
# than a file name may safely be, or hold `/`, `\` or a control character (NUL included).
_SEGMENT = re.compile(r"^(?![.\s])[^/\\\x00-\x1f\x7f]{1,200}(?<!\s)$")
# names the layout uses beside a version's folder: a version called so would replace them
RESERVED = frozenset({"index.html"})


def safe_segment(text: object, *, max_length: int = 200) -> bool:
    """True when `text` may be one folder or file name of ours."""
    return (isinstance(text, str) and len(text) <= max_length and bool(_SEGMENT.match(text))
            and text.lower() not in RESERVED)


def safe_id(text: object, *, max_length: int = 512) -> bool:
    """True for a `/`-separated id each of whose parts is a safe segment."""
    return (isinstance(text, str) and 0 < len(text) <= max_length
            and all(safe_segment(part) for part in text.split("/")))


class UnsafePath(ValueError):
    """A part that may not become a path, or a path that would leave its root."""


def joined(root: str, *parts: str) -> str:
    """`root/part/...` with every part (ids split at `/`) checked; UnsafePath otherwise."""
    segments = [segment for part in parts for segment in str(part).split("/")]
    bad = [s for s in segments if not safe_segment(s)]
    if bad:
        raise UnsafePath(f"{bad[0]!r} cannot be part of a path")
    path = posixpath.join(root, *segments)
    if posixpath.normpath(path) != path or not path.startswith(root.rstrip("/") + "/"):
        raise UnsafePath(f"{path!r} would leave {root!r}")
    return path
