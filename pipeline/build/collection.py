"""The collection entries and version rows of what the build published (their files' shapes are
`contracts.collection`)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

from pipeline.build.edam import edam_term, normalize_tag
from pipeline.contracts.collection import RDF_SUMMARY_FIELDS, CollectionEntry, EdamTerm, VersionRow
from pipeline.contracts.results import PASSED, OverallStatus, TestEntry, tool_state
from pipeline.store.nicknames import icon_of
from pipeline.store.model import Resource


@dataclass
class BuiltVersion:
    """What the build published for one accepted version; the input of every summary."""

    resource_id: str
    version_id: str
    rdf: dict[str, Any]  # RDF_SUMMARY_FIELDS and type of the published RDF
    rdf_path: str  # site-relative
    rdf_sha256: str
    created: str
    doi: str | None
    status: dict[str, Any]  # the test summary's overall status block
    compatibility: dict[str, str]  # tool -> passed|failed|skipped|unknown
    covers: list[str] = field(default_factory=list)  # site-relative thumbnails
    package_path: str | None = None  # site-relative zip
    weights_formats: list[str] = field(default_factory=list)
    loaded: bool = True  # False: its RDF could not be loaded; published as failed, never as latest
    tool_links: list[str] = field(default_factory=list)  # what partner reports say it should link

    def row(self) -> VersionRow:
        return VersionRow(self.resource_id, self.version_id, self.rdf_path, self.rdf_sha256, self.created, self.doi)


# A resource without download statistics counts 1, as the legacy collection wrote it.
UNKNOWN_DOWNLOADS = 1
# Caps on what collection.json repeats of a stranger's RDF (the RDF itself is published whole,
# beside it): the format's own limits where it has them, generous ones elsewhere.
TEXT_LIMITS = {"description": 1024, "name": 128}
MAX_TEXT = 1024
MAX_ITEMS = 100  # authors, tags, links, badges...
MAX_KEYS = 50
MAX_DEPTH = 4


def summary_fields(rdf: dict[str, Any]) -> dict[str, Any]:
    """What a built version keeps of its published RDF for the collection entry, bounded."""
    return {k: bounded(rdf[k], TEXT_LIMITS.get(k, MAX_TEXT))
            for k in (*RDF_SUMMARY_FIELDS, "type", "download_url") if k in rdf}


def bounded(value: Any, text: int = MAX_TEXT, depth: int = 0) -> Any:
    """`value` with strings cut at `text` characters (ending in "..."), lists at MAX_ITEMS items,
    mappings at MAX_KEYS keys, and nothing nested deeper than MAX_DEPTH."""
    if isinstance(value, str):
        return value if len(value) <= text else value[:text - 3] + "..."
    if depth >= MAX_DEPTH and isinstance(value, (list, dict)):
        return None
    if isinstance(value, list):
        return [bounded(v, MAX_TEXT, depth + 1) for v in value[:MAX_ITEMS]]
    if isinstance(value, dict):
        return {str(k)[:MAX_TEXT]: bounded(v, MAX_TEXT, depth + 1) for k, v in list(value.items())[:MAX_KEYS]}
    return value


def tool_links(partner_tests: Mapping[str, Sequence[TestEntry]]) -> list[str]:
    """Links partner reports ask for: those a passed report names, and `<tool>/<tool>` (the
    tool's own entry) when all of a tool's tests of the version passed (the paper-era rule)."""
    links: list[str] = []
    for tool, tests in sorted(partner_tests.items()):
        links += [link for test in tests if test.status == PASSED for link in test.links]
        if tests and tool_state(tests) == PASSED:
            links.append(f"{tool}/{tool}")
    return list(dict.fromkeys(links))


def resource_summary(resource: Resource, versions: list[BuiltVersion], *, download_count: int | None = None,
                     known_ids: frozenset[str] | set[str] = frozenset()) -> CollectionEntry:
    """One collection entry: the latest accepted version's metadata plus zoo fields."""
    latest = versions[0]
    rdf = {k: v for k, v in latest.rdf.items() if k not in ("type", "download_url")}
    wanted = [link for link in latest.tool_links if link in known_ids and link != resource.id]
    if wanted:
        links = [x for x in rdf.get("links", []) if isinstance(x, str)] if isinstance(rdf.get("links"), list) else []
        rdf["links"] = links + [link for link in wanted if link not in links]
    own_download = latest.rdf.get("download_url")
    return CollectionEntry(
        id=resource.id,
        type=latest.rdf.get("type", resource.type),
        rdf=rdf,
        nickname=resource.nickname,
        nickname_icon=resource.nickname_icon or icon_of(resource.nickname),
        owners=tuple(resource.owners),
        concept_doi=resource.doi,
        doi=latest.doi,
        created=latest.created,  # as the store has it: an imported store keeps its own notation
        latest_version=latest.version_id,
        versions=tuple(v.version_id for v in versions),
        rdf_source=latest.rdf_path,
        rdf_sha256=latest.rdf_sha256,
        # the RDF's own download location where it names one (as the legacy collection), else our package
        download_url=own_download if isinstance(own_download, str) and own_download else latest.package_path,
        covers=tuple(latest.covers),
        download_count=UNKNOWN_DOWNLOADS if download_count is None else download_count,
        source_kind=resource.source,
        status=OverallStatus.from_json(latest.status),
        compatibility=latest.compatibility,
        weights_formats=tuple(latest.weights_formats),
        edam=_edam_terms(latest.rdf.get("tags", [])),
    )


def _edam_terms(tags: Any) -> tuple[EdamTerm, ...]:
    terms: dict[str, EdamTerm] = {}
    for tag in tags if isinstance(tags, list) else []:
        term = edam_term(str(tag))
        if term is not None:
            terms.setdefault(term.id, EdamTerm(normalize_tag(str(tag)), term.id, term.label, term.iri))
    return tuple(sorted(terms.values(), key=lambda t: t.id))


def link_resources(entries: list[CollectionEntry]) -> list[CollectionEntry]:
    """The entries with `linked_from` filled: a dataset lists the models trained on it."""
    ids = {e.id for e in entries}
    back: dict[str, set[str]] = {}
    for entry in entries:
        for target in entry.links_to():
            if target in ids and target != entry.id:
                back.setdefault(target, set()).add(entry.id)
    return [replace(e, linked_from=tuple(sorted(back[e.id]))) if e.id in back else e for e in entries]
