"""The shared pages: browse grid with type tabs, tag pages, partner pages, schemas, feed, sitemap."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.build.edam import slug
from pipeline.build.files import read_json
from pipeline.contracts.collection import CollectionEntry, read_versions
from pipeline.contracts.results import PASSED
from pipeline.site.facets import sort_order
from pipeline.site.urls import resource_page, root_of, version_page
from pipeline.site.views import TYPE_LABELS, default_order, edam_for, entry_tags, partner_of, sort_keys, text

if TYPE_CHECKING:
    from pipeline.site.render import Renderer

PAGE_SIZE = 48
FEED_ENTRIES = 50
SCHEMA_DIRS = (Path(__file__).resolve().parents[1] / "spec" / "schemas",
               Path(__file__).resolve().parents[1] / "build" / "schemas")


def version_dates(site: Path) -> dict[tuple[str, str], str]:
    """(resource id, version id) -> created, from all_versions.json (empty when absent)."""
    rows = read_versions(read_json(site / "all_versions.json", default={}), source="all_versions.json")
    return {(text(r.id, 512), text(r.version_id, 128)): text(r.created, 40) for r in rows}


def render_shared(r: "Renderer", entries: list[CollectionEntry], cards: list[dict[str, Any]],
                  created: dict[tuple[str, str], str]) -> list[str]:
    """Render every page that lists resources; returns their site-relative paths."""
    by_id = {c["id"]: c for c in cards}
    ordered = [by_id[e.id] for e in default_order(entries)]
    pages = r.copy_static()
    pages += _browse(r, ordered)
    pages += _tags(r, entries, by_id)
    pages += _partners(r, entries, by_id)
    pages += _spec(r)
    pages += _feed(r, entries, created)
    pages += _sitemap(r, entries, pages)
    return pages


# (URL slug, sort key in the facet table and the `sort` URL parameter, label); "" is the default
ORDERS = (("", "", "Recommended"), ("newest", "created", "Newest first"), ("downloads", "downloads", "Most downloaded"),
          ("name", "name", "Name A–Z"))


def _browse_path(tab: str, page_no: int, order: str = "") -> str:
    if order:
        return f"browse/{tab}/{order}/{page_no}.html"
    return "index.html" if tab == "all" and page_no == 1 else f"browse/{tab}/{page_no}.html"


def _orderings(ordered: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The cards in each sort order; ties keep the recommended order."""
    keys = [sort_keys(c) for c in ordered]
    return {"": ordered,
            "newest": [ordered[i] for i in sort_order([k["created"] for k in keys], newest_first=True)],
            "downloads": [ordered[i] for i in sort_order([k["downloads"] for k in keys], newest_first=True)],
            "name": [ordered[i] for i in sort_order([k["name"] for k in keys])]}


def _browse(r: "Renderer", ordered: list[dict[str, Any]]) -> list[str]:
    """Static, paginated grids (all and one per type, in each sort order) that work without
    JavaScript."""
    counts = {}
    for c in ordered:
        counts[c["type"]] = counts.get(c["type"], 0) + 1
    tabs = [("all", "All")] + list(TYPE_LABELS.items())
    written = []
    for order, listing in _orderings(ordered).items():
        for tab, tab_label in tabs:
            cards = listing if tab == "all" else [c for c in listing if c["type"] == tab]
            pages = max(1, math.ceil(len(cards) / PAGE_SIZE))
            for page_no in range(1, pages + 1):
                path = _browse_path(tab, page_no, order)
                root = root_of(path)
                r.write_page(path, "browse.html", {
                    "root": root, "tab": tab, "tab_label": tab_label,
                    "tabs": [(t, label, root + _browse_path(t, 1, order)) for t, label in tabs],
                    "order": order, "page_sort": dict((o, key) for o, key, _ in ORDERS)[order],
                    "orders": [(o, label, root + _browse_path(tab, 1, o)) for o, _, label in ORDERS],
                    "cards": cards[(page_no - 1) * PAGE_SIZE: page_no * PAGE_SIZE],
                    "page_no": page_no, "pages": pages, "total_all": len(ordered),
                    "counts": [(TYPE_LABELS.get(t, t).lower() if n != 1 else t, n) for t, n in sorted(counts.items())],
                    "page_link": lambda n, tab=tab, root=root, order=order: root + _browse_path(tab, n, order),
                })
                written.append(path)
    return written


