"""Model tests for the build: cache keys, pending work, shards, and the pool that runs them.

A result is cached under a key over everything it depends on (the RDF's bytes, the files'
hashes, the runner's version and the environment), so only new or changed versions re-run.
A CI run's plan gives each shard whole environment groups; the merge (merge.py) takes from each
shard only the results the plan gave it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from pipeline import __version__
from pipeline.build.cache import JsonCache, content_key
from pipeline.contracts.plan import PlannedTest, Shard, TestPlan
from pipeline.contracts.results import FAILED, TestEntry
from pipeline.contracts.stage import Problem
from pipeline.errors import BadInput
from pipeline.spec import LoadedRdf
from pipeline.runner.prepare import prepare_environments
from pipeline.runner.testing import TestResult, test_model
from pipeline.spec.root import is_url


@dataclass(frozen=True)
class PendingTest:
    """One model version whose test result is not cached yet."""

    resource_id: str
    version_id: str
    test_key: str
    env_key: str
    env_label: str
    loaded: LoadedRdf


def file_hashes(loaded: LoadedRdf) -> list[str]:
    """One fingerprint per referenced file: its declared sha256, else its content's, else its URL."""
    from pipeline.spec import referenced_files

    prints = []
    for ref in referenced_files(loaded.data):
        if ref.sha256:
            prints.append(f"{ref.source}={ref.sha256.lower()}")
        elif is_url(ref.source) or loaded.root.is_remote(ref.source):
            prints.append(f"{ref.source}=url")  # retested with --retest or when the RDF changes
        else:
            try:
                prints.append(f"{ref.source}={loaded.root.sha256(ref.source)}")
            except BadInput:
                prints.append(f"{ref.source}=missing")
    return sorted(prints)


def environment(loaded: LoadedRdf) -> tuple[str, str]:
    """(key, label) of the environments a model's tests run in: one requirement set per
    weights format, and the dependencies file it names, so models with the same frameworks and
    dependencies group onto the same CI job (and the same cache entry of environments)."""
    from pipeline.runner.environments import requirement_set
    from pipeline.runner.model_files import describe

    try:
        weights = describe(loaded)["weights"]
        sets = [requirement_set(fmt, entry) for fmt, entry in sorted(weights.items()) if fmt != "tensorflow_js"]
        prints = dict(p.rsplit("=", 1) for p in file_hashes(loaded))
        deps = [_dependencies_print(entry, prints) for fmt, entry in sorted(weights.items()) if fmt != "tensorflow_js"]
    except BadInput:
        return "undescribed", "invalid model description"
    # Two formats asking for the same environment share it: the key is over the distinct sets.
    key = content_key(sorted({s.key() if not d else f"{s.key()}+{d}" for s, d in zip(sets, deps)}))[:16]
    label = " + ".join(sorted({r for s in sets for r in s.requirements if r != "numpy"})) or "numpy"
    conda = sorted({s.conda_file for s in sets if s.conda_file})
    return key, label + (f" (conda {', '.join(conda)})" if conda else "")


def _dependencies_print(entry: dict[str, Any], prints: dict[str, str]) -> str | None:
    """What identifies a weights entry's dependencies file: its sha256, else its file's print."""
    deps = entry.get("dependencies")
    if not deps:
        return None
    source = str(deps.get("source") or "") if isinstance(deps, dict) else str(deps).partition(":")[2]
    sha = deps.get("sha256") if isinstance(deps, dict) else None
    return str(sha or prints.get(source) or source or deps)


def test_key(loaded: LoadedRdf, env_key: str) -> str:
    """The cache key of a model's test results (the runner ships with the pipeline's version)."""
    return content_key("model-test", loaded.sha256, file_hashes(loaded), env_key, __version__)


def run_one(loaded: LoadedRdf) -> dict[str, Any]:
    """Run every weights format's test of one model (isolated by the runner) as JSON."""
    return test_model(loaded).to_json()


def select_shard(pending: list[PendingTest], shard: tuple[int, int] | None) -> list[PendingTest]:
    """The slice of `pending` for shard `i/n`: whole environment groups, round robin."""
    if shard is None:
        return pending
    index, count = shard
    groups = sorted({p.env_key for p in pending})
    mine = {g for n, g in enumerate(groups) if n % count == index - 1}
    return [p for p in pending if p.env_key in mine]


def make_plan(pending: list[PendingTest], *, max_jobs: int) -> TestPlan:
    """One shard per environment group (groups bundled round robin past `max_jobs`); no shard
    when nothing is pending (an empty matrix is an error on GitHub)."""
    groups = sorted({p.env_key for p in pending})
    labels = _unique_labels({p.env_key: p.env_label for p in pending})
    count = max(1, min(len(groups), max_jobs)) if groups else 0
    shards = []
    for index in range(1, count + 1):
        mine = select_shard(pending, (index, count))
        shards.append(Shard(index, tuple(PlannedTest(p.resource_id, p.version_id, p.test_key, p.env_key)
                                         for p in mine), tuple(sorted({labels[p.env_key] for p in mine}))))
    return TestPlan(tuple(shards), generated_by=f"bioimage-zoo-pipeline {__version__}")


def prepare_pending(pending: Iterable[PendingTest], problems: list[Problem]) -> int:
    """Build the environments of the pending tests (no model code runs); how many are ready.
    One that cannot be built is a problem here and a failed install check when its test runs."""
    ready = set()
    for item in pending:
        for prepared in prepare_environments(item.loaded):
            if prepared.env_key:
                ready.add(prepared.env_key)
            else:
                problems.append(Problem(f"{item.resource_id}/{item.version_id}",
                                        f"{prepared.weights_format}: {prepared.error}"))
    return len(ready)


def _unique_labels(labels: dict[str, str]) -> dict[str, str]:
    """env key -> its label, with the key's start added where two environments read alike."""
    seen: dict[str, int] = {}
    for label in labels.values():
        seen[label] = seen.get(label, 0) + 1
    return {key: f"{label} [{key[:8]}]" if seen[label] > 1 else label for key, label in labels.items()}


def run_pending(pending: Iterable[PendingTest], cache: JsonCache, *, jobs: int,
                on_done: Callable[[PendingTest, dict[str, Any]], None] | None = None,
                problems: list[Problem] | None = None) -> int:
    """Run the pending tests `jobs` at a time (each in the runner's own subprocess); cache results.
    The runner itself failing is cached as a failed test and, given `problems`, also reported."""
    items = list(pending)
    if not items:
        return 0
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(run_one, p.loaded): p for p in items}
        for future in as_completed(futures):
            item = futures[future]
            try:
                result = future.result()
            except Exception as e:  # the runner isolates models; this is the runner itself failing
                result = TestResult(item.loaded.source, [TestEntry(
                    "run model tests", FAILED, f"{type(e).__name__}: {e}",
                    omitted=frozenset({"seconds", "tool_version"}))]).to_json()
                if problems is not None:
                    problems.append(Problem(f"{item.resource_id}/{item.version_id}",
                                            f"the test runner failed: {type(e).__name__}: {e}"))
            cache.put(item.test_key, result)
            if on_done:
                on_done(item, result)
    return len(items)
