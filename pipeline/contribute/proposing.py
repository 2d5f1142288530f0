"""`propose`: one PR per resource with pending versions, updated in place, capped per run."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pipeline import defaults
from pipeline.base.http import HttpPolicy
from pipeline.contracts.stage import Problem
from pipeline.contribute import body as text
from pipeline.contribute.backend import Backend, PullRequest, open_backend
from pipeline.contribute.facts import gather, previous_version
from pipeline.errors import BadInput, describe
from pipeline.store import Resource, Store, yaml
from pipeline.store.model import ACCEPTED, BLOCKED, PENDING

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ProposeConfig:
    """Which store to propose from, where the PRs go, and how many may be written this run."""

    store: Path = defaults.STORE
    github: str | None = None  # OWNER/REPO: PRs on GitHub (with `token`); else the store's own repository
    token: str | None = None
    base: str | None = None  # the branch PRs target (default main / the checked-out branch)
    api_url: str | None = None  # GitHub REST API base URL (default api.github.com)
    max_prs: int = defaults.MAX_PRS
    backend: Backend | None = None  # an open backend, instead of the one the fields above name
    progress: Progress | None = None
    policy: HttpPolicy | None = None  # for the records and files the descriptions are gathered from


@dataclass
class ProposeSummary:
    """The propose stage's result: what happened to each resource with pending versions."""

    opened: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def problems(self) -> list[Problem]:
        return [Problem(item, msg) for item, msg in self.failed]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {k: v for k, v in self.__dict__.items() if k != "failed"}
        data["failed"] = [{"item": i, "error": m} for i, m in self.failed]
        data["ok"] = self.ok
        return data

    def format_text(self) -> str:
        lines = [f"{len(self.opened)} opened, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
                 f"{len(self.closed)} closed (waiting for a new version), {len(self.blocked)} blocked, "
                 f"{len(self.deferred)} deferred (cap), {len(self.failed)} failed"]
        lines += [f"  opened   {i}" for i in self.opened] + [f"  updated  {i}" for i in self.updated]
        lines += [f"  deferred {i}" for i in self.deferred] + [f"  failed   {i}: {m}" for i, m in self.failed]
        return "\n".join(lines)


def branch_name(resource_id: str) -> str:
    """`auto-update-<id>` with every character git or GitHub might mind replaced by '-'."""
    safe = re.sub(r"[^a-z0-9._-]+", "-", resource_id.lower()).strip("-.")
    return f"auto-update-{re.sub(r'[.]{2,}', '.', safe)}"


def run(config: ProposeConfig) -> ProposeSummary:
    """Open or update a PR for every resource with pending versions; at most `max_prs` writes."""
    if config.max_prs < 0:
        raise BadInput(f"expected 0 or more PRs, got {config.max_prs}", source="max_prs")
    backend = config.backend or open_backend(config.store, github=config.github, token=config.token,
                                             base=config.base, api_url=config.api_url)
    progress = config.progress
    summary = ProposeSummary()
    source = Store(Path(config.store))
    budget = config.max_prs
    backend.record(source.root)  # a local repository commits the harvest first, so PRs merge cleanly
    for rid in source.ids():
        try:
            resource = source.get(rid)
            if resource is None or not resource.pending():
                continue
            if resource.status == BLOCKED:
                summary.blocked.append(rid)  # blocked resources are never proposed again
                continue
            budget = _propose_one(source, resource, backend, summary, budget, progress, config.policy)
        except Exception as e:  # one resource (or one failed API call) must not stop the other PRs
            summary.failed.append((rid, describe(e)))
    return summary


def _propose_one(store: Store, resource: Resource, backend: Backend, summary: ProposeSummary,
                 budget: int, progress: Progress | None, policy: HttpPolicy | None) -> int:
    pending = resource.pending()
    versions = [v.version_id for v in pending]
    files = _files(store, resource, backend)
    digest = hashlib.sha256(b"".join(k.encode() + v for k, v in sorted(files.items()))).hexdigest()[:16]
    branch = branch_name(resource.id)
    existing = backend.find(branch)
    if existing is not None and _covered(existing, versions):
        if existing.state == "closed":
            summary.closed.append(resource.id)
            return budget
        if existing.state == "merged" or existing.digest == digest:
            summary.unchanged.append(resource.id)
            return budget
    if budget <= 0:
        summary.deferred.append(resource.id)
        return budget
    if progress:
        progress(f"propose {resource.id}")
    new = {v.version_id for v in pending}
    facts = [gather(store.root, resource, v, previous=previous_version(resource, v, new), policy=policy)
             for v in pending]
    pr_body = text.propose_body(resource, pending, facts, digest)
    reuse = existing if existing is not None and existing.state == "open" else None
    backend.publish(branch, text.title(resource, pending), pr_body, files, reuse)
    (summary.updated if reuse else summary.opened).append(resource.id)
    return budget - 1


def _covered(pr: PullRequest, versions: list[str]) -> bool:
    return set(versions) <= set(pr.versions)


def _files(store: Store, resource: Resource, backend: Backend) -> dict[str, bytes]:
    """The PR's change: resource.yaml with its pending versions accepted, plus a stored inline RDF."""
    accepted = Resource.from_dict(resource.to_dict(), source=resource.id)
    for version in accepted.versions:
        if version.status == PENDING:
            version.status = ACCEPTED
    path = _resource_path(backend, resource)
    files = {path: yaml.dumps(accepted.to_dict()).encode()}
    inline = store.path(resource.id).parent / "rdf.yaml"
    if inline.is_file():
        files[path.rsplit("/", 1)[0] + "/rdf.yaml"] = inline.read_bytes()
    return files


def _resource_path(backend: Backend, resource: Resource) -> str:
    prefix = backend.store_prefix.strip("/")
    rel = f"{resource.id}/resource.yaml"
    if ".." in rel.split("/"):
        raise BadInput(f"invalid resource id {resource.id!r}")
    return f"{prefix}/{rel}" if prefix else rel
