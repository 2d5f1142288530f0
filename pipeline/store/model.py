"""The resource record kept in `collection/<resource id>/resource.yaml`, as typed data."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Final, Literal, get_args

from pipeline.base.digest import json_digest
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


RESOURCE_ID = re.compile(r"^[a-z0-9_\-.]+(/[a-z0-9_\-.]+)*$")


@dataclass
class Version:
    """One version of a resource; `overrides` are the maintainers' and survive re-harvest."""

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

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if v is not None}
        return data


@dataclass
class Resource:
    """A resource (model, dataset, ...) with its versions, newest first."""

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

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if v is not None and k != "versions"}
        data["versions"] = [v.to_dict() for v in self.versions]
        return data

    def version(self, version_id: str) -> Version | None:
        return next((v for v in self.versions if v.version_id == version_id), None)

    def pending(self) -> list[Version]:
        return [v for v in self.versions if v.status == PENDING]

    @classmethod
    def from_dict(cls, data: Any, *, source: str) -> "Resource":
        """Check the shape of a stored record, naming the field that is wrong."""
        if not isinstance(data, dict):
            raise BadInput(f"expected a mapping, got {type(data).__name__}", source=source)
        _require(data, ("id", "type", "source", "versions"), source, ())
        rid = _str(data, "id", source, ())
        if not RESOURCE_ID.match(rid):
            raise BadInput(f"expected a resource id of [a-z0-9_-./], got {rid!r}", source=source, loc=("id",))
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
        return cls(
            id=rid, type=_str(data, "type", source, ()), source=_str(data, "source", source, ()),
            status=status, nickname=_str(data, "nickname", source, (), ""),
            nickname_icon=_str(data, "nickname_icon", source, (), ""), owners=list(owners),
            doi=data.get("doi"), name=_str(data, "name", source, (), ""),
            versions=[_version(v, source, i) for i, v in enumerate(versions)],
        )


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
    return Version(
        version_id=str(data["version_id"]), rdf_source=_str(data, "rdf_source", source, loc),
        rdf_sha256=_str(data, "rdf_sha256", source, loc, ""), created=str(data.get("created") or ""),
        status=status, doi=data.get("doi"), name=_str(data, "name", source, loc, ""),
        version_name=str(data.get("version_name") or ""), overrides=data.get("overrides"),
        rdf_checksum=data.get("rdf_checksum"), partner_overlay=data.get("partner_overlay"),
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
