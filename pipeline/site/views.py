"""Plain view data for templates, derived from collection entries, RDFs and test summaries.

Entries come through `contracts.collection`, which checked the zoo's fields; the RDF's own
fields (`entry.rdf`, and whole RDFs) are strangers' data: every value shown is bounded here."""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from pipeline.build.edam import edam_term, normalize_tag, slug
from pipeline.contracts.collection import CollectionEntry, EdamTerm
from pipeline.contracts.results import FAILED, OUR_TOOL, PASSED, UNKNOWN, VALID_FORMAT
from pipeline.site.urls import resource_page

TYPE_LABELS = {"model": "Models", "dataset": "Datasets", "notebook": "Notebooks",
               "application": "Applications"}
STATUS_RANK = {PASSED: 0, VALID_FORMAT: 1, UNKNOWN: 2, FAILED: 3}
TYPE_RANK = {"model": 0, "notebook": 1, "dataset": 2, "application": 3}  # the recommended order; others last
MAX_CARD_DESCRIPTION = 200
# how a test state reads on the site, where it is not its own name
STATE_LABELS = {"not-applicable": "not applicable", VALID_FORMAT: "format valid, not run", "not-tested": "not tested"}


def text(value: Any, limit: int = 2000) -> str:
    """Any RDF value as bounded display text (hostile RDFs put lists or megabytes anywhere)."""
    if value is None:
        return ""
    return (value if isinstance(value, str) else str(value))[:limit]


def str_list(value: Any) -> list[str]:
    return [text(v, 200) for v in value if isinstance(v, (str, int, float))] if isinstance(value, list) else []


def entry_tags(rdf: Mapping[str, Any]) -> list[str]:
    """Normalised, de-duplicated tags of an RDF (or an entry's RDF fields) in their original order."""
    seen: dict[str, None] = {}
    for tag in str_list(rdf.get("tags")):
        norm = normalize_tag(tag)
        if norm:
            seen.setdefault(norm, None)
    return list(seen)


def short(value: Any, limit: int = MAX_CARD_DESCRIPTION) -> str:
    value = re.sub(r"\s+", " ", text(value, limit * 4)).strip()
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)


def overall(entry: CollectionEntry) -> str:
    return entry.status.overall if entry.status else UNKNOWN


def compatibility(entry: CollectionEntry) -> dict[str, str]:
    return {text(k, 64): v for k, v in entry.compatibility.items()}


def tools_running(entry: CollectionEntry) -> list[str]:
    """Partner tools whose tests of this resource passed (the facet 'runs in')."""
    return sorted(t for t, s in compatibility(entry).items() if s == PASSED and t != OUR_TOOL)


def partner_of(entry: CollectionEntry) -> str | None:
    kind = text(entry.source_kind, 100)
    return kind.split(":", 1)[1] if kind.startswith("partner:") else None


def tool_label(tool: str, partners: dict[str, dict[str, Any]]) -> str:
    if tool == OUR_TOOL:
        return "Zoo CI"
    return text(partners.get(tool, {}).get("name"), 80) or tool


