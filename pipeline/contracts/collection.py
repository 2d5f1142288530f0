"""`collection.json` (the legacy bioimage.io collection shape, docs/format.md §10, plus zoo fields)
and `all_versions.json`: the build writes them, the site and partner tools read them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from pipeline.contracts.results import TOOL_STATES, OverallStatus, ToolState
from pipeline.contracts.stage import Problem
from pipeline.errors import BadInput

# The legacy summary fields consumers read, copied as the latest published RDF has them.
# They come from strangers' RDFs: whoever displays them bounds and escapes them.
RDF_SUMMARY_FIELDS = ("authors", "badges", "description", "icon", "license", "links", "name", "source", "tags",
                      "training_data")
COLLECTION_NAME = "BioImage Model Zoo"
FORMAT_VERSION = "0.2.3"


@dataclass(frozen=True)
class EdamTerm:
    """The EDAM ontology concept a tag names."""

    tag: str
    id: str
    label: str
    iri: str

    def to_json(self) -> dict[str, str]:
        return {"tag": self.tag, "id": self.id, "label": self.label, "iri": self.iri}


@dataclass(frozen=True)
class CollectionEntry:
    """One resource of `collection.json`: its latest accepted version's metadata plus zoo fields."""

    id: str
    type: str = "generic"
    rdf: Mapping[str, Any] = field(default_factory=dict)  # RDF_SUMMARY_FIELDS present in the RDF
    nickname: str = ""
    nickname_icon: str = ""
    owners: tuple[int | str, ...] = ()
    concept_doi: str | None = None
    doi: str | None = None
    created: str = ""  # of its latest accepted version, as the legacy collection has it
    latest_version: str = ""
    versions: tuple[str, ...] = ()  # accepted, newest first
    rdf_source: str = ""  # site-relative rdf.yaml of the latest version
    rdf_sha256: str = ""
    download_url: str | None = None  # site-relative zip package
    covers: tuple[str, ...] = ()  # site-relative thumbnails
    download_count: int = 0
    source_kind: str = "zenodo"  # or partner:<id>
    status: OverallStatus | None = None
    compatibility: Mapping[str, ToolState] = field(default_factory=dict)
    weights_formats: tuple[str, ...] = ()
    edam: tuple[EdamTerm, ...] = ()
    linked_from: tuple[str, ...] = ()  # resources whose links or training data name this one

    def links_to(self) -> list[str]:
        """Ids this resource names as related or as its training data."""
        links = self.rdf.get("links")
        targets = [x for x in links if isinstance(x, str)] if isinstance(links, list) else []
        training = self.rdf.get("training_data")
        if isinstance(training, dict) and isinstance(training.get("id"), str):
            targets.append(training["id"])
        return targets

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {k: self.rdf[k] for k in RDF_SUMMARY_FIELDS if k in self.rdf}
        data.update(
            id=self.id, type=self.type, nickname=self.nickname, nickname_icon=self.nickname_icon,
            owners=list(self.owners), concept_doi=self.concept_doi, doi=self.doi, created=self.created,
            latest_version=self.latest_version, versions=list(self.versions), rdf_source=self.rdf_source,
            rdf_sha256=self.rdf_sha256, download_url=self.download_url, covers=list(self.covers),
            download_count=self.download_count, source_kind=self.source_kind,
            status=self.status.to_json() if self.status else {}, compatibility=dict(self.compatibility),
            weights_formats=list(self.weights_formats), edam=[t.to_json() for t in self.edam],
        )
        if self.linked_from:
            data["linked_from"] = list(self.linked_from)
        return data

    @classmethod
    def from_json(cls, data: Any, *, source: str = "", loc: Sequence[str | int] = ()) -> "CollectionEntry":
        """Check the zoo fields of one entry (missing ones take their defaults), naming the
        field that is wrong; the RDF's own fields are kept as they are."""
        def bad(msg: str, *key: str) -> BadInput:
            return BadInput(msg, source=source, loc=(*loc, *key))

        if not isinstance(data, dict):
            raise bad(f"expected a collection entry (a mapping), got {type(data).__name__}")
        if not isinstance(data.get("id"), str):
            raise bad(f"expected a string, got {data.get('id')!r}", "id")
        for key in ("type", "nickname", "nickname_icon", "created", "latest_version", "rdf_source", "rdf_sha256",
                    "source_kind"):
            if key in data and not isinstance(data[key], str):
                raise bad(f"expected a string, got {type(data[key]).__name__}", key)
        for key in ("concept_doi", "doi", "download_url"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise bad(f"expected a string or null, got {type(data[key]).__name__}", key)
        lists = {key: _strings(data, key, bad) for key in ("versions", "covers", "weights_formats", "linked_from")}
        owners = data.get("owners", [])
        if not isinstance(owners, list) or not all(isinstance(o, (int, str)) for o in owners):
            raise bad("expected a list of user ids or names", "owners")
        count = data.get("download_count", 0)
        if isinstance(count, bool) or not isinstance(count, int):
            raise bad(f"expected an integer, got {type(count).__name__}", "download_count")
        compat = data.get("compatibility", {})
        if not isinstance(compat, dict) or not all(isinstance(v, str) and v in TOOL_STATES for v in compat.values()):
            raise bad(f"expected a mapping of tool -> one of {', '.join(TOOL_STATES)}", "compatibility")
        status = data.get("status")
        return cls(
            id=data["id"], type=data.get("type", "generic"), rdf={k: data[k] for k in RDF_SUMMARY_FIELDS if k in data},
            nickname=data.get("nickname", ""), nickname_icon=data.get("nickname_icon", ""), owners=tuple(owners),
            concept_doi=data.get("concept_doi"), doi=data.get("doi"), created=data.get("created", ""),
            latest_version=data.get("latest_version", ""), versions=lists["versions"],
            rdf_source=data.get("rdf_source", ""), rdf_sha256=data.get("rdf_sha256", ""),
            download_url=data.get("download_url"), covers=lists["covers"], download_count=count,
            source_kind=data.get("source_kind", "zenodo"),
            status=OverallStatus.from_json(status, source=source, loc=(*loc, "status")) if status else None,
            compatibility={str(k): v for k, v in compat.items()}, weights_formats=lists["weights_formats"],
            edam=_edam(data.get("edam", []), bad), linked_from=lists["linked_from"],
        )


def _strings(data: dict[str, Any], key: str, bad: Any) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad("expected a list of strings", key)
    return tuple(value)


def _edam(value: Any, bad: Any) -> tuple[EdamTerm, ...]:
    keys = ("tag", "id", "label", "iri")
    if not isinstance(value, list) or not all(
            isinstance(t, dict) and all(isinstance(t.get(k), str) for k in keys) for t in value):
        raise bad("expected a list of {tag, id, label, iri}", "edam")
    return tuple(EdamTerm(*(t[k] for k in keys)) for t in value)


@dataclass(frozen=True)
class CollectionDocument:
    """The whole `collection.json`: its entries (sorted by id) and the registered partners."""

    entries: tuple[CollectionEntry, ...]
    partners: tuple[Mapping[str, str], ...] = ()  # {id, name} of every registered partner
    generated_by: str = ""
    problems: tuple[Problem, ...] = ()  # entries from_json could not read (it keeps the rest)

    def to_json(self) -> dict[str, Any]:
        entries = sorted(self.entries, key=lambda e: e.id)
        return {
            "format_version": FORMAT_VERSION,
            "type": "collection",
            "name": COLLECTION_NAME,
            "description": "Models, datasets, notebooks and applications for bioimage analysis.",
            "authors": [{"name": "BioImage Model Zoo maintainers"}],
            "config": {
                "generated_by": self.generated_by,
                "n_resources": dict(sorted(Counter(e.type for e in entries).items())),
                "partners": [dict(p) for p in self.partners],
            },
            "collection": [e.to_json() for e in entries],
        }

    @classmethod
    def from_json(cls, data: Any, *, source: str) -> "CollectionDocument":
        """The readable entries, in order; BadInput only when the document itself is unusable."""
        if not isinstance(data, dict) or not isinstance(data.get("collection"), list):
            raise BadInput("expected an object with a `collection` list", source=source, loc=["collection"])
        entries, problems, seen = [], [], set()
        for index, item in enumerate(data["collection"]):
            try:
                entry = CollectionEntry.from_json(item, source=source, loc=("collection", index))
            except BadInput as e:
                problems.append(Problem.of(e))
                continue
            if entry.id in seen:
                problems.append(Problem(source, f"duplicate id {entry.id!r}", ("collection", index, "id")))
                continue
            seen.add(entry.id)
            entries.append(entry)
        config = data.get("config") if isinstance(data.get("config"), dict) else {}
        listed = config.get("partners") if isinstance(config.get("partners"), list) else []
        partners = tuple({k: p[k] for k in ("id", "name") if isinstance(p.get(k), str)}
                         for p in listed if isinstance(p, dict) and isinstance(p.get("id"), str))
        generated_by = config.get("generated_by") if isinstance(config.get("generated_by"), str) else ""
        return cls(tuple(entries), partners, generated_by, tuple(problems))


@dataclass(frozen=True)
class VersionRow:
    """One accepted version in `all_versions.json`, for tools that mirror the zoo."""

    id: str
    version_id: str
    rdf_source: str
    rdf_sha256: str
    created: str
    doi: str | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "version_id": self.version_id, "rdf_source": self.rdf_source,
                "rdf_sha256": self.rdf_sha256, "created": self.created, "doi": self.doi}

    @classmethod
    def from_json(cls, data: Any, *, source: str = "", loc: Sequence[str | int] = ()) -> "VersionRow":
        if not isinstance(data, dict):
            raise BadInput("expected a mapping", source=source, loc=loc)
        for key in ("id", "version_id", "rdf_source", "rdf_sha256", "created"):
            if not isinstance(data.get(key, ""), str):
                raise BadInput("expected a string", source=source, loc=(*loc, key))
        if data.get("doi") is not None and not isinstance(data["doi"], str):
            raise BadInput("expected a string or null", source=source, loc=(*loc, "doi"))
        return cls(data.get("id", ""), data.get("version_id", ""), data.get("rdf_source", ""),
                   data.get("rdf_sha256", ""), data.get("created", ""), data.get("doi"))


def all_versions_document(rows: Sequence[VersionRow]) -> dict[str, Any]:
    """The whole `all_versions.json`, rows sorted by resource and version id."""
    return {"versions": [r.to_json() for r in sorted(rows, key=lambda r: (r.id, r.version_id))]}


def read_versions(data: Any, *, source: str) -> list[VersionRow]:
    """The readable rows of `all_versions.json` (an unreadable row is skipped)."""
    rows = data.get("versions") if isinstance(data, dict) else None
    found = []
    for index, row in enumerate(rows if isinstance(rows, list) else []):
        try:
            found.append(VersionRow.from_json(row, source=source, loc=("versions", index)))
        except BadInput:
            continue
    return found
