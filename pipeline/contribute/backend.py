"""What a pull-request backend offers the proposer (GitHub through PyGithub, or a local git repository)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pathlib import Path

MARKER = re.compile(r"<!-- zoo-propose: (\{.*?\}) -->")


@dataclass
class PullRequest:
    """A contribution PR as the backend sees it; `versions` come from the marker in its body."""

    branch: str
    state: str  # open | closed | merged
    body: str
    url: str = ""
    versions: list[str] = field(default_factory=list)
    digest: str = ""
    number: int | None = None  # the GitHub PR number, where there is one

    @classmethod
    def parse(cls, branch: str, state: str, body: str, url: str = "") -> "PullRequest":
        pr = cls(branch=branch, state=state, body=body or "", url=url)
        if m := MARKER.search(pr.body):
            try:
                meta = json.loads(m.group(1))
                pr.versions = [str(v) for v in meta.get("versions", [])]
                pr.digest = str(meta.get("digest", ""))
            except (ValueError, AttributeError):
                pass  # a maintainer edited the marker: treat the PR as carrying no versions
        return pr


class Backend(Protocol):
    """Finds and writes one PR per branch; `store_prefix` is the store's path inside the repository."""

    store_prefix: str

    def record(self, store: Path) -> str | None:
        """Make the store as harvested part of the base branch where PRs need it to merge."""
        ...

    def find(self, branch: str) -> PullRequest | None: ...

    def publish(self, branch: str, title: str, body: str, files: dict[str, bytes],
                existing: PullRequest | None) -> PullRequest: ...

    def description(self, pr: str) -> str:
        """The description of PR `pr` (a number on GitHub, a branch locally)."""
        ...

    def describe(self, pr: str, body: str) -> None:
        """Replace the description of PR `pr`."""
        ...


def marker(versions: list[str], digest: str) -> str:
    """The versions and change a PR carries, in an HTML comment (a `-->` in an id cannot end it)."""
    data = json.dumps({"versions": versions, "digest": digest}).replace("<", "\\u003c").replace(">", "\\u003e")
    return f"<!-- zoo-propose: {data} -->"


def open_backend(store: Path, *, github: str | None = None, token: str | None = None, base: str | None = None,
                 api_url: str | None = None) -> Backend:
    """GitHub when a repository and token are given, else the local repository holding the store."""
    from pathlib import Path

    from pipeline.base.commands import git_text
    from pipeline.errors import BadInput, ExternalToolFailed

    store = Path(store)
    if not store.is_dir():
        raise BadInput("no such store folder", source=str(store))
    try:
        top = Path(git_text(["rev-parse", "--show-toplevel"], cwd=store))
    except ExternalToolFailed:
        raise BadInput("the store is not inside a git repository", source=str(store)) from None
    try:
        prefix = store.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        raise BadInput("the store is not inside the repository", source=str(store)) from None
    prefix = "" if prefix == "." else prefix
    if github:
        from pipeline.contribute.github import GitHubBackend

        if not token:
            raise BadInput("a GitHub repository was given but no token (GITHUB_TOKEN)")
        # Writes to the public GitHub are spaced out (secondary rate limits); a configured API is
        # trusted to set its own limits.
        return GitHubBackend(github, token, base=base or "main", store_prefix=prefix, api_url=api_url,
                             polite=api_url is None)
    from pipeline.contribute.local import LocalGitBackend

    return LocalGitBackend(top, base=base, store_prefix=prefix)
