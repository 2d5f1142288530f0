"""Harvest Zenodo records into the store: one resource per concept DOI, one version per record."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import replace
from typing import Callable

from pipeline.errors import BadInput, describe
from pipeline.sources.checks import check_inside, validation_errors
from pipeline.sources.summary import SourceSummary
from pipeline.sources.zenodo import ZenodoClient, ZenodoFile, ZenodoRecord
from pipeline.spec import LoadedRdf, find_rdf_name, parse_rdf
from pipeline.store import Resource, Store, Version
from pipeline.store.model import ACCEPTED, BLOCKED, PENDING, check_version_id
from pipeline.store.nicknames import assign

Progress = Callable[[str], None]


def harvest_zenodo(client: ZenodoClient, store: Store, taken: set[str], *, validate: bool = True,
                   accept: bool = False, progress: Progress | None = None) -> SourceSummary:
    """List every record, then add new versions to the store; one bad record never stops the rest."""
    summary = SourceSummary("zenodo")
    try:
        listing = client.list_records()
    except BadInput as e:
        summary.error = str(e)
        return summary
    summary.failed += [(f"record {rid}", msg) for rid, msg in listing.broken]
    groups: dict[str, list[ZenodoRecord]] = defaultdict(list)
    for record in listing.records:
        groups[record.concept_doi].append(record)
    for i, concept in enumerate(sorted(groups)):
        if progress:
            progress(f"zenodo {i + 1}/{len(groups)} {concept}")
        try:
            _harvest_resource(client, store, concept, groups[concept], taken, summary, validate, accept)
        except Exception as e:  # one record must not end the harvest: the rest go on
            summary.failed.append((concept, describe(e)))
    store.write_download_counts(download_counts(listing.records))
    return summary


def download_counts(records: list[ZenodoRecord]) -> dict[str, int]:
    """Downloads per concept: Zenodo counts all versions together, so the largest figure any of
    its records shows (records listed at different moments may lag)."""
    counts: dict[str, int] = {}
    for record in records:
        if record.downloads is not None:
            counts[record.concept_doi] = max(counts.get(record.concept_doi, 0), record.downloads)
    return counts


def _harvest_resource(client: ZenodoClient, store: Store, concept: str, records: list[ZenodoRecord],
                      taken: set[str], summary: SourceSummary, validate: bool, accept: bool) -> None:
    resource = store.get(concept)  # a damaged file raises: reported, never overwritten
    changed = False
    for record in sorted(records, key=lambda r: (r.created, _num(r.record_id))):
        item = f"{concept} v{record.record_id}"
        if record.is_backup:
            summary.skipped.append(item)
            continue
        try:
            version, rdf_type, owners = _version(client, record, resource, item, summary, validate)
        except Exception as e:
            summary.failed.append((item, describe(e)))
            continue
        if version is None:
            summary.unchanged += 1
            continue
        if accept:
            version.status = ACCEPTED
        if resource is None:
            nickname, icon = assign(concept, taken)
            taken.add(nickname)
            resource = Resource(id=concept, type=rdf_type, source="zenodo", doi=concept, owners=owners,
                                nickname=nickname, nickname_icon=icon)
        known = [v for v in resource.versions if v.version_id == version.version_id]
        if not known:
            resource.versions.append(version)
            summary.new.append(item)
        for old in known:
            resource.versions[resource.versions.index(old)] = _renewed(old, version)
        if known:
            summary.updated.append(item)
        changed = True
    if changed and resource is not None:
        resource.versions.sort(key=lambda v: (v.created, _num(v.version_id)), reverse=True)
        resource.name = resource.versions[0].name or resource.name
        store.put(resource)


def _renewed(old: Version, new: Version) -> Version:
    """A known version after its record was read again: the maintainers' fields, overrides and
    block survive. A version the store already had before this pipeline harvested it (no
    recorded checksum, imported from an existing collection) keeps everything it says and its
    status; only where to fetch the RDF and its checksums are filled in."""
    adopted = old.rdf_checksum is None and old.rdf_sha256 in ("", new.rdf_sha256)
    if adopted:
        return replace(old, rdf_source=new.rdf_source, rdf_sha256=new.rdf_sha256, rdf_checksum=new.rdf_checksum,
                       doi=old.doi or new.doi, created=old.created or new.created, name=old.name or new.name)
    return replace(new, overrides=old.overrides, fields=old.fields,
                   status=BLOCKED if old.status == BLOCKED else new.status)


def _version(client: ZenodoClient, record: ZenodoRecord, resource: Resource | None, item: str,
             summary: SourceSummary, validate: bool) -> tuple[Version | None, str, list]:
    rdf_file = pick_rdf(record)
    check_version_id(record.record_id, loc=("id",))  # the record id names the version's folder
    existing = resource.version(record.record_id) if resource else None
    if existing is not None and existing.rdf_checksum == rdf_file.checksum:
        return None, "", []
    raw = client.fetch_file(record, rdf_file)
    url = client.file_url(record, rdf_file.key)
    data = parse_rdf(raw, source=url)
    check_inside(data, {f.key for f in record.files}, source=url)
    location = client.transport.location(url)
    sha256 = hashlib.sha256(raw).hexdigest()
    if validate:
        errors = validation_errors(_loaded(data, location, rdf_file.key, sha256))
        if errors:
            summary.invalid.append((item, "; ".join(errors[:5]) + (" ..." if len(errors) > 5 else "")))
    version = Version(
        version_id=record.record_id, doi=record.doi, created=record.created,
        name=str(data.get("name") or record.title), version_name=record.version or str(data.get("version") or ""),
        rdf_source=location, rdf_sha256=sha256, rdf_checksum=rdf_file.checksum, status=PENDING,
    )
    return version, str(data.get("type") or "generic"), list(record.owners)


def pick_rdf(record: ZenodoRecord) -> ZenodoFile:
    """The record's RDF file (docs/format.md §1 names), or BadInput listing what the record holds."""
    name = find_rdf_name(f.key for f in record.files)
    if name is None:
        keys = ", ".join(sorted(f.key for f in record.files)[:10]) or "none"
        raise BadInput(f"no rdf.yaml or *.bioimageio.yaml among the record's files ({keys})")
    return next(f for f in record.files if f.key == name)


def _loaded(data: dict, location: str, file_name: str, sha256: str) -> LoadedRdf:
    from pipeline.spec import FolderRoot, UrlRoot

    if location.startswith(("http://", "https://")):
        root = UrlRoot(location)
    else:
        from pathlib import Path

        root = FolderRoot(Path(location).parent)
    return LoadedRdf(data=data, root=root, source=location, file_name=file_name, sha256=sha256)


def _num(text: str) -> int:
    return int(text) if text.isdigit() else 0
