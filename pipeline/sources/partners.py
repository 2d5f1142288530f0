"""Where a partner's collection RDF lives: a URL, a path in the partners folder, or a repository."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit

from pipeline.base.commands import run_git
from pipeline.base.http import mirrored
from pipeline.contracts.partners import Collection, Partner
from pipeline.errors import BadInput, ExternalToolFailed


def collection_location(partner: Partner, collection: Collection, checkout_root: Path) -> str:
    """A URL or local path of the partner's collection RDF (a non-GitHub repository is cloned)."""
    if collection.url:
        return collection.url
    if collection.path:
        base = partner.file.parent.resolve()
        target = (base / collection.path).resolve()
        if not target.is_relative_to(base):
            raise BadInput("collection path leaves the partners folder", source=str(partner.file),
                           loc=("collection", "path"))
        return str(target)
    assert collection.git is not None
    raw = github_raw_url(collection.git, collection.branch, collection.file)
    if raw:
        return raw
    return str(clone(collection.git, collection.branch, checkout_root / partner.id) / collection.file)


def github_raw_url(repository: str, branch: str, file: str) -> str | None:
    """The raw-content URL of a file in a github.com repository, else None."""
    parts = urlsplit(repository)
    segments = [s for s in parts.path.removesuffix(".git").split("/") if s]
    if parts.hostname != "github.com" or len(segments) != 2:
        return None
    return f"https://raw.githubusercontent.com/{segments[0]}/{segments[1]}/{branch}/{file.lstrip('/')}"


def clone(repository: str, branch: str, dest: Path) -> Path:
    """A fresh checkout of `branch` of `repository` at `dest` (through the operator's mirror, if
    one covers it). Shallow where the server can; a plain static mirror (git's dumb HTTP) cannot."""
    url = mirrored(repository)
    for shallow in (["--depth", "1"], []):
        if dest.exists():
            shutil.rmtree(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            run_git(["clone", "--quiet", *shallow, "--branch", branch, "--", url, str(dest)], cwd=dest.parent)
            return dest
        except ExternalToolFailed as e:
            error = e
    raise BadInput(str(error), source=repository) from None
