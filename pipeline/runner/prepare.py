"""Build the environments a model's tests will run in, before any model code runs.

Only the description and each weights entry's dependencies file are read, never the weights;
each environment is the one `test_model` asks for, so a CI job can build and save its
environment cache in a step that comes before the step that runs model code.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import ExternalToolFailed, ZooError
from pipeline.runner.environments import ensure_environment, requirement_set
from pipeline.runner.model_files import describe, load_source, materialize_dependencies

UNRUNNABLE = {"tensorflow_js"}


@dataclass(frozen=True)
class Prepared:
    """One weights format's environment: its requirement-set key, or why it could not be built."""

    weights_format: str
    env_key: str | None
    error: str | None = None


def prepare_environments(source: Any, *, env_cache: Path | None = None, offline: bool = False,
                         policy: Any = None) -> list[Prepared]:
    """Make ready the environment of every runnable weights format of a model (path, URL or LoadedRdf)."""
    try:
        loaded = load_source(source, policy=policy)
        descr = describe(loaded)
    except ZooError as e:
        return [Prepared("-", None, str(e))]
    done = []
    workdir = Path(tempfile.mkdtemp(prefix="zoo-env-"))
    try:
        for fmt in sorted(set(descr["weights"]) - UNRUNNABLE):
            try:
                deps_text = materialize_dependencies(loaded, descr, fmt, workdir)
                reqs = requirement_set(fmt, descr["weights"][fmt], deps_text)
                ensure_environment(reqs, cache_dir=env_cache, conda_text=deps_text if reqs.conda_file else None,
                                   offline=offline)
            except (ZooError, ExternalToolFailed) as e:
                done.append(Prepared(fmt, None, str(e)))
                continue
            done.append(Prepared(fmt, reqs.key()))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return done