def card(entry: CollectionEntry, partners: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What a card shows for one collection entry."""
    rid = text(entry.id, 512)
    covers = str_list(list(entry.covers))
    return {
        "id": rid,
        "url": resource_page(rid),
        "name": short(entry.rdf.get("name") or rid, 120),
        "nickname": text(entry.nickname, 80),
        "icon": text(entry.nickname_icon, 16),
        "description": short(entry.rdf.get("description")),
        "tags": [(t, slug(t)) for t in entry_tags(entry.rdf)[:4]],
        "type": text(entry.type, 40) or "generic",
        "license": text(entry.rdf.get("license"), 80),
        "doi": text(entry.concept_doi or entry.doi, 200),
        "cover": covers[0] if covers else None,
        "status": overall(entry),
        "badges": [(tool, tool_label(tool, partners), state) for tool, state in sorted(compatibility(entry).items())],
        "created": text(entry.created, 40),
        # Download statistics exist for Zenodo records; elsewhere the legacy count is a placeholder.
        "downloads": f"{entry.download_count:,}" if entry.source_kind == "zenodo" else "",
        "download_count": entry.download_count,
    }


def default_order(entries: list[CollectionEntry]) -> list[CollectionEntry]:
    """Recommended first: working resources, then the most downloaded, then the newest."""
    return sorted(entries, key=lambda e: (rank_key(e), text(e.id)))


def edam_for(tag: str, entry_edam: Sequence[EdamTerm] = ()) -> dict[str, str] | None:
    """The EDAM concept of a normalised tag, from the entry's precomputed terms or the package."""
    for term in entry_edam:
        if term.tag == tag:
            return {"id": text(term.id, 300), "label": text(term.label, 300), "iri": text(term.iri, 300)}
    found = edam_term(tag)
    return {"id": found.id, "label": found.label, "iri": found.iri} if found else None


def rank_key(entry: CollectionEntry) -> str:
    """A per-entry sort key for the recommended order, so no other entry's change moves it:
    working resources first, models before notebooks, datasets and applications, those with a
    cover before those without, then the most downloaded, then the newest."""
    inverted = "".join(chr(ord("9") - int(c)) if c.isdigit() else c for c in text(entry.created, 40))
    kind = TYPE_RANK.get(text(entry.type, 40), len(TYPE_RANK))
    return (f"r{STATUS_RANK[overall(entry)]}{kind}{0 if entry.covers else 1}"
            f"{max(0, 10**10 - entry.download_count):011d}{inverted}")


def search_record(entry: CollectionEntry, partners: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What Pagefind indexes for one entry besides its page's text: authors and tags, the keys
    that name it, and the card fields."""
    c = card(entry, partners)
    people = entry.rdf.get("authors")
    authors = [text(a.get("name"), 200) for a in people if isinstance(a, dict)] if isinstance(people, list) else []
    words = [" ".join(authors), " ".join(entry_tags(entry.rdf))]
    return {
        "text": "\n".join(w for w in words if w),
        # what names this resource exactly, weighted so that searching it ranks the resource first
        "keys": [k for k in dict.fromkeys([c["id"], c["nickname"], text(entry.concept_doi, 200), text(entry.doi, 200)]) if k],
        "meta": {
            "nickname": c["nickname"], "icon": c["icon"], "description": c["description"],
            "type": c["type"], "license": c["license"], "doi": c["doi"], "cover": c["cover"] or "",
            "tags": "|".join(t for t, _ in c["tags"]), "status": c["status"],
            "badges": "|".join(f"{tool}~{label}~{state}" for tool, label, state in c["badges"]),
            "downloads": c["downloads"],
        },
    }


MAX_FACET_TAGS = 50


def facet_record(entry: CollectionEntry, partners: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One entry's facet values (value -> label) and sort keys, for the search page's filters."""
    c = card(entry, partners)
    return {
        "facets": {
            "type": {c["type"]: TYPE_LABELS.get(c["type"], c["type"]).removesuffix("s")},
            "tag": {t: t for t in entry_tags(entry.rdf)[:MAX_FACET_TAGS]},
            "license": {c["license"] or "unknown": c["license"] or "unknown"},
            "tool": {t: tool_label(t, partners) for t in tools_running(entry)},
            "status": {c["status"]: state_label(c["status"])},
            "weights": {w: w for w in str_list(list(entry.weights_formats))},
        },
        "sort": sort_keys(c),
    }


def sort_keys(c: dict[str, Any]) -> dict[str, str]:
    """A card's keys for the "name" (A-Z), "created" (newest first) and "downloads" (most
    downloaded first) sort orders."""
    return {"name": c["name"].lower(), "created": c["created"], "downloads": f"{c['download_count']:015d}"}
