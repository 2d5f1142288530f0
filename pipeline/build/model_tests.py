"""Model tests for the build: cache keys, pending work, shards, and the pool that runs them.

A result is cached under a key over everything it depends on (the RDF's bytes, the files'
hashes, the runner's version and the environment), so only new or changed versions re-run,
and shards of a build merge by copying their cache files together.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from pipeline import __version__
from pipeline.build.cache import JsonCache, content_key
from pipeline.contracts.results import FAILED, TestEntry
from pipeline.errors import BadInput
from pipeline.spec import LoadedRdf
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
    weights format, so models with the same frameworks group onto the same CI runner."""
    from pipeline.runner.environments import requirement_set
    from pipeline.runner.model_files import describe

    try:
        weights = describe(loaded)["weights"]
        sets = [requirement_set(fmt, entry) for fmt, entry in sorted(weights.items()) if fmt != "tensorflow_js"]
    except BadInput:
        return "undescribed", "invalid model description"
    # Two formats asking for the same environment share it: the key is over the distinct sets.
    key = content_key(sorted({s.key() for s in sets}))[:16]
    label = " + ".join(sorted({r for s in sets for r in s.requirements if r != "numpy"})) or "numpy"
    conda = sorted({s.conda_file for s in sets if s.conda_file})
    return key, label + (f" (conda {', '.join(conda)})" if conda else "")


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


def matrix(pending: list[PendingTest], *, max_jobs: int) -> dict[str, Any]:
    """The GitHub Actions matrix: one job per environment group (groups bundled past max_jobs)."""
    groups: dict[str, list[PendingTest]] = {}
    for p in pending:
        groups.setdefault(p.env_key, []).append(p)
    labels = _unique_labels({key: tests[0].env_label for key, tests in groups.items()})
    count = max(1, min(len(groups), max_jobs))
    include = []
    for index in range(1, count + 1):
        mine = select_shard(pending, (index, count)) if groups else []
        include.append({
            "shard": f"{index}/{count}",
            "environments": sorted({labels[p.env_key] for p in mine}),
            "env_keys": sorted({p.env_key for p in mine}),  # safe in cache keys, unlike labels
            "tests": len(mine),
        })
    return {"include": include if groups else []}


def _unique_labels(labels: dict[str, str]) -> dict[str, str]:
    """env key -> its label, with the key's start added where two environments read alike."""
    seen: dict[str, int] = {}
    for label in labels.values():
        seen[label] = seen.get(label, 0) + 1
    return {key: f"{label} [{key[:8]}]" if seen[label] > 1 else label for key, label in labels.items()}


def run_pending(pending: Iterable[PendingTest], cache: JsonCache, *, jobs: int,
                on_done: Callable[[PendingTest, dict[str, Any]], None] | None = None) -> int:
    """Run the pending tests `jobs` at a time (each in the runner's own subprocess); cache results."""
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
            cache.put(item.test_key, result)
            if on_done:
                on_done(item, result)
    return len(items)
