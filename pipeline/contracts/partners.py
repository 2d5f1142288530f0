"""Partner registrations (`partners/<id>.yaml`, partners/README.md): the one parser harvest,
build and site all read them with, so a registration one stage accepts no other refuses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import BadInput
from pipeline.spec import yamlio

PARTNER_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")  # also the `tool` of its test summaries
KEYS = {"id", "name", "logo", "collection", "test_summaries", "description", "url"}
COLLECTION_KEYS = {"url", "path", "git", "branch", "file"}
MAX_REGISTRATION_BYTES = 256 * 1024


@dataclass(frozen=True)
class Collection:
    """Where a partner's collection RDF lives: exactly one of a URL, a path in the partners
    folder, or a git repository (with branch and file)."""

    url: str | None = None
    path: str | None = None
    git: str | None = None
    branch: str = "main"
    file: str = "collection.yaml"

    def to_json(self) -> dict[str, str]:
        if self.git:
            return {"git": self.git, "branch": self.branch, "file": self.file}
        return {"url": self.url} if self.url else {"path": self.path or ""}


@dataclass(frozen=True)
class Partner:
    """A partner tool: its collection, its published test results, or both."""

    id: str
    file: Path  # the registration, whose folder relative paths are resolved against
    name: str | None = None
    description: str | None = None
    url: str | None = None  # the tool's web page
    logo: str | None = None  # a URL, or a path in the partners folder
    collection: Collection | None = None
    test_summaries: str | None = None  # a URL, or a path in the partners folder

    @property
    def label(self) -> str:
        return self.name or self.id

    def to_json(self) -> dict[str, Any]:
        """The registration in its canonical form (test_summaries as a plain URL or path)."""
        data: dict[str, Any] = {"id": self.id}
        for key in ("name", "description", "url", "logo", "test_summaries"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.collection is not None:
            data["collection"] = self.collection.to_json()
        return data

    @classmethod
    def from_json(cls, data: Any, file: Path) -> "Partner":
        """Check a registration, naming the field that is wrong."""
        source = str(file)

        def bad(msg: str, *loc: str) -> BadInput:
            return BadInput(msg, source=source, loc=loc)

        if not isinstance(data, dict):
            raise bad("expected a mapping")
        unknown = sorted(set(map(str, data)) - KEYS)
        if unknown:
            raise bad(f"unknown field(s) {', '.join(unknown)}")
        pid = data.get("id")
        if not isinstance(pid, str) or not PARTNER_ID.match(pid):
            raise bad(f"expected an id of [a-z0-9_-] (at most 64), got {pid!r}", "id")
        if pid != file.stem:
            raise bad(f"id {pid!r} does not match the file name {file.name}", "id")
        for key in ("name", "description", "url", "logo"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise bad(f"expected a string, got {type(data[key]).__name__}", key)
        collection = _collection(data.get("collection"), bad)
        summaries = _summaries(data.get("test_summaries"), bad)
        if collection is None and summaries is None:
            raise bad("expected a collection, test_summaries or both")
        return cls(id=pid, file=file, name=data.get("name"), description=data.get("description"),
                   url=data.get("url"), logo=data.get("logo"), collection=collection, test_summaries=summaries)


def _collection(where: Any, bad: Any) -> Collection | None:
    if where is None:
        return None
    if not isinstance(where, dict) or sum(k in where for k in ("url", "path", "git")) != 1:
        raise bad("expected exactly one of url, path or git", "collection")
    for key, value in where.items():
        if key not in COLLECTION_KEYS or not isinstance(value, str) or not value:
            raise bad(f"expected a non-empty string, got {value!r}", "collection", str(key))
    if "url" in where and not _is_http(where["url"]):
        raise bad("expected an http(s) URL", "collection", "url")
    return Collection(url=where.get("url"), path=where.get("path"), git=where.get("git"),
                      branch=where.get("branch", "main"), file=where.get("file", "collection.yaml"))


def _summaries(value: Any, bad: Any) -> str | None:
    """A URL or path, written plainly or as a mapping with one `url` or `path` key."""
    if isinstance(value, dict):
        if len(value) != 1 or not set(value) <= {"url", "path"}:
            raise bad("expected a URL or path, or a mapping with one key url or path", "test_summaries")
        key, value = next(iter(value.items()))
        if key == "url" and not (isinstance(value, str) and _is_http(value)):
            raise bad("expected an http(s) URL", "test_summaries", "url")
    if value is not None and (not isinstance(value, str) or not value):
        raise bad("expected a URL or path", "test_summaries")
    return value


def _is_http(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def read_partners(folder: Path | None) -> tuple[list[Partner], list[BadInput]]:
    """Every registration in `folder`, sorted by id, and one error per unreadable one."""
    partners: list[Partner] = []
    problems: list[BadInput] = []
    if folder is None or not Path(folder).is_dir():
        return partners, problems
    for path in sorted(Path(folder).glob("*.yaml")):
        try:
            with path.open("rb") as f:
                raw = f.read(MAX_REGISTRATION_BYTES + 1)
            if len(raw) > MAX_REGISTRATION_BYTES:
                raise BadInput(f"larger than {MAX_REGISTRATION_BYTES} bytes", source=str(path))
            partners.append(Partner.from_json(yamlio.loads(raw, source=str(path)), path))
        except OSError as e:
            problems.append(BadInput(f"cannot read: {e.strerror}", source=str(path)))
        except BadInput as e:
            problems.append(e)
    return partners, problems
