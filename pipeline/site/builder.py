"""`zoo site`: render the website and its search index into the site folder the build wrote.

Reads top to bottom: read collection.json and partners, copy static assets, render the pages
of resources whose inputs changed (one key per resource), render the listing pages
(browse grid, tags, partners, schemas, feed, sitemap) when what they list changed, delete pages
no longer published, and rebuild the search index when any resource page changed. The state
of the last run is `site/.zoo-site.json`; a no-op run rewrites nothing.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any


from pipeline import __version__, defaults
from pipeline.base.digest import json_digest
from pipeline.base.paths import joined
from pipeline.build.files import json_bytes, read_json, site_lock, write_if_changed
from pipeline.contracts.collection import CollectionDocument, CollectionEntry
from pipeline.contracts.results import UNKNOWN
from pipeline.contracts.stage import Problem
from pipeline.errors import BadInput, describe
from pipeline.site import search, shared_pages, vendor
from pipeline.site.pages import notebook_preview, page_context, read_rdf, read_summary
from pipeline.site.render import Renderer
from pipeline.site.urls import href, resource_page, root_of, version_page
from pipeline.site.facets import SearchEntry
from pipeline.site.views import card, default_order, facet_record, text

MANIFEST = ".zoo-site.json"
MAX_COLLECTION = 512 * 1024 * 1024
DEFAULT_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@dataclass(frozen=True)
class SiteConfig:
    """Where the site is and what renders it."""

    site: Path = defaults.SITE
    partners: Path | None = defaults.PARTNERS  # registrations, for partner names, logos and pages
    templates: Path = DEFAULT_TEMPLATES
    base_url: str = defaults.BASE_URL  # public URL of the site, for the feed and sitemap
    search: bool = True


@dataclass
class SiteSummary:
    """The site stage's result; `problems` are per-item issues that did not stop it."""

    resources: int = 0
    rendered: int = 0
    unchanged: int = 0
    pages_written: int = 0
    removed: int = 0
    search_indexed: bool = False
    search_tool: str = ""
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok, "problems": [p.to_json() for p in self.problems]}

    def format_text(self) -> str:
        lines = [f"resources: {self.resources} ({self.rendered} rendered, {self.unchanged} unchanged); "
                 f"{self.pages_written} files written, {self.removed} removed, search index "
                 f"{f'rebuilt ({self.search_tool})' if self.search_indexed else 'unchanged'}, {self.seconds:.1f} s"]
        return "\n".join(lines + [f"problem: {p.format_text()}" for p in self.problems])


def read_collection(site: Path) -> CollectionDocument:
    """`site/collection.json`, or BadInput naming what is wrong with it."""
    path = site / "collection.json"
    try:
        if path.stat().st_size > MAX_COLLECTION:
            raise BadInput(f"larger than {MAX_COLLECTION} bytes", source=str(path))
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise BadInput("not found; run `zoo build` first", source=str(path)) from None
    except (OSError, ValueError) as e:
        raise BadInput(f"unreadable JSON ({e})", source=str(path)) from None
    return CollectionDocument.from_json(data, source="collection.json")


def _usable_entries(doc: CollectionDocument, summary: SiteSummary) -> list[CollectionEntry]:
    summary.problems += doc.problems
    entries = []
    for entry in doc.entries:
        if resource_page(entry.id) is None:
            summary.problems.append(Problem("collection.json", f"{entry.id!r} is unusable as a page path"))
            continue
        entries.append(entry)
    return entries


def _versions(entry: CollectionEntry) -> list[str]:
    return [v for v in (text(x, 128) for x in entry.versions) if version_page(entry.id, v)]


def _stat(path: Path) -> list[int]:
    try:
        st = path.stat()
        return [st.st_size, st.st_mtime_ns]
    except OSError:
        return []


def _resource_key(site: Path, entry: CollectionEntry, related: list[str], fingerprint: str) -> str:
    """Changes when anything a resource's pages show changes: its entry, its versions' files,
    the names of resources it links to, or the templates."""
    parts: list[Any] = [fingerprint, entry.to_json(), related]
    for vid in _versions(entry):
        folder = site / joined("rdfs", entry.id, vid)
        parts.append([vid, _stat(folder / "rdf.yaml"), _stat(folder / "test_summary.json"),
                      _stat(folder / "previews"), _stat(folder / "package.zip"), _stat(folder / "bundle" / "bundle.json")])
    return json_digest(parts)


def _related_names(entry: CollectionEntry, by_id: dict[str, CollectionEntry]) -> list[str]:
    """`id=name` of every resource this one links to or is linked from (its page shows them)."""
    ids = [*entry.links_to(), *entry.linked_from]
    return [f"{i}={text(by_id[i].rdf.get('name'), 200)}" for i in ids if i in by_id]


