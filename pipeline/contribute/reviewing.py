"""`review`: after a PR's build, add its results to the PR's description.

Reads what `zoo build` published for every version the PR adds or changes (its
`test_summary.json`: format check, model tests per weights format with their environment,
partners' results) and writes the *Check results* section: into the PR's description on GitHub
(`--github` and `--pr`), into a local PR branch's description (`--pr BRANCH`), and to a file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import defaults
from pipeline.base.atomic import replace_file
from pipeline.base.http import HttpPolicy
from pipeline.contracts.results import FAILED, TestSummary
from pipeline.contracts.stage import Problem
from pipeline.contribute import body as text
from pipeline.contribute.backend import MARKER, Backend, open_backend
from pipeline.contribute.facts import VersionFacts, gather, previous_version
from pipeline.errors import BadInput, ExternalToolFailed
from pipeline.store import Store
from pipeline.store.changes import PrScope, pr_scope

MAX_JSON_BYTES = 64 * 1024 * 1024
FULL_REPORT_LIMIT = 4 * 1024 * 1024  # the report file holds everything a description had to shorten


@dataclass(frozen=True)
class ReviewConfig:
    """The PR's checkout (store, partners), what its build wrote (site), and where the result goes."""

    pr_base: str
    store: Path = defaults.STORE
    site: Path = defaults.SITE
    partners: Path | None = defaults.PARTNERS
    output: Path | None = None  # also write the section here (markdown)
    pr: str | None = None  # the PR to describe: its number on GitHub, its branch locally
    github: str | None = None
    token: str | None = None
    api_url: str | None = None
    preview_url: str | None = None  # where the site preview of this check is
    build_summary: Path | None = None  # `zoo build --summary`: its warnings are listed on the PR
    backend: Backend | None = None
    policy: HttpPolicy | None = None


@dataclass
class ReviewSummary:
    """The review stage's result: the versions it reported on and where it wrote."""

    scope: PrScope | None = None
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    section: str = ""
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "pr": self.scope.to_json() if self.scope else None, "passed": self.passed,
                "failed": self.failed, "written": self.written, "problems": [p.to_json() for p in self.problems]}

    def format_text(self) -> str:
        return self.section + "\n" + "\n".join(
            [f"written to {w}" for w in self.written] + [f"problem: {p.format_text()}" for p in self.problems])


def run(config: ReviewConfig) -> ReviewSummary:
    """Write the check's section for the versions the PR adds or changes."""
    summary = ReviewSummary(scope=pr_scope(config.store, config.partners, config.pr_base))
    store = Store(Path(config.store))
    checked = [text.CheckedVersion(_facts(store, name, summary.scope, config.policy), _summary(config.site, name))
               for name in sorted(summary.scope.versions)]
    for item in checked:
        bad = item.summary is None or item.summary.status.overall == FAILED
        (summary.failed if bad else summary.passed).append(item.facts.name_line)
    warnings = _warnings(config.build_summary)
    full = text.review_section(checked, base=config.pr_base, with_facts=True, preview_url=config.preview_url,
                               warnings=warnings, limit=FULL_REPORT_LIMIT)
    summary.section = full
    if config.output is not None:
        try:
            replace_file(Path(config.output), (full + "\n").encode())
            summary.written.append(str(config.output))
        except OSError as e:
            summary.problems.append(Problem(str(config.output), f"cannot write: {e.strerror}"))
    if config.pr is not None:
        backend = config.backend or open_backend(config.store, github=config.github, token=config.token,
                                                 api_url=config.api_url)
        try:
            current = backend.description(config.pr)
            ours = MARKER.search(current) is not None  # a PR zoo propose wrote describes its versions already
            room = text.GITHUB_LIMIT - len(text.without_review(current)) - 200
            summary.section = text.review_section(checked, base=config.pr_base, with_facts=not ours,
                                                  preview_url=config.preview_url, warnings=warnings, limit=room)
            backend.describe(config.pr, text.with_review(current, summary.section))
            summary.written.append(f"PR {config.pr}")
        except ExternalToolFailed as e:  # GitHub or git refused: reported, the report file is written
            summary.problems.append(Problem(f"PR {config.pr}", str(e)))
    return summary


def _facts(store: Store, name: str, scope: PrScope, policy: HttpPolicy | None) -> VersionFacts:
    rid, vid = name.rsplit("/", 1)
    try:
        resource = store.get(rid)
    except BadInput as e:
        return VersionFacts(rid, vid, load_error=str(e))
    version = resource.version(vid) if resource is not None else None
    if resource is None or version is None:
        return VersionFacts(rid, vid, load_error="not in the store")
    others = {n.rsplit("/", 1)[1] for n in scope.versions if n.rsplit("/", 1)[0] == rid}
    return gather(store.root, resource, version, previous=previous_version(resource, version, others), policy=policy)


def _summary(site: Path, name: str) -> TestSummary | None:
    """What the build published for version `name` (`site/rdfs/<rid>/<vid>/test_summary.json`)."""
    path = Path(site) / "rdfs" / name / "test_summary.json"
    try:
        return TestSummary.from_json(_json(path), source=str(path))
    except BadInput:
        return None


def _warnings(path: Path | None) -> list[str]:
    """The build's problems that are not the PR's, as lines (from `zoo build --summary FILE`)."""
    if path is None:
        return []
    data = _json(Path(path))
    found = data.get("warnings") if isinstance(data, dict) else None
    if not isinstance(found, list):
        raise BadInput("expected the JSON summary `zoo build --summary` writes (no `warnings` list)", source=str(path))
    lines = []
    for item in found:
        if isinstance(item, dict):
            loc = [x for x in item.get("loc") or [] if isinstance(x, (str, int))]
            lines.append(Problem(str(item.get("source", "")), str(item.get("message", "")), tuple(loc)).format_text())
    return lines


def _json(path: Path) -> Any:
    try:
        if path.stat().st_size > MAX_JSON_BYTES:
            raise BadInput(f"larger than {MAX_JSON_BYTES} bytes", source=str(path))
        return json.loads(path.read_bytes())
    except FileNotFoundError:
        raise BadInput("not found", source=str(path)) from None
    except (OSError, ValueError) as e:
        raise BadInput(f"cannot read: {e}", source=str(path)) from None
