"""The facet table: what the browse page filters, counts and sorts with, next to Pagefind.

Pagefind finds the pages that match the words typed; everything else about a search (facet
filters, their counts, sort orders) is answered from this table in the browser. Pagefind can
filter and sort too, but it counts every facet value against every result with a linear scan,
so a one-word query matching 1,600 of 10,000 resources took 200-400 ms in Chromium with our
six facets, and 9 ms without them. The table keys each row by the page's Pagefind result id,
read back from the fragment Pagefind wrote for it, and lives inside the index bundle so that
both are replaced together.

Shape (`pagefind/zoo-facets.json.gz`, gzip-compressed like Pagefind's own files, so every
server sends it small), rows in the recommended order:
    {"format": 1, "ids": [result id, ...],
     "facets": [{"name", "label", "values": [[value, label], ...], "rows": [[value index, ...], ...]}]}
and beside it `pagefind/zoo-sorts.json.gz`:
    {"format": 1, "sorts": {"name": [position of each row, ...], "created": [...], "downloads": [...]}}
"""

from __future__ import annotations

import gzip
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from pipeline.errors import ExternalToolFailed

TABLE = "zoo-facets.json.gz"
SORTS = "zoo-sorts.json.gz"  # the table's sort orders, loaded when a sort is chosen
FORMAT = 1
FACETS = (("type", "Type"), ("tag", "Tags"), ("license", "License"), ("tool", "Runs in (partner tool)"),
          ("status", "Test status"), ("weights", "Weight format"))
# Pagefind's fragment files: gzip of this signature followed by the page's JSON record
FRAGMENT_SIGNATURE = b"pagefind_dcd"
MAX_FRAGMENT = 16 * 1024 * 1024


@dataclass(frozen=True)
class SearchEntry:
    """One resource page as the search sees it, in the recommended order of the browse grid."""

    page: str  # site-relative path of the resource page
    facets: dict[str, dict[str, str]] = field(default_factory=dict)  # facet -> {value: label}
    sort: dict[str, str] = field(default_factory=dict)  # "name", "created" and "downloads" sort keys


def page_ids(bundle: Path) -> dict[str, str]:
    """Site-relative page path -> Pagefind result id, for every page in the index `bundle`."""
    ids = {}
    for path in sorted((bundle / "fragment").glob("*.pf_fragment")):
        try:
            raw = path.read_bytes()
            data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
            if len(data) > MAX_FRAGMENT:
                raise ValueError("implausibly large")
            record = json.loads(data.removeprefix(FRAGMENT_SIGNATURE))
            url = record["url"]
        except (OSError, EOFError, zlib.error, ValueError, KeyError, TypeError) as e:
            # Pagefind's fragment layout is not a public API: a new version must fail here, loudly
            raise ExternalToolFailed(f"cannot read the Pagefind fragment {path.name}: {e}") from e
        ids[unquote(str(url)).lstrip("/")] = path.stem
    return ids


def sort_order(keys: list[str], newest_first: bool = False) -> list[int]:
    """Row numbers in the order of `keys`; ties keep the row order (the sort is stable), and
    `newest_first` puts the largest (latest ISO date) first and rows without one last."""
    if newest_first:
        return sorted(range(len(keys)), key=lambda row: (bool(keys[row]), keys[row]), reverse=True)
    return sorted(range(len(keys)), key=keys.__getitem__)


def _positions(order: list[int]) -> list[int]:
    """Each row's place in `order`."""
    positions = [0] * len(order)
    for position, row in enumerate(order):
        positions[row] = position
    return positions


def table(entries: list[SearchEntry], ids: dict[str, str]) -> dict:
    """The facet table of the `entries` Pagefind indexed (`ids`); others are left out."""
    rows = [e for e in entries if e.page in ids]
    facets = []
    for name, label in FACETS:
        values: dict[str, int] = {}
        labels: dict[str, str] = {}
        columns = []
        for entry in rows:
            chosen = entry.facets.get(name, {})
            for value, value_label in chosen.items():
                labels.setdefault(value, value_label)
                values[value] = values.get(value, 0) + 1
            columns.append(list(chosen))
        ordered = sorted(values, key=lambda v: (-values[v], labels[v].lower(), v))
        index = {v: i for i, v in enumerate(ordered)}
        facets.append({"name": name, "label": label, "values": [[v, labels[v]] for v in ordered],
                       "rows": [[index[v] for v in column] for column in columns]})
    by_name = _positions(sort_order([e.sort.get("name", "") for e in rows]))
    newest = _positions(sort_order([e.sort.get("created", "") for e in rows], newest_first=True))
    downloads = _positions(sort_order([e.sort.get("downloads", "") for e in rows], newest_first=True))
    return {"format": FORMAT, "ids": [ids[e.page] for e in rows], "facets": facets,
            "sorts": {"name": by_name, "created": newest, "downloads": downloads}}


def write_table(bundle: Path, entries: list[SearchEntry]) -> None:
    """Write the facet table for the index in `bundle` (a fresh, not yet published folder): the
    sort orders in a file of their own, which the browser loads only when a sort is chosen (at
    10,000 resources they are 70 KB of the first search's 330 KB)."""
    doc = table(entries, page_ids(bundle))
    sorts = {"format": FORMAT, "sorts": doc.pop("sorts")}
    for name, part in ((TABLE, doc), (SORTS, sorts)):
        data = json.dumps(part, separators=(",", ":"), ensure_ascii=False).encode()
        (bundle / name).write_bytes(gzip.compress(data, compresslevel=9, mtime=0))


def read_table(bundle: Path) -> dict:
    """The facet table of the index in `bundle`, with its sort orders."""
    doc = json.loads(gzip.decompress((bundle / TABLE).read_bytes()))
    return {**doc, "sorts": json.loads(gzip.decompress((bundle / SORTS).read_bytes()))["sorts"]}
