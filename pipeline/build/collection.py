"""`collection.json` (the legacy bioimage.io collection shape, extended) and `all_versions.json`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pipeline import __version__
from pipeline.build.edam import edam_term, normalize_tag
from pipeline.contracts.partners import Partner

# The legacy summary fields consumers read (FORMAT.md §10), copied from the published RDF.
RDF_SUMMARY_FIELDS = ("authors", "badges", "description", "icon", "license", "links", "name",
                      "source", "tags", "training_data", "type")


@dataclass
class BuiltVersion:
    """What the build published for one accepted version; the input of every summary."""

    resource_id: str
    version_id: str
    rdf: dict[str, Any]  # as published: overrides applied, zoo fields under config.bioimageio
    rdf_path: str  # site-relative
    rdf_sha256: str
    created: str
    doi: str | None
    status: dict[str, Any]  # the test summary's overall status block
    compatibility: dict[str, str]  # tool -> passed|failed|skipped|unknown
    covers: list[str] = field(default_factory=list)  # site-relative thumbnails
    package_path: str | None = None  # site-relative zip
    weights_formats: list[str] = field(default_factory=list)


def resource_summary(resource: dict[str, Any], versions: list[BuiltVersion]) -> dict[str, Any]:
    """One collection entry: the latest accepted version's metadata plus zoo fields."""
    latest = versions[0]
    summary: dict[str, Any] = {k: latest.rdf[k] for k in RDF_SUMMARY_FIELDS if k in latest.rdf}
    summary.update(
        id=resource["id"],
        type=latest.rdf.get("type", resource.get("type", "generic")),
        nickname=resource.get("nickname"),
        nickname_icon=resource.get("nickname_icon"),
        owners=resource.get("owners", []),
        concept_doi=resource.get("doi"),
        doi=latest.doi,
        created=versions[-1].created,
        latest_version=latest.version_id,
        versions=[v.version_id for v in versions],
        rdf_source=latest.rdf_path,
        rdf_sha256=latest.rdf_sha256,
        download_url=latest.package_path,
        covers=latest.covers,
        download_count=resource.get("download_count", 0),
        source_kind=resource.get("source", "zenodo"),
        status=latest.status,
        compatibility=latest.compatibility,
        weights_formats=latest.weights_formats,
        edam=_edam_terms(latest.rdf.get("tags", [])),
    )
    return summary


def _edam_terms(tags: Any) -> list[dict[str, str]]:
    terms: dict[str, dict[str, str]] = {}
    for tag in tags if isinstance(tags, list) else []:
        term = edam_term(str(tag))
        if term is not None:
            terms.setdefault(term.id, {"tag": normalize_tag(str(tag)), "id": term.id,
                                       "label": term.label, "iri": term.iri})
    return sorted(terms.values(), key=lambda t: t["id"])


def link_resources(summaries: list[dict[str, Any]]) -> None:
    """Make `links` and `training_data` two-way: a dataset lists the models trained on it."""
    by_id = {s["id"]: s for s in summaries}
    for summary in summaries:
        targets = [str(x) for x in summary.get("links", []) if isinstance(x, str)]
        training = summary.get("training_data")
        if isinstance(training, dict) and isinstance(training.get("id"), str):
            targets.append(training["id"])
        for target in targets:
            other = by_id.get(target)
            if other is not None and other is not summary:
                back = other.setdefault("linked_from", [])
                if summary["id"] not in back:
                    back.append(summary["id"])
    for summary in summaries:
        if "linked_from" in summary:
            summary["linked_from"].sort()


def collection_document(summaries: list[dict[str, Any]], partners: list[Partner]) -> dict[str, Any]:
    """The whole `collection.json`: entries sorted by id, counts per type in `config`."""
    entries = sorted(summaries, key=lambda s: s["id"])
    return {
        "format_version": "0.2.3",
        "type": "collection",
        "name": "BioImage Model Zoo",
        "description": "Models, datasets, notebooks and applications for bioimage analysis.",
        "authors": [{"name": "BioImage Model Zoo maintainers"}],
        "config": {
            "generated_by": f"bioimage-zoo-pipeline {__version__}",
            "n_resources": dict(sorted(Counter(s["type"] for s in entries).items())),
            "partners": [{"id": p.id, **({"name": p.name} if p.name is not None else {})} for p in partners],
        },
        "collection": entries,
    }


def all_versions_document(versions: list[BuiltVersion]) -> dict[str, Any]:
    """Every accepted version with its RDF URL and sha256, for tools that mirror the zoo."""
    rows = sorted(versions, key=lambda v: (v.resource_id, v.version_id))
    return {
        "versions": [
            {"id": v.resource_id, "version_id": v.version_id, "rdf_source": v.rdf_path,
             "rdf_sha256": v.rdf_sha256, "created": v.created, "doi": v.doi}
            for v in rows
        ]
    }
