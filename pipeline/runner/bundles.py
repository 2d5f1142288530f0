"""Browser-bundle jobs from the parent's side: each runs in the sandboxed worker, in an
environment built like a model test's (pipeline/runner/bundle_jobs.py is the worker's side)."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from pipeline.contracts.results import BROWSER_BUNDLE, PASSED, TestEntry
from pipeline.errors import BadInput, ExternalToolFailed, ZooError
from pipeline.runner.bundle_jobs import EXPORT, NETWORK
from pipeline.runner.environments import RequirementSet, ensure_environment, requirement_set
from pipeline.runner.model_files import materialize_test_tensors, materialize_weights
from pipeline.runner.sandbox import Limits, Outcome, sandboxed
from pipeline.runner.testing import INSTALL, TestResult, failed, reported_env, scrubbed

TORCH_FORMATS = ("torchscript", "pytorch_state_dict")


def export_network(loaded: Any, descr: dict[str, Any], fmt: str, dest: Path, *, opset: int,
                   limits: Limits | None = None, env_cache: Path | None = None) -> TestEntry:
    """Export the `fmt` torch weights to ONNX at `dest`, traced on the preprocessed test inputs."""
    def job(workdir: Path, tensors: dict[str, dict[str, Path]]) -> tuple[dict[str, Any], RequirementSet, str | None]:
        files, deps = materialize_weights(loaded, descr, fmt, workdir)
        framework = requirement_set(fmt, descr["weights"][fmt], deps)
        # pip only: a conda file would not bring the exporter's `onnx`, its pip equivalents do
        reqs = RequirementSet((*framework.requirements, "onnx"))
        return ({"kind": "export_onnx", "weights_format": fmt, "files": {k: str(v) for k, v in files.items()},
                 "test_inputs": {k: str(v) for k, v in tensors["inputs"].items()}, "opset": opset}, reqs, None)

    def keep(outcome: Outcome) -> str | None:
        network = outcome.outputs / NETWORK
        if not network.is_file() or network.is_symlink():
            return "the export wrote no network"
        shutil.copyfile(network, dest)
        return None

    return _run(loaded, descr, EXPORT, fmt, job, limits, env_cache, keep)


def check_bundle(loaded: Any, descr: dict[str, Any], graphs: dict[str, Path], fmt: str, *, budget: int,
                 limits: Limits | None = None, env_cache: Path | None = None) -> TestEntry:
    """Run the bundle's graphs on the test inputs as the browser will; compare with the test outputs
    under the tolerance of the weights the network came from (`fmt`)."""
    def job(workdir: Path, tensors: dict[str, dict[str, Path]]) -> tuple[dict[str, Any], RequirementSet, str | None]:
        return ({"kind": "check_bundle", "weights_format": "onnx", "tolerance_format": fmt, "files": {},
                 "graphs": {k: str(v) for k, v in graphs.items()}, "budget": budget,
                 "test_inputs": {k: str(v) for k, v in tensors["inputs"].items()},
                 "test_outputs": {k: str(v) for k, v in tensors["outputs"].items()}},
                requirement_set("onnx", {}), None)

    return _run(loaded, descr, BROWSER_BUNDLE, fmt, job, limits, env_cache)


def _run(loaded: Any, descr: dict[str, Any], name: str, fmt: str, make_job: Any, limits: Limits | None,
         env_cache: Path | None, keep: Any = None) -> TestEntry:
    """Prepare files and environment, run the job isolated, and read back its one entry."""
    start = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="zoo-bundle-"))
    try:
        try:
            tensors = materialize_test_tensors(loaded, descr, workdir)
            job, reqs, conda = make_job(workdir, tensors)
        except ZooError as e:
            return failed(name, fmt, str(e), seconds=time.perf_counter() - start)
        try:
            python = ensure_environment(reqs, cache_dir=env_cache, conda_text=conda)
        except (ExternalToolFailed, BadInput) as e:
            return failed(INSTALL, fmt, str(e), wanted=reqs, seconds=time.perf_counter() - start)
        with sandboxed(python, {"descr": descr, **job}, limits or Limits.from_env()) as outcome:
            entry = _entry(outcome, name, fmt, reqs, start)
            if entry.status == PASSED and keep is not None and (problem := keep(outcome)):
                entry = failed(name, fmt, problem, env=dict(entry.env or {}), wanted=reqs)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return scrubbed(entry, time.perf_counter() - start)


def _entry(outcome: Outcome, name: str, fmt: str, reqs: RequirementSet, start: float) -> TestEntry:
    """The job's one entry, from the worker's report (untrusted, bounded by the sandbox)."""
    report = outcome.report or {}
    env = reported_env(outcome.report)
    if outcome.report is None:
        return failed(name, fmt, f"the worker {outcome.error}", traceback=outcome.stderr or None, env=env,
                      wanted=reqs, seconds=time.perf_counter() - start)
    try:
        entries = TestResult.from_json(report, source="the bundle worker").tests
    except BadInput as e:
        return failed(name, fmt, f"malformed result: {e}", env=env, wanted=reqs, seconds=time.perf_counter() - start)
    if len(entries) != 1 or entries[0].name != name:
        return failed(name, fmt, f"the worker returned {len(entries)} results, not one {name!r}", env=env,
                      wanted=reqs)
    return entries[0].ran_with(fmt, env).wanting(reqs.key(), reqs.requirements)