def _tags(r: "Renderer", entries: list[CollectionEntry], cards: dict[str, dict[str, Any]]) -> list[str]:
    groups: dict[str, dict[str, Any]] = {}
    for entry in entries:
        for tag in entry_tags(entry.rdf):
            group = groups.setdefault(slug(tag), {"tag": tag, "slug": slug(tag), "items": {},
                                                  "edam": edam_for(tag, entry.edam)})
            group["items"][entry.id] = cards[entry.id]
    written = []
    for group in groups.values():
        items = sorted(group["items"].values(), key=lambda c: c["name"].lower())
        path = f"tags/{group['slug']}.html"
        r.write_page(path, "tag.html", {"root": "../", "tag": group["tag"], "edam": group["edam"], "items": items})
        written.append(path)
    listing = sorted(({"tag": g["tag"], "slug": g["slug"], "count": len(g["items"]), "edam": g["edam"]}
                      for g in groups.values()), key=lambda t: (-t["count"], t["tag"]))
    r.write_page("tags/index.html", "tags.html", {"root": "../", "tags": listing})
    return written + ["tags/index.html"]


def _partners(r: "Renderer", entries: list[CollectionEntry], cards: dict[str, dict[str, Any]]) -> list[str]:
    written = []
    listing = []
    for pid, partner in r.partners.items():
        logo = r.copy_partner_logo(partner)
        if logo:
            written.append(logo)
        own = [cards[e.id] for e in entries if partner_of(e) == pid]
        tested = [(cards[e.id], e.compatibility[pid]) for e in entries if pid in e.compatibility]
        view = dict(partner, logo=logo and "../" + logo)
        path = f"partners/{pid}.html"
        r.write_page(path, "partner.html", {
            "root": "../", "partner": view, "own": own, "tested": tested,
            "passed": sum(1 for _, s in tested if s == PASSED)})
        written.append(path)
        listing.append(dict(view, logo_rel=logo and logo.split("/", 1)[1]))
    r.write_page("partners/index.html", "partners.html", {"root": "../", "partners": listing})
    return written + ["partners/index.html"]


def _spec(r: "Renderer") -> list[str]:
    """Publish the format's JSON Schemas under site/spec/."""
    schemas, written = [], []
    for folder in SCHEMA_DIRS:
        for path in sorted(folder.glob("*.json")):
            data = path.read_bytes()
            try:
                title = text(json.loads(data).get("title"), 200)
            except (ValueError, AttributeError):
                title = ""
            r.write_bytes(f"spec/{path.name}", data)
            schemas.append({"file": path.name, "title": title})
            written.append(f"spec/{path.name}")
    r.write_page("spec/index.html", "spec.html", {"root": "../", "schemas": schemas})
    return written + ["spec/index.html"]


def _feed(r: "Renderer", entries: list[CollectionEntry], created: dict[tuple[str, str], str]) -> list[str]:
    """Atom feed of the newest versions (a new resource is its first version)."""
    base = r.options.base_url
    names = {e.id: e for e in entries}
    rows = []
    for (rid, vid), date in created.items():
        entry = names.get(rid)
        page = version_page(rid, vid)
        if entry is None or page is None:
            continue
        first = bool(entry.versions) and entry.versions[-1] == vid
        rows.append({"title": f"{'New' if first else 'New version of'}: {text(entry.rdf.get('name'), 200)} ({vid})",
                     "id": f"{base}{page}", "url": f"{base}{page}", "updated": _atom_date(date),
                     "summary": text(entry.rdf.get("description"), 500)})
    rows.sort(key=lambda x: (x["updated"], x["id"]), reverse=True)
    rows = rows[:FEED_ENTRIES]
    updated = rows[0]["updated"] if rows else _atom_date("")
    r.write_page("feed.xml", "feed.xml", {"base_url": base, "entries": rows, "updated": updated})
    return ["feed.xml"]


def _atom_date(value: str) -> str:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = datetime(1970, 1, 1, tzinfo=timezone.utc)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sitemap(r: "Renderer", entries: list[CollectionEntry], shared: list[str]) -> list[str]:
    base = r.options.base_url
    sorted_grids = {f"/{order}/" for order, _, _ in ORDERS if order}
    pages = [p for p in shared if p.endswith(".html") and not any(g in p for g in sorted_grids)]
    for entry in entries:
        pages.append(resource_page(entry.id) or "")
        for vid in entry.versions:
            pages.append(version_page(entry.id, vid) or "")
    from pipeline.site.render import urlpath
    r.write_page("sitemap.xml", "sitemap.xml", {"urls": [base + urlpath(p) for p in pages if p]})
    return ["sitemap.xml"]
