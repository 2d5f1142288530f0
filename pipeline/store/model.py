"""The resource record kept in `collection/<resource id>/resource.yaml`, as typed data."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Final, Literal, get_args

from pipeline.base.digest import json_digest
from pipeline.base.paths import safe_id, safe_segment
from pipeline.errors import BadInput

ResourceStatus = Literal["accepted", "blocked"]
VersionStatus = Literal["accepted", "blocked", "deleted", "pending"]
ACCEPTED: Final = "accepted"  # published (a resource), or merged through its contribution PR (a version)
BLOCKED: Final = "blocked"  # by a maintainer: never published, never proposed again
DELETED: Final = "deleted"  # gone from its source; kept, never published
PENDING: Final = "pending"  # harvested, waiting for its contribution PR
RESOURCE_STATUSES: tuple[str, ...] = get_args(ResourceStatus)
VERSION_STATUSES: tuple[str, ...] = get_args(VersionStatus)


def rdf_location(store_root: "os.PathLike[str] | str", rdf_source: str) -> str:
    """Where to load a version's RDF from: URLs and absolute paths as they are; a relative path
    names a file kept inside the store (a partner entry without a file of its own), so a
    committed store stays valid wherever it is checked out."""
    if rdf_source.startswith(("http://", "https://")) or os.path.isabs(rdf_source):
        return rdf_source
    return os.path.join(os.fspath(store_root), rdf_source)


def data_digest(data: dict[str, Any]) -> str:
    """sha256 of a resolved description as canonical JSON: the `rdf_sha256` of a partner entry,
    whose published form is its own RDF with the collection's overlay, not a file's bytes."""
    return json_digest(data)


# A resource id as the format allows it: older formats and partner collections carry capitals,
# spaces and dots (`zero/Notebook_StarDist_2D_ZeroCostDL4Mic`, `zero/Notebook Preview`). Each
# `/`-separated part becomes a folder, so each must be a safe path segment (base.paths): not
# empty, `.`/`..`, hidden, padded with spaces, or holding a control character or `\`. A version id
# becomes one folder below its resource's: one such segment, as long as the partner schema allows.
MAX_ID_LENGTH = 512
MAX_VERSION_ID_LENGTH = 128


def valid_id(resource_id: str) -> bool:
    """True for an id the store, the site's paths and links accept."""
    return safe_id(resource_id, max_length=MAX_ID_LENGTH)


def valid_version_id(version_id: str) -> bool:
    """True for a version id that may name its folder (`rdfs/<id>/<version id>/`)."""
    return safe_segment(version_id, max_length=MAX_VERSION_ID_LENGTH)


def check_version_id(version_id: str, *, source: str | None = None, loc: tuple[str | int, ...] = ()) -> None:
    """BadInput for a version id that is no safe folder name (`..`, `a/b`, a NUL byte, `index.html`)."""
    if not valid_version_id(version_id):
        raise BadInput(f"invalid version id {version_id!r}: not usable as a folder name", source=source, loc=loc)


# The keys a store entry keeps about a resource and a version. Every other key of a
# resource.yaml is an RDF field (the format's field names): at resource level it is the base of
# every version's RDF, at version level it updates that version's RDF (docs/format.md §10).
RESOURCE_KEYS = ("id", "type", "source", "status", "nickname", "nickname_icon", "owners", "doi", "name", "versions")
VERSION_KEYS = ("version_id", "rdf_source", "rdf_sha256", "created", "status", "doi", "name", "version_name",
                "overrides", "rdf_checksum", "partner_overlay")
NOT_RDF_FIELDS = ("id", "rdf_source", "collection")  # replaced by the zoo or meaningless per version


@lru_cache(maxsize=1)
def rdf_field_names() -> frozenset[str]:
    """Every top-level field of any RDF type and format version, from the format's schemas."""
    names: set[str] = {"dependencies"}  # model 0.4.0 kept it at the top; the reference upgrades it
    for path in resources.files("pipeline.spec").joinpath("schemas").iterdir():
        if path.name.endswith(".json"):
            schema = json.loads(path.read_text())
            names |= set(schema.get("properties", {})) if isinstance(schema, dict) else set()
    return frozenset(names - set(NOT_RDF_FIELDS))


@dataclass
class Version:
    """One version of a resource; `overrides` are the maintainers' and survive re-harvest.

    `fields` are RDF fields written on the version itself (the paper-era form of a maintainer's
    correction: `links`, `tags`, `training_data`, ...): they update this version's RDF."""

    version_id: str
    rdf_source: str
    rdf_sha256: str
    created: str
    status: VersionStatus = PENDING
    doi: str | None = None
    name: str = ""
    version_name: str = ""
    overrides: dict[str, Any] | None = None
    # Harvest bookkeeping: the checksum the source listed for the RDF (skips unchanged
    # downloads) and, for partner entries, the fields the partner collection lays over the RDF.
    rdf_checksum: str | None = None
    partner_overlay: dict[str, Any] | None = None
    fields: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if v is not None and k != "fields"}
        data.update(self.fields or {})
        return data


