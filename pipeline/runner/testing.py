"""`test_model`: every weights format of a model, each in its environment and its own process."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pipeline.contracts.results import FAILED, PASSED, SKIPPED, TestEntry, TestStatus
from pipeline.errors import BadInput, ExternalToolFailed, ZooError
from pipeline.base.secrets import scrub
from pipeline.runner.checks import REPRODUCE, SIZES
from pipeline.runner.environments import RequirementSet, ensure_environment, requirement_set
from pipeline.runner.model_files import describe, load_source, materialize_weights, materialize_test_tensors
from pipeline.runner.sandbox import Limits, Outcome, sandboxed
from pipeline.runner.verdict import compare_outputs

INSTALL = "install test environment"
LOAD_RDF = "load model description"
FILES = "fetch model files"
PREPARE = "prepare model test"
WORKER_CHECKS = (REPRODUCE, SIZES)
MAX_WARNINGS = 100


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
    job = {"kind": "test", "descr": descr, "weights_format": fmt, "device": reqs.device,
           "files": {k: str(v) for k, v in files.items()},
           "test_inputs": {k: str(v) for k, v in tensors["inputs"].items()},
           "check_sizes": str(loaded.data.get("format_version", "")).startswith("0.5")}
    with sandboxed(python, job, limits, progress=say) as outcome:
        entries = _entries(outcome, descr, fmt, tensors["outputs"])
    seconds = time.perf_counter() - start
    if outcome.report is None:
        say(f"model process: {outcome.error}")
    # what was asked for, beside the env that was found: the published env names packages and versions only
    return [scrubbed(entry, seconds).wanting(reqs.key(), reqs.requirements) for entry in entries]


def _entries(outcome: Outcome, descr: dict, fmt: str, expected: dict[str, Path]) -> list[TestEntry]:
    """The test entries of one weights format: the worker's report (untrusted: it can only fail a
    test) with the reproduce check decided here, by comparing the outputs it wrote."""
    report = outcome.report or {}
    env = reported_env(outcome.report)
    if outcome.report is None:
        return [failed(REPRODUCE, fmt, f"the model process {outcome.error}", traceback=outcome.stderr or None,
                       env=env)]
    try:
        entries = TestResult.from_json(report, source="the model process").tests
    except BadInput as e:
        return [failed(REPRODUCE, fmt, f"the model process wrote a malformed report: {e}", env=env)]
    reported: dict[str, TestEntry] = {}
    for entry in entries:  # only the checks a worker runs, once each: model code could report anything
        if entry.name in WORKER_CHECKS and entry.name not in reported:
            reported[entry.name] = TestEntry(entry.name, entry.status, entry.error, entry.traceback,
                                             entry.warnings[:MAX_WARNINGS], omitted=frozenset({"tool_version"}))
    if REPRODUCE not in reported:
        reported[REPRODUCE] = failed(REPRODUCE, fmt, "the model process reported no run on the test inputs")
    decided = []
    for entry in sorted(reported.values(), key=lambda e: WORKER_CHECKS.index(e.name)):
        if entry.name == REPRODUCE and entry.status == PASSED:
            entry = _verdict(entry, descr, fmt, expected, outcome.outputs)
        decided.append(entry.ran_with(fmt, env))
    return decided


def _verdict(ran: TestEntry, descr: dict, fmt: str, expected: dict[str, Path], outputs: Path) -> TestEntry:
    try:
        problems = compare_outputs(descr, fmt, expected, outputs)
    except ValueError as e:  # TensorError: an unreadable output or test tensor
        problems = [str(e)]
    if not problems:
        return ran
    return dataclasses.replace(ran, status=FAILED, error=f"AssertionError: {'; '.join(problems)}")


def reported_env(report: dict | None) -> dict[str, str]:
    """The environment a worker's report names (model code wrote it): bounded and scrubbed."""
    env = (report or {}).get("env")
    if not isinstance(env, dict):
        return {}
    return {(scrub(str(k)) or "")[:100]: (scrub(str(v)) or "")[:100] for k, v in list(env.items())[:200]}


def scrubbed(entry: TestEntry, seconds: float) -> TestEntry:
    """Published text never carries a secret of this process' environment, whoever wrote it."""
    return dataclasses.replace(entry, error=scrub(entry.error), traceback=scrub(entry.traceback),
                               warnings=tuple(scrub(w) or "" for w in entry.warnings),
                               seconds=entry.seconds or round(seconds, 3)).bounded()


# pytest would otherwise collect these by their names wherever a test module imports them
test_model.__test__ = False  # type: ignore[attr-defined]
TestResult.__test__ = False  # type: ignore[attr-defined]
