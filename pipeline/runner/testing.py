"""`test_model`: every weights format of a model, each in its environment and its own process."""

from __future__ import annotations

import shutil
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pipeline.contracts.results import FAILED, PASSED, SKIPPED, TestEntry, TestStatus
from pipeline.errors import BadInput, ExternalToolFailed, ZooError
from pipeline.runner.checks import REPRODUCE
from pipeline.runner.environments import RequirementSet, ensure_environment, requirement_set
from pipeline.runner.model_files import describe, load_source, materialize_weights, materialize_test_tensors
from pipeline.runner.progress import tail_lines
from pipeline.runner.sandbox import Limits, run_isolated

INSTALL = "install test environment"
LOAD_RDF = "load model description"
FILES = "fetch model files"
PREPARE = "prepare model test"


@dataclass
class TestResult:
    """All checks of one model: passed only when every runnable check passed (skips don't count)."""

    source: str
    tests: list[TestEntry] = field(default_factory=list)

    @property
    def status(self) -> TestStatus:
        statuses = [t.status for t in self.tests]
        return PASSED if statuses and FAILED not in statuses and PASSED in statuses else FAILED

    def to_json(self) -> dict[str, Any]:
        """The result as cached and printed (entries without tool version: the build adds it)."""
        return {"source": self.source, "status": self.status, "tests": [t.to_json() for t in self.tests]}

    @classmethod
    def from_json(cls, data: Any, *, source: str = "") -> "TestResult":
        """A cached result, checked (a damaged cache file raises BadInput)."""
        if not isinstance(data, dict) or not isinstance(data.get("tests"), list):
            raise BadInput("expected a model test result with a `tests` list", source=source)
        return cls(str(data.get("source", "")),
                   [TestEntry.from_json(t, source=source, loc=("tests", i)) for i, t in enumerate(data["tests"])])


def failed(name: str, fmt: str | None, error: str, *, traceback: str | None = None, env: dict | None = None,
           seconds: float = 0.0, status: TestStatus = FAILED, wanted: RequirementSet | None = None) -> TestEntry:
    entry = TestEntry(name, status, error, traceback, seconds=round(seconds, 3), weights_format=fmt, env=env or {},
                      omitted=frozenset({"tool_version", "env_key", "requirements"}))
    return entry.wanting(wanted.key(), wanted.requirements) if wanted else entry


def environment_key(descr: dict[str, Any], weights_format: str, dependencies_text: str | None = None) -> str:
    """Hash of the requirement set of one weights format: the build stage groups/caches tests by it."""
    return requirement_set(weights_format, descr["weights"][weights_format], dependencies_text).key()


def test_model(source: Any, *, weights_format: str | None = None, limits: Limits | None = None,
               env_cache: Path | None = None, offline: bool = False, policy: Any = None,
               progress: Callable[[str], None] | None = None) -> TestResult:
    """Test a model (path, URL or LoadedRdf): reproduce its test outputs with each weights format.

    `policy` (an HttpPolicy) governs URL sources; `progress` receives one line per step.
    """
    limits = limits or Limits.from_env()
    try:
        loaded = load_source(source, policy=policy)
        descr = describe(loaded)
    except ZooError as e:
        return TestResult(str(getattr(source, "source", source)), [failed(LOAD_RDF, None, str(e))])
    try:
        return _test_loaded(loaded, descr, weights_format, limits, env_cache, offline, progress)
    except Exception as e:  # a hostile description must end as a failed test, never as a crash
        return TestResult(str(loaded.source), [failed(PREPARE, weights_format, f"{type(e).__name__}: {e}",
                                                      traceback=traceback.format_exc(limit=6))])


def _test_loaded(loaded: Any, descr: dict, weights_format: str | None, limits: Limits, env_cache: Path | None,
                 offline: bool, progress: Callable[[str], None] | None) -> TestResult:
    result = TestResult(str(loaded.source))
    formats = [f for f in descr["weights"] if weights_format in (None, f)]
    if not formats:
        result.tests.append(failed(LOAD_RDF, weights_format, f"the model has no weights in format "
                                   f"{weights_format!r} (it has {sorted(descr['weights'])})"))
    workdir = Path(tempfile.mkdtemp(prefix="zoo-model-"))
    try:
        try:
            tensors = materialize_test_tensors(loaded, descr, workdir)
        except ZooError as e:
            result.tests.append(failed(FILES, None, str(e)))
            return result
        for fmt in formats:
            say = (lambda line, fmt=fmt: progress(f"{fmt}: {line}")) if progress else None
            result.tests += _test_format(loaded, descr, fmt, tensors, workdir, limits, env_cache, offline, say)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def _test_format(loaded: Any, descr: dict, fmt: str, tensors: dict, workdir: Path, limits: Limits,
                 env_cache: Path | None, offline: bool, say: Callable[[str], None] | None) -> list[TestEntry]:
    start = time.perf_counter()
    say = say or (lambda line: None)
    if fmt == "tensorflow_js":
        return [failed(REPRODUCE, fmt, "tensorflow_js weights cannot be run in Python", status=SKIPPED)]
    try:
        files, deps_text = materialize_weights(loaded, descr, fmt, workdir)
    except ZooError as e:
        return [failed(REPRODUCE, fmt, str(e), seconds=time.perf_counter() - start)]
    try:
        reqs: RequirementSet = requirement_set(fmt, descr["weights"][fmt], deps_text)
    except BadInput as e:
        return [failed(INSTALL, fmt, str(e), seconds=time.perf_counter() - start)]
    try:
        conda_text = deps_text if reqs.conda_file else None
        python = ensure_environment(reqs, cache_dir=env_cache, conda_text=conda_text, offline=offline)
    except ExternalToolFailed as e:
        say(f"{INSTALL}: failed")
        return [failed(INSTALL, fmt, str(e), wanted=reqs, seconds=time.perf_counter() - start)]
    say(f"{INSTALL}: ready ({time.perf_counter() - start:.1f} s)")
    progress_file = workdir / f"progress-{fmt}.txt"
    job = {"descr": descr, "weights_format": fmt, "files": {k: str(v) for k, v in files.items()},
           "test_inputs": {k: str(v) for k, v in tensors["inputs"].items()},
           "test_outputs": {k: str(v) for k, v in tensors["outputs"].items()},
           "check_sizes": str(loaded.data.get("format_version", "")).startswith("0.5"),
           "progress": str(progress_file)}
    with tail_lines(progress_file, say):
        outcome = run_isolated(python, job, limits)
    env = outcome.get("env") if isinstance(outcome.get("env"), dict) else {}
    if "tests" not in outcome:
        say(f"model process: {outcome['error']}")
        return [failed(REPRODUCE, fmt, f"the model process {outcome['error']}", traceback=outcome.get("stderr"),
                       env=env, wanted=reqs, seconds=time.perf_counter() - start)]
    try:
        entries = TestResult.from_json(outcome, source="the model process").tests
    except BadInput as e:  # model code shares the worker's process and could write anything
        return [failed(REPRODUCE, fmt, f"malformed result: {e}", env=env, wanted=reqs,
                       seconds=time.perf_counter() - start)]
    # what was asked for, beside the env that was found: the published env names packages and versions only
    return [entry.ran_with(fmt, env).wanting(reqs.key(), reqs.requirements) for entry in entries]


# pytest would otherwise collect these by their names wherever a test module imports them
test_model.__test__ = False  # type: ignore[attr-defined]
TestResult.__test__ = False  # type: ignore[attr-defined]
