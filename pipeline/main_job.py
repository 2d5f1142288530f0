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

from pipeline import defaults
from pipeline.base.commands import run_git
from pipeline.build import builder
from pipeline.build.builder import BuildConfig
from pipeline.contracts.stage import Problem, StageResult
from pipeline.contribute import proposing
from pipeline.contribute.proposing import ProposeConfig
from pipeline.errors import BadInput
from pipeline.site import builder as site_builder
from pipeline.site.builder import SiteConfig
from pipeline.sources import harvesting
from pipeline.sources.harvesting import HarvestConfig

Say = Callable[[str], None]


@dataclass(frozen=True)
class RunConfig:
    """Where every stage reads and writes; `embedded()` is the offline default."""

    zenodo: str | None
    partners: Path | None
    store: Path = defaults.STORE
    site: Path = defaults.SITE
    cache: Path = defaults.CACHE
    github: str | None = None
    github_token: str | None = None
    max_prs: int = defaults.MAX_PRS
    accept: bool = False
    own_repository: bool = False  # make the store's parent a git repository of its own if needed
    run_tests: bool = True
    jobs: int = defaults.JOBS
    say: Say = print  # where each stage's report goes as it finishes

    @classmethod
    def embedded(cls, examples: Path = defaults.EXAMPLES, work: Path = defaults.EMBEDDED_WORK,
                 **changes: Any) -> "RunConfig":
        if not (examples / "zenodo").is_dir():
            raise BadInput("the embedded default needs the examples folder of a checkout; run from the "
                           "repository root or pass --zenodo/--partners/--store", source=str(examples))
        return cls(zenodo=str(examples / "zenodo"), partners=examples / "partners",
                   store=work / "collection", accept=True, own_repository=True, **changes)


@dataclass
class RunSummary:
    """Each stage's result, in order; `ok` is False if any stage failed."""

    stages: list[tuple[str, StageResult]] = field(default_factory=list)

    def stage(self, name: str) -> Any:
        return dict(self.stages)[name]

    @property
    def ok(self) -> bool:
        return all(result.ok for _, result in self.stages)

    @property
    def problems(self) -> list[Problem]:
        return [p for _, result in self.stages for p in result.problems]

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "stages": {name: result.to_json() for name, result in self.stages}}

    def format_text(self) -> str:
        return "\n".join(f"{name:8} {'ok' if result.ok else 'FAILED'}" for name, result in self.stages)


def run(config: RunConfig) -> RunSummary:
    """Every stage in order; a failing source or item is reported and the later stages still run."""
    config.store.mkdir(parents=True, exist_ok=True)
    if config.own_repository:
        _ensure_repository(config.store.parent)
    stages: list[tuple[str, Callable[[Any], StageResult], Any]] = [
        ("harvest", harvesting.run, HarvestConfig(config.zenodo, config.partners, config.store,
                                                  accept=config.accept)),
        ("propose", proposing.run, ProposeConfig(config.store, github=config.github, token=config.github_token,
                                                 max_prs=config.max_prs)),
        ("build", builder.run, BuildConfig(config.store, config.site, config.cache, config.partners,
                                           run_tests=config.run_tests, jobs=config.jobs)),
        ("site", site_builder.run, SiteConfig(config.site, config.partners)),
    ]
    summary = RunSummary()
    for name, stage, stage_config in stages:
        config.say(f"== {name}")
        result = stage(stage_config)
        config.say(result.format_text())
        summary.stages.append((name, result))
    return summary


def _ensure_repository(folder: Path) -> None:
    """A git repository at `folder` with one commit, for the local PR backend's branches."""
    if (folder / ".git").exists():
        return
    run_git(["init", "--quiet", "--initial-branch", "main"], cwd=folder)
    run_git(["-c", "user.name=zoo", "-c", "user.email=zoo@localhost", "commit", "--quiet",
             "--allow-empty", "-m", "Empty store"], cwd=folder)
