"""Plain view data for templates, derived from collection entries, RDFs and test summaries."""

from __future__ import annotations

import re
from typing import Any

from pipeline.build.edam import edam_term, normalize_tag, slug
from pipeline.contracts.results import FAILED, OUR_TOOL, PASSED, SKIPPED, TOOL_STATES, UNKNOWN, VALID_FORMAT
from pipeline.site.urls import resource_page

TYPE_LABELS = {"model": "Models", "dataset": "Datasets", "notebook": "Notebooks",
               "application": "Applications"}
STATUS_RANK = {PASSED: 0, VALID_FORMAT: 1, UNKNOWN: 2, FAILED: 3}
MAX_CARD_DESCRIPTION = 200
# how a test state reads on the site, where it is not its own name
STATE_LABELS = {SKIPPED: "not applicable", "not-applicable": "not applicable",
                VALID_FORMAT: "format valid, not run"}


def text(value: Any, limit: int = 2000) -> str:
    """Any RDF value as bounded display text (hostile RDFs put lists or megabytes anywhere)."""
    if value is None:
        return ""
    return (value if isinstance(value, str) else str(value))[:limit]


def str_list(value: Any) -> list[str]:
    return [text(v, 200) for v in value if isinstance(v, (str, int, float))] if isinstance(value, list) else []


def entry_tags(entry: dict[str, Any]) -> list[str]:
    """Normalised, de-duplicated tags in their original order."""
    seen: dict[str, None] = {}
    for tag in str_list(entry.get("tags")):
        norm = normalize_tag(tag)
        if norm:
            seen.setdefault(norm, None)
    return list(seen)


def short(value: Any, limit: int = MAX_CARD_DESCRIPTION) -> str:
    value = re.sub(r"\s+", " ", text(value, limit * 4)).strip()
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)


def overall(entry: dict[str, Any]) -> str:
    status = entry.get("status")
    value = status.get("overall") if isinstance(status, dict) else None
    return value if value in STATUS_RANK else UNKNOWN


def compatibility(entry: dict[str, Any]) -> dict[str, str]:
    compat = entry.get("compatibility")
    if not isinstance(compat, dict):
        return {}
    return {text(k, 64): v if v in TOOL_STATES else UNKNOWN for k, v in compat.items()}


def tools_running(entry: dict[str, Any]) -> list[str]:
    """Partner tools whose tests of this resource passed (the facet 'runs in')."""
    return sorted(t for t, s in compatibility(entry).items() if s == PASSED and t != OUR_TOOL)


def partner_of(entry: dict[str, Any]) -> str | None:
    kind = text(entry.get("source_kind"), 100)
    return kind.split(":", 1)[1] if kind.startswith("partner:") else None


def tool_label(tool: str, partners: dict[str, dict[str, Any]]) -> str:
    if tool == OUR_TOOL:
        return "Zoo CI"
    return text(partners.get(tool, {}).get("name"), 80) or tool


def card(entry: dict[str, Any], partners: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What a card shows for one collection entry."""
    rid = text(entry.get("id"), 512)
    covers = str_list(entry.get("covers"))
    return {
        "id": rid,
        "url": resource_page(rid),
        "name": short(entry.get("name") or rid, 120),
        "nickname": text(entry.get("nickname"), 80),
        "icon": text(entry.get("nickname_icon"), 16),
        "description": short(entry.get("description")),
        "tags": [(t, slug(t)) for t in entry_tags(entry)[:4]],
        "type": text(entry.get("type"), 40) or "generic",
        "license": text(entry.get("license"), 80),
        "doi": text(entry.get("concept_doi") or entry.get("doi"), 200),
        "cover": covers[0] if covers else None,
        "status": overall(entry),
        "badges": [(tool, tool_label(tool, partners), state) for tool, state in sorted(compatibility(entry).items())],
        "created": text(entry.get("created"), 40),
    }


def default_order(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Recommended first: working resources, then the most downloaded, then the newest."""
    return sorted(entries, key=lambda e: (rank_key(e), text(e.get("id"))))


def edam_for(tag: str, entry_edam: Any = None) -> dict[str, str] | None:
    """The EDAM concept of a normalised tag, from the entry's precomputed terms or the package."""
    for term in entry_edam if isinstance(entry_edam, list) else []:
        if isinstance(term, dict) and term.get("tag") == tag:
            return {k: text(term.get(k), 300) for k in ("id", "label", "iri")}
    found = edam_term(tag)
    return {"id": found.id, "label": found.label, "iri": found.iri} if found else None


def rank_key(entry: dict[str, Any]) -> str:
    """A per-entry sort key for the recommended order, so no other entry's change moves it."""
    downloads = entry.get("download_count") if isinstance(entry.get("download_count"), int) else 0
    inverted = "".join(chr(ord("9") - int(c)) if c.isdigit() else c for c in text(entry.get("created"), 40))
    return f"r{STATUS_RANK[overall(entry)]}{max(0, 10**10 - downloads):011d}{inverted}"


def search_record(entry: dict[str, Any], partners: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What Pagefind indexes for one entry: extra searchable text and the card fields."""
    c = card(entry, partners)
    authors = [text(a.get("name"), 200) for a in entry.get("authors", []) if isinstance(a, dict)] \
        if isinstance(entry.get("authors"), list) else []
    words = [" ".join(authors), " ".join(entry_tags(entry)), c["id"], text(entry.get("doi"), 200), c["doi"]]
    return {
        "text": "\n".join(w for w in words if w),
        "meta": {
            "nickname": c["nickname"], "icon": c["icon"], "description": c["description"],
            "type": c["type"], "license": c["license"], "doi": c["doi"], "cover": c["cover"] or "",
            "tags": "|".join(t for t, _ in c["tags"]), "status": c["status"],
            "badges": "|".join(f"{tool}~{label}~{state}" for tool, label, state in c["badges"]),
        },
    }


MAX_FACET_TAGS = 50


def facet_record(entry: dict[str, Any], partners: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One entry's facet values (value -> label) and sort keys, for the search page's filters."""
    c = card(entry, partners)
    return {
        "facets": {
            "type": {c["type"]: TYPE_LABELS.get(c["type"], c["type"]).removesuffix("s")},
            "tag": {t: t for t in entry_tags(entry)[:MAX_FACET_TAGS]},
            "license": {c["license"] or "unknown": c["license"] or "unknown"},
            "tool": {t: tool_label(t, partners) for t in tools_running(entry)},
            "status": {c["status"]: state_label(c["status"])},
            "weights": {w: w for w in str_list(entry.get("weights_formats"))},
        },
        "sort": sort_keys(c),
    }


def sort_keys(c: dict[str, Any]) -> dict[str, str]:
    """A card's keys for the "name" (A-Z) and "created" (newest first) sort orders."""
    return {"name": c["name"].lower(), "created": c["created"]}
