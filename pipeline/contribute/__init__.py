"""Contribution PRs: one per new resource or version, through GitHub or a local git repository."""

from __future__ import annotations

from typing import Any

__all__ = ["GitHubBackend", "LocalGitBackend", "ProposeSummary", "open_backend", "propose"]


def __getattr__(name: str) -> Any:
    if name in ("propose", "ProposeSummary", "branch_name"):
        from pipeline.contribute import proposing as module

        return getattr(module, name)
    if name == "open_backend":
        from pipeline.contribute.backend import open_backend

        return open_backend
    if name == "LocalGitBackend":
        from pipeline.contribute.local import LocalGitBackend

        return LocalGitBackend
    if name == "GitHubBackend":
        from pipeline.contribute.github import GitHubBackend

        return GitHubBackend
    raise AttributeError(f"module 'pipeline.contribute' has no attribute {name!r}")
