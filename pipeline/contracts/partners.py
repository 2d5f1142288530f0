"""Partner registrations: the one parser harvest, build and site all read them with, so a
registration one stage accepts no other refuses (partners/README.md).

Two forms register partners, side by side in the partners folder: our own `<id>.yaml`, and the
paper-era partner list, a `collection_rdf_template.yaml` whose `config.partners` names each
partner's repository, branch, collection file and where it deploys its test reports."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import BadInput
from pipeline.spec import yamlio

PARTNER_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")  # also the `tool` of its test summaries
KEYS = {"id", "name", "logo", "collection", "test_summaries", "description", "url", "usage"}
COLLECTION_KEYS = {"url", "path", "git", "branch", "file"}
REPORT_KEYS = {"git", "branch", "folder"}
# The paper-era partner list: one entry per partner, and where it deploys its reports.
LISTED_KEYS = {"id", "repository", "branch", "collection_file_name", "test_summaries", "name", "logo",
               "description", "url", "usage"}
DEPLOY_KEYS = {"repository", "deploy_branch", "deploy_folder", "workflow", "workflow_ref"}
MAX_REGISTRATION_BYTES = 256 * 1024
# A partner's `usage`: markdown telling a visitor how to open a model in the tool, with these
# placeholders filled in per model version on its page (site/use_it.py).
USAGE_PLACEHOLDERS = {
    "id": "the resource id", "version_id": "the version id", "nickname": "the resource's nickname",
    "name": "the resource's name", "doi": "the version's DOI", "concept_doi": "the DOI of all versions",
    "rdf_url": "the URL of the version's rdf.yaml on the zoo's site",
    "package_url": "the URL of the version's zip package", "page_url": "the URL of the version's page",
}
MAX_USAGE_CHARS = 4000


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
class ReportFolder:
    """Test reports deployed as files per version (`<resource id>/<version id>/<file>`) in a
    folder of a git repository's branch, as partners deploy them for the paper-era zoo."""

    git: str
    branch: str = "gh-pages"
    folder: str = "."

    def to_json(self) -> dict[str, str]:
        return {"git": self.git, "branch": self.branch, "folder": self.folder}


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
    # A URL or a path in the partners folder: one results document, or a folder of per-version
    # report files; or a ReportFolder in a git repository.
    test_summaries: str | ReportFolder | None = None
    usage: str | None = None  # how to open a model in the tool (USAGE_PLACEHOLDERS)

    @property
    def label(self) -> str:
        return self.name or self.id

    def to_json(self) -> dict[str, Any]:
        """The registration in its canonical form (test_summaries as a plain URL or path)."""
        data: dict[str, Any] = {"id": self.id}
        for key in ("name", "description", "url", "logo", "usage"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.test_summaries is not None:
            reports = self.test_summaries
            data["test_summaries"] = reports.to_json() if isinstance(reports, ReportFolder) else reports
        if self.collection is not None:
            data["collection"] = self.collection.to_json()
        return data

    @classmethod
    def from_json(cls, data: Any, file: Path) -> "Partner":
        """Check a registration, naming the field that is wrong."""
        source = str(file)

        def bad(msg: str, *loc: str) -> BadInput:
            return BadInput(msg, source=source, loc=loc)

        pid = _identity(data, KEYS, bad)
        if pid != file.stem:
            raise bad(f"id {pid!r} does not match the file name {file.name}", "id")
        collection = _collection(data.get("collection"), bad)
        summaries = _summaries(data.get("test_summaries"), bad)
        if collection is None and summaries is None:
            raise bad("expected a collection, test_summaries or both")
        return cls(id=pid, file=file, name=data.get("name"), description=data.get("description"),
                   url=data.get("url"), logo=data.get("logo"), collection=collection, test_summaries=summaries,
                   usage=_usage(data.get("usage"), bad))


def _identity(data: Any, keys: set[str], bad: Any) -> str:
    """The checks both forms share: a mapping of known fields, a valid id, text descriptions."""
    if not isinstance(data, dict):
        raise bad("expected a mapping")
    unknown = sorted(set(map(str, data)) - keys)
    if unknown:
        raise bad(f"unknown field(s) {', '.join(unknown)}")
    pid = data.get("id")
    if not isinstance(pid, str) or not PARTNER_ID.match(pid):
        raise bad(f"expected an id of [a-z0-9_-] (at most 64), got {pid!r}", "id")
    for key in ("name", "description", "url", "logo"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise bad(f"expected a string, got {type(data[key]).__name__}", key)
    return pid


def _usage(value: Any, bad: Any) -> str | None:
    """Usage text whose every placeholder is one the site fills in."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise bad("expected non-empty text", "usage")
    if len(value) > MAX_USAGE_CHARS:
        raise bad(f"longer than {MAX_USAGE_CHARS} characters", "usage")
    try:
        parsed = [(field, spec, conversion) for _, field, spec, conversion in string.Formatter().parse(value)
                  if field is not None]
    except ValueError as e:
        raise bad(f"unreadable placeholder ({e}); write a literal brace as {{{{ or }}}}", "usage") from None
    fields = [field for field, _, _ in parsed]
    if any(spec or conversion for _, spec, conversion in parsed):
        raise bad("placeholders take no format or conversion (write {id}, not {id:>9} or {id!r})", "usage")
    unknown = sorted({f for f in fields if f not in USAGE_PLACEHOLDERS})
    if unknown:
        raise bad(f"unknown placeholder(s) {', '.join('{' + f + '}' for f in unknown)}; known: "
                  f"{', '.join('{' + k + '}' for k in USAGE_PLACEHOLDERS)}", "usage")
    return value


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


def _summaries(value: Any, bad: Any) -> str | ReportFolder | None:
    """A URL or path, written plainly or as a mapping with one `url` or `path` key; or a report
    folder in a git repository (`git`, optional `branch` and `folder`)."""
    if isinstance(value, dict) and "git" in value:
        for key, item in value.items():
            if key not in REPORT_KEYS or not isinstance(item, str) or not item:
                raise bad(f"expected a non-empty string, got {item!r}", "test_summaries", str(key))
        return ReportFolder(git=value["git"], branch=value.get("branch", "gh-pages"), folder=value.get("folder", "."))
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


def is_partner_list(data: Any) -> bool:
    """True for the paper-era partner list (a collection template with `config.partners`)."""
    return isinstance(data, dict) and isinstance(data.get("config"), dict) and "partners" in data["config"]


def listed_partners(data: dict[str, Any], file: Path) -> tuple[list[Partner], list[BadInput]]:
    """The partners of a paper-era partner list, each checked on its own."""
    entries = data["config"]["partners"]
    if not isinstance(entries, list):
        return [], [BadInput("expected a list of partners", source=str(file), loc=("config", "partners"))]
    partners: list[Partner] = []
    problems: list[BadInput] = []
    for index, entry in enumerate(entries):
        try:
            partners.append(_listed(entry, file, ("config", "partners", index)))
        except BadInput as e:
            problems.append(e)
    return partners, problems


def _listed(entry: Any, file: Path, loc: tuple[str | int, ...]) -> Partner:
    def bad(msg: str, *key: str) -> BadInput:
        return BadInput(msg, source=str(file), loc=(*loc, *key))

    pid = _identity(entry, LISTED_KEYS, bad)
    for key in ("repository", "branch", "collection_file_name"):
        if key not in entry:
            raise bad(f"required field {key!r} is missing")
        if not isinstance(entry[key], str) or not entry[key]:
            raise bad(f"expected a non-empty string, got {entry[key]!r}", key)
    reports = entry.get("test_summaries")
    folder = None
    if reports is not None:
        if not isinstance(reports, dict) or set(map(str, reports)) - DEPLOY_KEYS:
            raise bad(f"expected a mapping of {', '.join(sorted(DEPLOY_KEYS))}", "test_summaries")
        for key in ("repository", "deploy_branch"):
            if not isinstance(reports.get(key), str) or not reports[key]:
                raise bad("expected a non-empty string", "test_summaries", key)
        deployed = reports.get("deploy_folder") or "."
        if not isinstance(deployed, str):
            raise bad("expected a folder name", "test_summaries", "deploy_folder")
        folder = ReportFolder(git=github_url(reports["repository"]), branch=reports["deploy_branch"], folder=deployed)
    return Partner(id=pid, file=file, name=entry.get("name"), description=entry.get("description"),
                   url=entry.get("url"), logo=entry.get("logo"), usage=_usage(entry.get("usage"), bad),
                   collection=Collection(git=github_url(entry["repository"]), branch=entry["branch"],
                                         file=entry["collection_file_name"]), test_summaries=folder)


def github_url(repository: str) -> str:
    """A partner list's `owner/name` as its github.com URL; a URL stays as it is."""
    return repository if _is_http(repository) else f"https://github.com/{repository.strip('/')}"


def read_partners(location: Path | None) -> tuple[list[Partner], list[BadInput]]:
    """Every registration in the folder `location` (or the one file it names), sorted by id, and
    one error per unreadable registration or partner-list entry."""
    partners: list[Partner] = []
    problems: list[BadInput] = []
    if location is None:
        return partners, problems
    location = Path(location)
    files = sorted(location.glob("*.yaml")) if location.is_dir() else [location] if location.is_file() else []
    for path in files:
        try:
            with path.open("rb") as f:
                raw = f.read(MAX_REGISTRATION_BYTES + 1)
            if len(raw) > MAX_REGISTRATION_BYTES:
                raise BadInput(f"larger than {MAX_REGISTRATION_BYTES} bytes", source=str(path))
            data = yamlio.loads(raw, source=str(path))
            if is_partner_list(data):
                found, errors = listed_partners(data, path)
                partners += found
                problems += errors
            else:
                partners.append(Partner.from_json(data, path))
        except OSError as e:
            problems.append(BadInput(f"cannot read: {e.strerror}", source=str(path)))
        except BadInput as e:
            problems.append(e)
    unique: dict[str, Partner] = {}
    for partner in partners:
        if partner.id in unique:
            problems.append(BadInput(f"partner {partner.id!r} is registered twice (also in {unique[partner.id].file})",
                                     source=str(partner.file)))
        else:
            unique[partner.id] = partner
    return sorted(unique.values(), key=lambda p: p.id), problems
