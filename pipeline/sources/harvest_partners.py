"""Harvest partner collections: each entry becomes resource `<partner id>/<entry id>`.

A partner whose collection file hashes as last time is skipped; entries that disappeared from a
collection are marked `deleted` (never dropped); an unreachable or malformed collection fails
that partner only and leaves its stored resources untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from pipeline.contracts.partners import Collection, Partner, read_partners
from pipeline.errors import BadInput, describe
from pipeline.sources.checks import validation_errors
from pipeline.base.http import HttpPolicy
from pipeline.sources.partners import collection_location
from pipeline.sources.summary import SourceSummary
from pipeline.sources.imjoy import MAX_PLUGIN_BYTES, is_plugin, plugin_fields
from pipeline.spec import LoadedRdf, UrlRoot, load_rdf, referenced_files
from pipeline.spec.files import replace_reference
from pipeline.spec.root import is_url
from pipeline.store import Resource, Store, Version, yaml
from pipeline.store.model import ACCEPTED, BLOCKED, DELETED, PENDING, check_version_id, data_digest
from pipeline.store.store import check_id

Progress = Callable[[str], None]
ENTRY_SOURCE_KEYS = ("rdf_source", "entry_source", "entry_sha256")


LATEST = "latest"  # the version id of an entry that names no version of its own, as the paper-era zoo


@dataclass
class Entry:
    """One resolved collection entry: final data, its own RDF location (if any) and that RDF's
    data, and the keys the collection entry itself wrote."""

    entry_id: str
    data: dict[str, Any] | None
    own_source: str | None = None
    own_data: dict[str, Any] | None = None
    error: str | None = None
    keys: dict[str, Any] | None = None


def harvest_partners(folder: Path, store: Store, taken: set[str], *, policy: HttpPolicy | None = None,
                     validate: bool = True, accept: bool = False,
                     progress: Progress | None = None) -> list[SourceSummary]:
    """One summary per registered partner (and one per unreadable registration)."""
    if not Path(folder).exists():
        return [SourceSummary("partners", error=f"{folder}: no such partners folder or file")]
    partners, problems = read_partners(Path(folder))
    summaries = [SourceSummary(f"partner:{Path(e.source or '').stem}", error=str(e)) for e in problems]
    for partner in partners:
        if partner.collection is None:
            continue  # a partner that only publishes test results has nothing to harvest
        if progress:
            progress(f"partner {partner.id}")
        summary = SourceSummary(f"partner:{partner.id}")
        try:
            _harvest_partner(partner, partner.collection, store, taken, summary, policy, validate, accept)
        except Exception as e:  # one partner must not end the harvest of the others
            summary.error = describe(e)
        summaries.append(summary)
    return summaries


def _harvest_partner(partner: Partner, collection: Collection, store: Store, taken: set[str],
                     summary: SourceSummary, policy: HttpPolicy | None, validate: bool, accept: bool) -> None:
    location = collection_location(partner, collection, store.root / ".state" / "git")
    loaded = load_rdf(location, policy=policy)
    if loaded.data.get("type") != "collection" or not isinstance(loaded.data.get("collection"), list):
        raise BadInput("expected a collection RDF (type: collection, with a `collection` list)", source=location)
    state_name = f"partner-{partner.id}"
    stored = [r for r in _partner_resources(store, partner.id)]
    if store.read_state(state_name) == {"collection_sha256": loaded.sha256, "location": location}:
        summary.unchanged = sum(len(r.versions) for r in stored)
        return
    entries = resolve_entries(loaded, policy)
    present = set()
    for entry in entries:
        rid = f"{partner.id}/{entry.entry_id}"
        present.add(rid)
        try:
            check_id(rid)
            if entry.error or entry.data is None:
                raise BadInput(entry.error or "entry could not be resolved")
            entry.data = _as_published(partner, loaded, entry)
            _store_entry(partner, store, rid, entry, taken, summary, validate, accept)
        except Exception as e:  # one entry (an id too long for a file name, a clash) must not lose the rest
            summary.failed.append((rid, describe(e)))
    for resource in stored:
        if resource.id not in present:
            _mark_deleted(store, resource, summary)
    if not summary.failed:
        # Only a fully successful pass may let the next run skip this collection.
        store.write_state(state_name, {"collection_sha256": loaded.sha256, "location": location})


def _partner_resources(store: Store, partner_id: str) -> list[Resource]:
    found = []
    for rid in store.ids():
        if rid.startswith(f"{partner_id}/"):
            resource = store.get(rid)
            if resource is not None and resource.source == f"partner:{partner_id}":
                found.append(resource)
    return found


def _as_published(partner: Partner, loaded: LoadedRdf, entry: Entry) -> dict[str, Any]:
    """An entry's data as the paper-era collection published it: an ImJoy plugin's fields under
    the entry's own keys, bare links prefixed with the partner id, and, for an inline entry of a
    remote collection, its relative file references made absolute (it is kept in the store, away
    from the collection's folder)."""
    data = dict(entry.data or {})
    keys = entry.keys or {}
    if is_plugin(data.get("source")):
        # The plugin's fields go under those of whoever named it (the entry, or its own RDF).
        above = keys if "source" in keys else {**(entry.own_data or {}), **keys}
        text = loaded.root.read_bytes(str(data["source"]), max_bytes=MAX_PLUGIN_BYTES)
        plugin = plugin_fields(text.decode("utf-8", "replace"), source=loaded.root.resolve(str(data["source"])))
        data.update({k: v for k, v in plugin.items() if k not in above})
    if isinstance(data.get("links"), list):
        data["links"] = [f"{partner.id}/{x}" if isinstance(x, str) and "/" not in x else x for x in data["links"]]
    if entry.own_source is None and isinstance(loaded.root, UrlRoot):
        for ref in referenced_files(data):
            if not is_url(ref.source):
                try:
                    replace_reference(data, ref.loc, ref.source, loaded.root.resolve(ref.source))
                except BadInput:
                    continue  # a reference out of the collection's folder is the validator's to report
    return data


def _store_entry(partner: Partner, store: Store, rid: str, entry: Entry, taken: set[str],
                 summary: SourceSummary, validate: bool, accept: bool) -> None:
    data = dict(entry.data or {})
    data["id"] = rid
    digest = data_digest(data)
    # The entry's own version, never one inherited from the collection's fields.
    own_version = {**(entry.own_data or {}), **(entry.keys or {})}.get("version")
    version_id = str(own_version) if isinstance(own_version, (str, int, float)) and str(own_version) else LATEST
    check_version_id(version_id, loc=("version",))  # it becomes a folder: checked here, where it enters
    resource = store.get(rid)
    old = resource.version(version_id) if resource else None
    if old is not None and old.rdf_sha256 == digest and old.status != DELETED:
        summary.unchanged += 1
        return
    if validate:
        errors = validation_errors(_as_loaded(data, entry, store, rid))
        if errors:
            summary.invalid.append((rid, "; ".join(errors[:5])))
    if entry.own_source:
        rdf_source = entry.own_source
        overlay = {k: v for k, v in data.items() if (entry.own_data or {}).get(k) != v}
    else:
        # An inline entry has no file of its own: the resolved description is kept in the store.
        rdf_path = store.path(rid).parent / "rdf.yaml"
        store.write_file(rdf_path, yaml.dumps(data).encode())
        rdf_source, overlay = f"{rid}/rdf.yaml", None  # relative: resolved against the store root
    version = Version(
        version_id=version_id, rdf_source=rdf_source, rdf_sha256=digest, status=ACCEPTED if accept else PENDING,
        created=(old.created if old else "") or _created(data), name=str(data.get("name") or ""),
        version_name=str(data.get("version") or ""), partner_overlay=overlay or None,
        overrides=old.overrides if old else None,
    )
    if resource is None:
        # No invented nickname: only one the partner gives (the paper-era entries have none).
        nickname, icon = _given_nickname(data, taken)
        if nickname:
            taken.add(nickname)
        resource = Resource(id=rid, type=str(data.get("type") or "generic"), source=f"partner:{partner.id}",
                            nickname=nickname, nickname_icon=icon)
        summary.new.append(rid)
    elif old is None:
        summary.new.append(f"{rid} v{version_id}")
    else:
        summary.updated.append(rid)
    if old is not None and old.status == BLOCKED:
        version.status = BLOCKED
    if old is not None:
        resource.versions.remove(old)
    resource.versions.insert(0, version)
    resource.name = version.name or resource.name
    store.put(resource)


def _given_nickname(data: dict[str, Any], taken: set[str]) -> tuple[str, str]:
    """The nickname (and icon) an entry names in `config.bioimageio`, unless another resource holds it."""
    config = data.get("config") if isinstance(data.get("config"), dict) else {}
    zoo = config.get("bioimageio") if isinstance(config.get("bioimageio"), dict) else {}
    nickname, icon = zoo.get("nickname"), zoo.get("nickname_icon")
    if not isinstance(nickname, str) or not nickname or nickname in taken:
        return "", ""
    return nickname, icon if isinstance(icon, str) else ""


def _mark_deleted(store: Store, resource: Resource, summary: SourceSummary) -> None:
    changed = False
    for version in resource.versions:
        if version.status not in (DELETED, BLOCKED):
            version.status = DELETED
            changed = True
    if changed:
        store.put(resource)
        summary.deleted.append(resource.id)


def _created(data: dict[str, Any]) -> str:
    from pipeline.sources.zenodo import normalize_time

    stamp = normalize_time(data.get("timestamp")) if data.get("timestamp") else ""
    return stamp or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _as_loaded(data: dict, entry: Entry, store: Store, rid: str) -> LoadedRdf:
    from pipeline.spec import FolderRoot, UrlRoot

    source = entry.own_source or str(store.path(rid).parent / "rdf.yaml")
    root = UrlRoot(source) if source.startswith(("http://", "https://")) else FolderRoot(Path(source).parent)
    return LoadedRdf(data=data, root=root, source=source, file_name=Path(source).name, sha256="")


def resolve_entries(loaded: LoadedRdf, policy: HttpPolicy | None) -> list[Entry]:
    """Entries per docs/format.md §8 (the format library's resolver), plus each entry's own RDF."""
    from pipeline.spec import resolve_collection

    collection_id = str(loaded.data.get("id") or "")
    raw_by_id = {str(e.get("id")): e for e in loaded.data["collection"] if isinstance(e, dict)}
    entries = []
    for resolved in resolve_collection(loaded, policy=policy):
        entry_id = resolved.id.removeprefix(f"{collection_id}/") if collection_id else resolved.id
        entry = Entry(entry_id=entry_id, data=resolved.data, error=resolved.error,
                      keys={k: v for k, v in raw_by_id.get(entry_id, {}).items() if k not in ENTRY_SOURCE_KEYS})
        own = next((raw_by_id.get(entry_id, {}).get(k) for k in ("rdf_source", "entry_source")
                    if raw_by_id.get(entry_id, {}).get(k)), None)
        if own and entry.error is None:
            try:
                entry.own_source = loaded.root.resolve(str(own))
                entry.own_data = load_rdf(entry.own_source, policy=policy).data
            except BadInput as e:
                entry.error = str(e)
        entries.append(entry)
    return entries

