"""Partner registrations (`partners/<id>.yaml`) and where each partner's collection RDF lives."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pipeline.errors import BadInput, ExternalToolFailed
from pipeline.store import yaml

PARTNER_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")  # also the `tool` of its test summaries
KEYS = {"id", "name", "logo", "collection", "test_summaries", "description", "url"}


@dataclass(frozen=True)
class Partner:
    """A partner tool: its collection (one of url, path, git repository + branch + file)."""

    id: str
    name: str
    file: Path
    logo: str | None = None
    url: str | None = None
    path: str | None = None
    git: str | None = None
    branch: str = "main"
    collection_file: str = "collection.yaml"
    test_summaries: str | None = None


def load_partners(folder: Path) -> tuple[list[Partner], list[tuple[str, str]]]:
    """Registrations of a folder, sorted by id, and (file, problem) for each unreadable one."""
    partners, problems = [], []
    for path in sorted(Path(folder).glob("*.yaml")):
        try:
            partners.append(parse_partner(yaml.read(path), path))
        except BadInput as e:
            problems.append((path.stem, str(e)))
    return partners, problems


def parse_partner(data: Any, path: Path) -> Partner:
    source = str(path)
    if not isinstance(data, dict):
        raise BadInput("expected a mapping", source=source)
    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise BadInput(f"unknown field(s) {', '.join(unknown)}", source=source)
    pid = data.get("id")
    if not isinstance(pid, str) or not PARTNER_ID.match(pid):
        raise BadInput(f"expected an id of [a-z0-9_-] (at most 64), got {pid!r}", source=source, loc=("id",))
    if pid != path.stem:
        raise BadInput(f"id {pid!r} does not match the file name {path.name}", source=source, loc=("id",))
    where = data.get("collection")
    if not isinstance(where, dict) or sum(k in where for k in ("url", "path", "git")) != 1:
        raise BadInput("expected exactly one of url, path or git", source=source, loc=("collection",))
    for key, value in where.items():
        if key not in ("url", "path", "git", "branch", "file") or not isinstance(value, str) or not value:
            raise BadInput(f"expected a non-empty string, got {value!r}", source=source, loc=("collection", key))
    if "url" in where and not where["url"].startswith(("http://", "https://")):
        raise BadInput("expected an http(s) URL", source=source, loc=("collection", "url"))
    summaries = data.get("test_summaries")
    if summaries is not None and not isinstance(summaries, str):
        raise BadInput("expected a URL or path", source=source, loc=("test_summaries",))
    return Partner(
        id=pid, name=str(data.get("name") or pid), file=path, logo=data.get("logo"), url=where.get("url"),
        path=where.get("path"), git=where.get("git"), branch=where.get("branch", "main"),
        collection_file=where.get("file", "collection.yaml"), test_summaries=summaries,
    )


def collection_location(partner: Partner, checkout_root: Path) -> str:
    """A URL or local path of the partner's collection RDF (a non-GitHub repository is cloned)."""
    if partner.url:
        return partner.url
    if partner.path:
        base = partner.file.parent.resolve()
        target = (base / partner.path).resolve()
        if not target.is_relative_to(base):
            raise BadInput("collection path leaves the partners folder", source=str(partner.file),
                           loc=("collection", "path"))
        return str(target)
    assert partner.git is not None
    raw = github_raw_url(partner.git, partner.branch, partner.collection_file)
    if raw:
        return raw
    return str(_clone(partner, checkout_root / partner.id) / partner.collection_file)


def github_raw_url(repository: str, branch: str, file: str) -> str | None:
    """The raw-content URL of a file in a github.com repository, else None."""
    parts = urlsplit(repository)
    segments = [s for s in parts.path.removesuffix(".git").split("/") if s]
    if parts.hostname != "github.com" or len(segments) != 2:
        return None
    return f"https://raw.githubusercontent.com/{segments[0]}/{segments[1]}/{branch}/{file.lstrip('/')}"


def _clone(partner: Partner, dest: Path) -> Path:
    from pipeline.base.commands import run_git
    import shutil

    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        run_git(["clone", "--quiet", "--depth", "1", "--branch", partner.branch, "--", partner.git, str(dest)],
                cwd=dest.parent)
    except ExternalToolFailed as e:
        raise BadInput(str(e), source=partner.git) from None
    return dest
