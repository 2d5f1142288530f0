"""Contribution PRs: one per new resource or version, through GitHub or a local git repository."""

from pipeline.contribute.backend import open_backend
from pipeline.contribute.github import GitHubBackend
from pipeline.contribute.local import LocalGitBackend
from pipeline.contribute.proposing import ProposeSummary, branch_name, propose

__all__ = ["GitHubBackend", "LocalGitBackend", "ProposeSummary", "branch_name", "open_backend", "propose"]