@dataclass
class Resource:
    """A resource (model, dataset, ...) with its versions, newest first.

    `source` says where it comes from (`zenodo`, `partner:<id>`, or `store` for one written by
    hand); a file without it is inferred from its id. `fields` are RDF fields written at the
    resource level: the base every version's RDF is laid over."""

    id: str
    type: str
    source: str
    status: ResourceStatus = ACCEPTED
    nickname: str = ""
    nickname_icon: str = ""
    owners: list[int | str] = field(default_factory=list)
    doi: str | None = None
    name: str = ""
    versions: list[Version] = field(default_factory=list)
    fields: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if v is not None and k not in ("versions", "fields")}
        data.update(self.fields or {})
        data["versions"] = [v.to_dict() for v in self.versions]
        return data

    def version(self, version_id: str) -> Version | None:
        return next((v for v in self.versions if v.version_id == version_id), None)

    def pending(self) -> list[Version]:
        return [v for v in self.versions if v.status == PENDING]

    def accepted_versions(self) -> list[Version]:
        """The accepted versions, newest first, each id once.

        The paper-era store lists some ids twice (an old entry and a re-harvested one). A
        maintainer's block on any of them is never undone by the other; of several accepted
        ones the last listed is the one that store published (it was written last)."""
        blocked = {v.version_id for v in self.versions if v.status == BLOCKED}
        chosen: dict[str, Version] = {}
        for version in self.versions:
            if version.status == ACCEPTED and version.version_id not in blocked:
                chosen[version.version_id] = version
        order = list(dict.fromkeys(v.version_id for v in self.versions))
        return [chosen[vid] for vid in order if vid in chosen]

    @classmethod
    def from_dict(cls, data: Any, *, source: str) -> "Resource":
        """Check the shape of a stored record, naming the field that is wrong."""
        if not isinstance(data, dict):
            raise BadInput(f"expected a mapping, got {type(data).__name__}", source=source)
        _require(data, ("id", "type", "versions"), source, ())
        rid = _str(data, "id", source, ())
        if not valid_id(rid):
            raise BadInput(f"expected a resource id whose parts are folder names, got {rid!r}", source=source,
                           loc=("id",))
        status = data.get("status", ACCEPTED)
        if status not in RESOURCE_STATUSES:
            raise BadInput(f"expected one of {', '.join(RESOURCE_STATUSES)}, got {status!r}",
                           source=source, loc=("status",))
        owners = data.get("owners") or []
        if not isinstance(owners, list) or not all(isinstance(o, (int, str)) for o in owners):
            raise BadInput("expected a list of user ids or names", source=source, loc=("owners",))
        versions = data["versions"]
        if not isinstance(versions, list):
            raise BadInput(f"expected a list, got {type(versions).__name__}", source=source, loc=("versions",))
        doi = data.get("doi")
        if doi is not None and not isinstance(doi, str):
            raise BadInput(f"expected a string, got {type(doi).__name__}", source=source, loc=("doi",))
        parsed = [_version(v, source, i) for i, v in enumerate(versions)]
        return cls(
            id=rid, type=_str(data, "type", source, ()),
            source=_str(data, "source", source, (), _inferred_source(rid, doi)),
            status=status, nickname=_str(data, "nickname", source, (), ""),
            nickname_icon=_str(data, "nickname_icon", source, (), ""), owners=list(owners), doi=doi,
            name=_str(data, "name", source, (), "") or next((v.name for v in parsed if v.name), ""),
            versions=parsed, fields=_rdf_fields(data, RESOURCE_KEYS, source, ()),
        )


def _inferred_source(rid: str, doi: str | None) -> str:
    """Where a resource without `source` comes from: a concept DOI is a Zenodo resource."""
    return "zenodo" if doi or re.match(r"^10\.\d{4,}/", rid) else "store"


def _rdf_fields(data: dict, known: tuple[str, ...], source: str, loc: tuple) -> dict[str, Any] | None:
    """The keys beyond `known`, which must be RDF fields; an unknown key is an error, never dropped."""
    extra = {k: v for k, v in data.items() if k not in known}
    unknown = sorted(str(k) for k in extra if k not in rdf_field_names())
    if unknown:
        raise BadInput(f"unknown field(s) {', '.join(unknown)} (neither a store field nor an RDF field)",
                       source=source, loc=loc)
    return extra or None


def _version(data: Any, source: str, index: int) -> Version:
    loc: tuple[str | int, ...] = ("versions", index)
    if not isinstance(data, dict):
        raise BadInput(f"expected a mapping, got {type(data).__name__}", source=source, loc=loc)
    _require(data, ("version_id", "rdf_source", "status"), source, loc)
    status = data["status"]
    if status not in VERSION_STATUSES:
        raise BadInput(f"expected one of {', '.join(VERSION_STATUSES)}, got {status!r}",
                       source=source, loc=loc + ("status",))
    for key in ("overrides", "partner_overlay"):
        if data.get(key) is not None and not isinstance(data[key], dict):
            raise BadInput(f"expected a mapping, got {type(data[key]).__name__}", source=source, loc=loc + (key,))
    check_version_id(str(data["version_id"]), source=source, loc=loc + ("version_id",))
    return Version(
        version_id=str(data["version_id"]), rdf_source=_str(data, "rdf_source", source, loc),
        rdf_sha256=_str(data, "rdf_sha256", source, loc, ""), created=str(data.get("created") or ""),
        status=status, doi=data.get("doi"), name=_str(data, "name", source, loc, ""),
        version_name=str(data.get("version_name") or ""), overrides=data.get("overrides"),
        rdf_checksum=data.get("rdf_checksum"), partner_overlay=data.get("partner_overlay"),
        fields=_rdf_fields(data, VERSION_KEYS, source, loc),
    )


def _require(data: dict, keys: tuple[str, ...], source: str, loc: tuple) -> None:
    for key in keys:
        if key not in data:
            raise BadInput(f"required field {key!r} is missing", source=source, loc=loc)


def _str(data: dict, key: str, source: str, loc: tuple, default: str | None = None) -> str:
    value = data.get(key, default)
    if value is None and default is not None:
        return default
    if not isinstance(value, str):
        raise BadInput(f"expected a string, got {type(value).__name__}", source=source, loc=loc + (key,))
    return value
