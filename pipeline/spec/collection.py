"""Partner collection RDFs: each entry becomes its own RDF (docs/format.md §8)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.errors import BadInput
from pipeline.spec.load import LoadedRdf, parse_rdf
from pipeline.spec.root import Root, UrlRoot, http, is_url, sub_root

if TYPE_CHECKING:
    from pipeline.base.http import HttpPolicy

MAX_ENTRY_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class CollectionEntry:
    """One resolved entry: its final id, its RDF data and root, or the reason it failed."""

    id: str
    data: dict | None
    root: Root | None
    error: str | None = None
    index: int = 0


def resolve_collection(loaded: LoadedRdf, *, policy: HttpPolicy | None = None) -> list[CollectionEntry]:
    """Resolve every entry of a collection RDF; one bad entry never stops the others."""
    data = loaded.data
    coll_id = data.get("id") if isinstance(data.get("id"), str) else ""
    base = {k: v for k, v in data.items() if k not in ("id", "collection")}
    entries = data.get("collection")
    if not isinstance(entries, list):
        return []
    seen: set[str] = set()
    out = []
    for i, entry in enumerate(entries):
        out.append(_resolve_entry(loaded, policy, coll_id, base, i, entry, seen))
    return out


def _final_id(coll_id: str, entry_id: str) -> str:
    return f"{coll_id}/{entry_id}" if coll_id else entry_id


def _resolve_entry(loaded: LoadedRdf, policy: HttpPolicy | None, coll_id: str, base: dict, index: int,
                   entry: object, seen: set[str]) -> CollectionEntry:
    placeholder = _final_id(coll_id, f"[{index}]")
    if not isinstance(entry, dict):
        return CollectionEntry(placeholder, None, None, "entry is not a mapping", index)
    entry_id = entry.get("id")
    if not isinstance(entry_id, str) or not entry_id:
        return CollectionEntry(placeholder, None, None, "entry has no id", index)
    final = _final_id(coll_id, entry_id)
    if entry_id in seen:
        return CollectionEntry(final, None, None, f"duplicate entry id {entry_id!r}", index)
    seen.add(entry_id)
    try:
        overlay, root = _load_source(loaded, policy, entry)
    except BadInput as e:
        return CollectionEntry(final, None, None, str(e), index)
    merged = {**base, **overlay, **{k: v for k, v in entry.items()
                                    if k not in ("rdf_source", "entry_source", "entry_sha256")}}
    merged["id"] = final
    if merged.get("type") == "collection":
        return CollectionEntry(final, None, None, "nested collections are not allowed", index)
    return CollectionEntry(final, merged, root, None, index)


def _load_source(loaded: LoadedRdf, policy: HttpPolicy | None, entry: dict) -> tuple[dict, Root]:
    source = entry.get("rdf_source", entry.get("entry_source"))
    if source is None:
        return {}, loaded.root
    if not isinstance(source, str):
        raise BadInput("rdf_source must be a path or an http(s) URL")
    root = loaded.root
    policy = policy or root.policy
    if is_url(source):
        raw = http().fetch_bytes(source, policy=policy, max_bytes=MAX_ENTRY_BYTES)
    else:
        raw = root.read_bytes(source, max_bytes=MAX_ENTRY_BYTES)
    expected = entry.get("entry_sha256")
    if isinstance(expected, str) and hashlib.sha256(raw).hexdigest() != expected.lower():
        raise BadInput(f"sha256 of {source} does not match entry_sha256")
    label = root.resolve(source)
    data = parse_rdf(raw, source=label)
    entry_root = UrlRoot(source, policy) if is_url(source) else sub_root(root, source)
    return data, entry_root
