"""`zoo run`, the main job: harvest, propose, build and render the site, in that order.

The embedded default reads the bundled examples (a Zenodo-shaped record set and two partner
collections), keeps its store in `.zoo/collection` (a git repository of its own, so the local
PR backend has somewhere to open branches) and accepts harvested versions at once, as a
maintainer merging every PR would; it needs no network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pipeline.build.builder import BuildOptions, BuildSummary, build
from pipeline.base.commands import run_git
from pipeline.errors import BadInput

Say = Callable[[str], None]


@dataclass
class RunConfig:
    """Where every stage reads and writes; `embedded()` is the offline default."""

    zenodo: str | None
    partners: Path | None
    store: Path
    site: Path = Path("site")
    cache: Path = Path(".cache")
    github: str | None = None
    github_token: str | None = None
    max_prs: int = 10
    accept: bool = False
    own_repository: bool = False  # make the store's parent a git repository of its own if needed
    run_tests: bool = True
    jobs: int = 2

    @classmethod
    def embedded(cls, examples: Path = Path("examples"), work: Path = Path(".zoo"), **changes: Any) -> "RunConfig":
        if not (examples / "zenodo").is_dir():
            raise BadInput("the embedded default needs the examples folder of a checkout; run from the "
                           "repository root or pass --zenodo/--partners/--store", source=str(examples))
        return cls(zenodo=str(examples / "zenodo"), partners=examples / "partners",
                   store=work / "collection", accept=True, own_repository=True, **changes)


@dataclass
class RunSummary:
    """One line per stage plus the build's own summary; `ok` is False if any stage failed."""

    stages: list[tuple[str, bool, str]] = field(default_factory=list)
    build: BuildSummary | None = None

    @property
    def ok(self) -> bool:
        return all(ok for _, ok, _ in self.stages)


def run_all(config: RunConfig, say: Say = print) -> RunSummary:
    """Every stage in order; a failing source or item is reported and the later stages still run."""
    from pipeline.contribute import propose
    from pipeline.contribute.backend import open_backend
    from pipeline.site import render_site
    from pipeline.sources import harvest

    summary = RunSummary()
    config.store.mkdir(parents=True, exist_ok=True)
    if config.own_repository:
        _ensure_repository(config.store.parent)

    say("== harvest")
    harvested = harvest(config.zenodo, config.partners, config.store, accept=config.accept)
    say(harvested.format_text())
    summary.stages.append(("harvest", harvested.ok, "sources read"))

    say("== propose")
    backend = open_backend(config.store, github=config.github, token=config.github_token)
    proposed = propose(config.store, backend, config.max_prs)
    say(proposed.format_text())
    summary.stages.append(("propose", proposed.ok, "contribution PRs"))

    say("== build")
    summary.build = build(BuildOptions(store=config.store, site=config.site, cache=config.cache,
                                       partners=config.partners, run_tests=config.run_tests, jobs=config.jobs))
    say(f"{summary.build.versions} versions, {summary.build.rebuilt} rebuilt, {summary.build.tests_run} "
        f"model tests run, {len(summary.build.failed)} failing, {len(summary.build.problems)} problems")
    for problem in summary.build.problems:
        say(f"  problem: {problem}")
    summary.stages.append(("build", not summary.build.problems, "site data"))

    say("== site")
    rendered = render_site(config.site, partners=config.partners)
    say(rendered.format_text())
    summary.stages.append(("site", rendered.ok, "pages"))
    return summary


def _ensure_repository(folder: Path) -> None:
    """A git repository at `folder` with one commit, for the local PR backend's branches."""
    if (folder / ".git").exists():
        return
    run_git(["init", "--quiet", "--initial-branch", "main"], cwd=folder)
    run_git(["-c", "user.name=zoo", "-c", "user.email=zoo@localhost", "commit", "--quiet",
             "--allow-empty", "-m", "Empty store"], cwd=folder)
