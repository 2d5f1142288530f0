"""Checks a harvested RDF must pass before it enters the store, and the optional format validation."""

from __future__ import annotations

import posixpath
from typing import Any

from pipeline.errors import BadInput, format_loc


def check_inside(data: dict[str, Any], files: set[str] | None, *, source: str) -> None:
    """Every relative path the RDF names stays in its root and, when `files` is known, is one of them."""
    from pipeline.spec import referenced_files
    from pipeline.spec.root import is_url

    problems = []
    for ref in referenced_files(data):
        if is_url(ref.source):
            continue
        where = format_loc(ref.loc)
        if escapes(ref.source):
            problems.append(f"{where}: {ref.source!r} points outside the record")
        elif files is not None and posixpath.normpath(ref.source) not in files:
            problems.append(f"{where}: {ref.source!r} is not a file of the record")
    if problems:
        raise BadInput("; ".join(problems), source=source)


def escapes(path: str) -> bool:
    """True if `path` is absolute, a non-http URL, or climbs out of its root."""
    if path.startswith(("/", "\\")) or "://" in path or (len(path) > 1 and path[1] == ":"):
        return True
    return posixpath.normpath(path.replace("\\", "/")).split("/")[0] == ".."


def validation_errors(loaded: Any) -> list[str] | None:
    """Format errors of a loaded RDF (no file checks), or None when the validator is unavailable."""
    try:
        from pipeline.spec import validate
    except (ImportError, AttributeError):
        return None  # the format library is optional for harvesting
    report = validate(loaded, io=False)
    if report.passed:
        return []
    return [_issue(e) for e in report.errors]


def _issue(error: Any) -> str:
    where = format_loc(getattr(error, "loc", ()) or ())
    return f"{where}: {error.msg}" if where else str(error.msg)