def _render_resource(r: Renderer, site: Path, entry: CollectionEntry, created: dict[tuple[str, str], str],
                     by_id: dict[str, CollectionEntry]) -> list[str]:
    """The resource page (latest version) and one page per version; returns the pages written."""
    rid = entry.id
    vids = _versions(entry)
    states = []
    for vid in vids:
        folder = site / joined("rdfs", rid, vid)
        summary = read_summary(folder / "test_summary.json")
        rdf = read_rdf(folder / "rdf.yaml")
        zoo = rdf.get("config", {}).get("bioimageio", {}) if isinstance(rdf.get("config"), dict) else {}
        states.append({"id": vid, "name": text(rdf.get("version"), 64) or vid, "created": created.get((rid, vid), ""),
                       "doi": text(zoo.get("doi"), 200) if isinstance(zoo, dict) else "",
                       "status": summary.status.overall if summary else UNKNOWN,
                       "page": version_page(rid, vid)})
    pages = []
    latest = text(entry.latest_version, 128) or (vids[0] if vids else "")
    targets = [(resource_page(rid), latest, "resource")] + [(version_page(rid, v), v, "version") for v in vids]
    for page, vid, kind in targets:
        if not page or not vid:
            continue
        root = root_of(page)
        versions = [dict(s, url=href(root, s["page"])) for s in states]
        context = page_context(site, entry, vid, page=page, root=root, by_id=by_id,
                               partners=r.partners, version_states=versions, base_url=r.options.base_url)
        r.write_page(page, "resource.html", context, page_kind=kind)
        pages.append(page)
    for vid in vids:
        preview = notebook_preview(site, entry, vid)
        if preview:
            r.write_page(preview[0], "notebook.html", preview[1])
            pages.append(preview[0])
    return pages


def run(config: SiteConfig) -> SiteSummary:
    """Render every page of the site and its search index; only what changed is re-rendered. One run
    per site folder at a time: a second waits for the first (site_lock)."""
    # the feed and sitemap append page paths to the base URL
    config = replace(config, site=Path(config.site), base_url=config.base_url.rstrip("/") + "/")
    read_collection(config.site)  # a missing or unreadable collection fails before any waiting
    with site_lock(config.site):
        return _run(config)


def _run(config: SiteConfig) -> SiteSummary:
    started = time.perf_counter()
    summary = SiteSummary()
    site = config.site
    doc = read_collection(site)
    entries = _usable_entries(doc, summary)
    by_id = {e.id: e for e in entries}
    renderer = Renderer(config, doc, summary)
    renderer.copy_static()
    manifest = read_json(site / MANIFEST, default={})
    old = manifest.get("resources", {}) if manifest.get("version") == __version__ else {}
    created = shared_pages.version_dates(site)
    new: dict[str, Any] = {}
    # partner names show on every badge and in the "runs in" facet, their usage on model pages
    # pages name the base URL, and offer "Try it" only when the site serves its runtime
    fingerprint = json_digest([renderer.fingerprint, renderer.partners, config.base_url, vendor.sources() is not None])
    for entry in entries:
        key = _resource_key(site, entry, _related_names(entry, by_id), fingerprint)
        previous = old.get(entry.id)
        if previous and previous.get("key") == key and all((site / p).is_file() for p in previous["pages"]):
            new[entry.id] = previous
            summary.unchanged += 1
            continue
        try:
            pages = _render_resource(renderer, site, entry, created, by_id)
        except Exception as e:
            # one malformed entry must not take the whole site down; it is reported instead
            summary.problems.append(Problem("collection.json",
                                            f"{entry.id}: could not render its pages ({describe(e)})"))
            continue
        new[entry.id] = {"key": key, "pages": pages}
        summary.rendered += 1
    summary.resources = len(entries)
    shared, shared_key = _shared(renderer, manifest, entries, created)
    summary.removed = _remove_stale(site, old, new, manifest.get("shared", []), shared)
    if config.search and (summary.rendered or summary.removed or set(old) != set(new)
                           or not search.is_complete(site)):
        summary.search_tool = search.write_index(
            site, _search_entries(default_order([e for e in entries if e.id in new]), renderer.partners))
        summary.search_indexed = True
    write_if_changed(site / MANIFEST, json_bytes({"version": __version__, "resources": new, "shared": sorted(shared),
                                                  "shared_key": shared_key}))
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def _search_entries(ordered: list[CollectionEntry], partners: dict[str, dict[str, Any]]) -> list[SearchEntry]:
    entries = []
    for entry in ordered:
        record = facet_record(entry, partners)
        entries.append(SearchEntry(page=resource_page(entry.id), facets=record["facets"], sort=record["sort"]))
    return entries


def _shared(renderer: Renderer, manifest: dict[str, Any], entries: list[CollectionEntry],
            created: dict[tuple[str, str], str]) -> tuple[list[str], str]:
    """Render the listing pages unless nothing they show changed; returns (their paths, key)."""
    key = json_digest([renderer.fingerprint, renderer.options.base_url, renderer.partners,
                       [e.to_json() for e in entries], sorted(created.items())])
    shared = manifest.get("shared", []) if manifest.get("version") == __version__ else []
    if manifest.get("shared_key") == key and shared and all((renderer.site / p).is_file() for p in shared):
        return shared, key
    cards = [card(e, renderer.partners) for e in entries]
    return shared_pages.render_shared(renderer, entries, cards, created), key


def _remove_stale(site: Path, old: dict[str, Any], new: dict[str, Any], old_shared: list[str],
                  shared: list[str]) -> int:
    """Delete pages this stage wrote before that no resource or listing needs any more."""
    keep = {p for entry in new.values() for p in entry["pages"]} | set(shared)
    stale = {p for entry in old.values() for p in entry.get("pages", [])} | set(old_shared)
    removed = 0
    for page in sorted(stale - keep):
        path = site / page
        if path.is_file() and path.resolve().is_relative_to(site.resolve()):
            path.unlink()
            removed += 1
    return removed
