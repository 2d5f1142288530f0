"""`zoo build`: the published site data as a pure function of the store plus cached results.

Reads top to bottom: read the store and partner results, decide per accepted version whether
anything it depends on changed, load and validate what changed, run the model tests that are
not cached, publish the changed versions, then write the collection files and drop what is no
longer published. A version whose inputs are unchanged costs a hash and a few stats.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.build import model_tests, summaries
from pipeline.build.cache import JsonCache, content_key
from pipeline.build.collection import (
    BuiltVersion, RDF_SUMMARY_FIELDS, all_versions_document, collection_document,
    link_resources, resource_summary,
)
from pipeline.build.files import json_bytes, read_json, write_if_changed
from pipeline.build.partner_sources import load_partner_results
from pipeline.build.publish import Published, publish_version, published_rdf, version_dir
from pipeline.contracts.partners import Partner
from pipeline.contracts.results import TestSummary
from pipeline.runner.testing import TestResult
from pipeline.errors import BadInput
from pipeline.base.http import HttpPolicy
from pipeline.spec import LoadedRdf
from pipeline.store import Store
from pipeline.store.model import data_digest, rdf_location
from pipeline.store.nicknames import duplicates

MANIFEST_VERSION = 1


@dataclass
class BuildOptions:
    """Where the build reads and writes, and how much work it may do."""

    store: Path
    site: Path
    cache: Path
    partners: Path | None = None
    retest: bool = False
    recheck: bool = False  # re-fetch and re-validate every RDF, to notice upstream changes
    run_tests: bool = True
    shard: tuple[int, int] | None = None
    jobs: int = 2
    packages: bool = True
    policy: HttpPolicy | None = None


@dataclass
class BuildSummary:
    """What a build did; `problems` are per-item failures that did not stop the build."""

    versions: int = 0
    rebuilt: int = 0
    unchanged: int = 0
    tests_run: int = 0
    tests_cached: int = 0
    removed: int = 0
    failed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Target:
    resource: dict[str, Any]
    version: dict[str, Any]
    accepted_ids: list[str]
    partner_tests: dict[str, list[dict[str, Any]]]
    key: str = ""
    loaded: LoadedRdf | None = None
    load_error: str | None = None
    report: dict[str, Any] | None = None
    test_key: str | None = None
    reused: BuiltVersion | None = None

    @property
    def name(self) -> str:
        return f"{self.resource['id']}/{self.version['version_id']}"


@dataclass
class _Prepared:
    resources: list[dict[str, Any]]
    partners: list[Partner]
    targets: list[_Target]
    fresh_names: set[str]
    pending: list[model_tests.PendingTest]
    manifest: dict[str, Any]
    tests_cache: JsonCache


def _prepare(options: BuildOptions, summary: BuildSummary) -> _Prepared:
    """Everything up to the model tests: what is published, what changed, what must be tested."""
    tests_cache = JsonCache(options.cache / "tests")
    resources, problems = _read_store(options.store)
    summary.problems += problems
    partners, partner_results, problems = load_partner_results(options.partners, options.policy)
    summary.problems += problems
    targets = _targets(resources, partner_results, summary)
    manifest = _read_manifest(options.cache)
    everything = options.retest or options.recheck
    fresh = [t for t in targets if everything or not _reusable(t, manifest, options, tests_cache)]
    for target in fresh:
        try:
            _load_and_validate(target, options)
        except Exception as e:  # one hostile description must not stop the build
            target.loaded, target.report = None, None
            target.load_error = f"internal error while loading: {type(e).__name__}: {e}"
    pending = _pending_tests(fresh, tests_cache, retest=options.retest)
    return _Prepared(resources, partners, targets, {t.name for t in fresh}, pending, manifest, tests_cache)


def plan(options: BuildOptions, *, max_jobs: int) -> dict[str, Any]:
    """The GitHub Actions matrix of the model tests a build would run."""
    return model_tests.matrix(_prepare(options, BuildSummary()).pending, max_jobs=max_jobs)


def build(options: BuildOptions) -> BuildSummary:
    """Build `options.site` from the store, partners and caches; never raises for bad input."""
    summary = BuildSummary()
    prep = _prepare(options, summary)
    tests_cache, targets, manifest = prep.tests_cache, prep.targets, prep.manifest
    if options.run_tests:
        summary.tests_run = model_tests.run_pending(
            model_tests.select_shard(prep.pending, options.shard), tests_cache, jobs=options.jobs)
    if options.shard is not None:
        return summary  # a shard only fills the test cache; the full build publishes

    built: dict[str, BuiltVersion] = {}
    new_manifest: dict[str, Any] = {}
    for target in targets:
        if target.name in prep.fresh_names:
            built[target.name], entry = _publish_guarded(target, options, tests_cache, summary)
            summary.rebuilt += 1
        else:
            entry = manifest[target.name]
            built[target.name] = target.reused
            summary.unchanged += 1
        new_manifest[target.name] = entry
        if built[target.name].status.get("overall") == "failed":
            summary.failed.append(target.name)
    summary.versions = len(targets)
    summary.tests_cached = sum(1 for t in targets if t.test_key and t.test_key in tests_cache)

    _write_collection(options.site, prep.resources, targets, built, prep.partners)
    summary.removed = _remove_stale(options.site, manifest, new_manifest)
    write_if_changed(options.cache / "build-manifest.json",
                     json_bytes({"version": MANIFEST_VERSION, "versions": new_manifest}, compact=True))
    return summary


def _read_store(root: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Every readable resource as plain data, and one problem line per damaged file."""
    store = Store(root)
    records, problems = [], []
    for rid in store.ids():
        try:
            resource = store.get(rid)
        except BadInput as e:
            problems.append(str(e))
            continue
        if resource is not None:
            records.append(resource)
    store.save_index()
    for nickname, ids in sorted(duplicates(records).items()):
        problems.append(f"nickname {nickname!r} is used by {len(ids)} resources: {', '.join(ids)}")
    return [r.to_dict() for r in records], problems


def _targets(resources: list[dict[str, Any]], partner_results: dict[str, Any],
             summary: BuildSummary) -> list[_Target]:
    """Every accepted version of every accepted resource, each with its input key."""
    known: set[tuple[str, str]] = set()
    targets = []
    for resource in resources:
        if resource.get("status") != "accepted":
            continue
        versions = [v for v in resource.get("versions", []) if isinstance(v, dict)
                    and v.get("status") == "accepted" and v.get("version_id") is not None]
        accepted_ids = [str(v["version_id"]) for v in versions]
        for version in versions:
            version = dict(version, version_id=str(version["version_id"]))
            pair = (resource["id"], version["version_id"])
            known.add(pair)
            partner_tests = {tool: results.tests[pair] for tool, results in partner_results.items()
                             if pair in results.tests}
            target = _Target(resource, version, accepted_ids, partner_tests)
            shared = {k: v for k, v in resource.items() if k != "versions"}
            target.key = content_key(__version__, shared, version, accepted_ids, partner_tests)
            targets.append(target)
    for tool, results in sorted(partner_results.items()):
        for rid, vid in sorted(set(results.tests) - known):
            summary.problems.append(f"partner {tool}: results for {rid}/{vid}, which the zoo does not publish")
    return targets


def _read_manifest(cache: Path) -> dict[str, Any]:
    manifest = read_json(cache / "build-manifest.json", default={})
    return manifest.get("versions", {}) if manifest.get("version") == MANIFEST_VERSION else {}


def _reusable(target: _Target, manifest: dict[str, Any], options: BuildOptions,
              tests_cache: JsonCache) -> bool:
    """True when nothing this version's outputs depend on changed since the last build."""
    entry = manifest.get(target.name)
    if not entry or entry.get("key") != target.key:
        return False
    test_key = entry.get("test_key")
    if test_key and entry.get("test_cached") != (test_key in tests_cache):
        return False  # a shard has delivered the result since
    try:
        target.reused = BuiltVersion(**entry["built"])
    except (TypeError, KeyError):
        return False  # a damaged cache entry is a cache miss
    target.test_key = test_key
    site = str(options.site)
    return all(os.path.isfile(os.path.join(site, path)) for path in entry.get("outputs", []))


def _load_and_validate(target: _Target, options: BuildOptions) -> None:
    from pipeline.spec import load_rdf, validate

    source = target.version.get("rdf_source")
    try:
        if not isinstance(source, str):
            raise BadInput("the store names no rdf_source", source=target.name)
        loaded = load_rdf(rdf_location(options.store, source), policy=options.policy)
    except BadInput as e:
        target.load_error = f"RDF could not be loaded (moved or vanished upstream?): {e}"
        return
    actual = loaded.sha256
    if str(target.resource.get("source", "")).startswith("partner:"):
        # A partner entry is its RDF with the collection's fields laid over it (FORMAT.md §8).
        overlay = target.version.get("partner_overlay")
        data = {**loaded.data, **overlay} if isinstance(overlay, dict) else loaded.data
        actual = data_digest(data)
        loaded = replace(loaded, data=data, sha256=actual)
    target.loaded = loaded
    report = validate(loaded, io=True, policy=options.policy).to_json()
    expected = target.version.get("rdf_sha256")
    if expected and expected != actual:
        report["status"] = "failed"
        report["errors"].append({"loc": [], "type": "changed-upstream",
                                 "msg": f"RDF changed upstream since harvest: expected sha256 "
                                        f"{expected}, got {actual}"})
    target.report = report


def _pending_tests(fresh: list[_Target], cache: JsonCache, *, retest: bool) -> list[model_tests.PendingTest]:
    pending = []
    for target in fresh:
        if target.loaded is None or target.loaded.data.get("type") != "model":
            continue
        if target.report is None or target.report["status"] != "passed":
            continue  # an invalid description is reported as such, not run
        try:
            env_key, env_label = model_tests.environment(target.loaded)
            target.test_key = model_tests.test_key(target.loaded, env_key)
        except Exception as e:  # reported on the version's page instead of stopping the build
            target.report["errors"].append({"loc": [], "type": "internal",
                                            "msg": f"cannot prepare the model test: {type(e).__name__}: {e}"})
            target.report["status"] = "failed"
            continue
        if retest or target.test_key not in cache:
            pending.append(model_tests.PendingTest(
                target.resource["id"], target.version["version_id"], target.test_key,
                env_key, env_label, target.loaded))
    return sorted(pending, key=lambda p: (p.env_key, p.test_key))


def _publish_guarded(target: _Target, options: BuildOptions, cache: JsonCache,
                     summary: BuildSummary) -> tuple[BuiltVersion, dict[str, Any]]:
    """Publish one version; an unexpected failure publishes it as failed instead of stopping."""
    try:
        return _publish(target, options, cache, summary)
    except Exception as e:
        target.loaded, target.report, target.test_key = None, None, None
        target.load_error = f"internal error while publishing: {type(e).__name__}: {e}"
        return _publish(target, options, cache, summary)


def _publish(target: _Target, options: BuildOptions, cache: JsonCache,
             summary: BuildSummary) -> tuple[BuiltVersion, dict[str, Any]]:
    folder = version_dir(target.resource["id"], target.version["version_id"])
    report = target.report or _load_failure(target)
    our_tests = [summaries.format_check(
        passed=report.get("status") == "passed",
        errors=[(e.get("loc", []), e.get("msg", "")) for e in report.get("errors", [])],
        warnings=[(w.get("loc", []), w.get("msg", "")) for w in report.get("warnings", [])])]
    is_model = False
    published = Published()
    rdf: dict[str, Any] = {"type": target.resource.get("type", "generic"),
                           "name": target.version.get("name") or target.resource.get("name") or target.name}
    if target.loaded is not None:
        is_model = target.loaded.data.get("type") == "model"
        rdf = published_rdf(target.loaded.data, target.resource, target.version, target.accepted_ids)
        published = publish_version(target.loaded, rdf, options.site, folder, with_package=options.packages)
        summary.problems += published.problems
    else:
        summary.problems.append(f"{target.name}: {target.load_error}")
    result = cache.get(target.test_key) if target.test_key else None
    if result is not None:
        # the runner ships with the pipeline, so its results carry the pipeline's version
        our_tests += [t.stamped(__version__) for t in TestResult.from_json(result).tests]
    test_summary = TestSummary.compose(
        resource_id=target.resource["id"], version_id=target.version["version_id"],
        rdf_sha256=target.loaded.sha256 if target.loaded else target.version.get("rdf_sha256", ""),
        our_tests=our_tests, partner_tests=target.partner_tests, is_model=is_model)
    write_if_changed(options.site / folder / "test_summary.json", json_bytes(test_summary.to_json()))
    weights = rdf.get("weights") if isinstance(rdf.get("weights"), dict) else {}
    built = BuiltVersion(
        resource_id=target.resource["id"], version_id=target.version["version_id"],
        rdf={k: rdf[k] for k in RDF_SUMMARY_FIELDS if k in rdf},
        rdf_path=f"{folder}/rdf.yaml", rdf_sha256=test_summary.rdf_sha256,
        created=str(target.version.get("created", "")), doi=target.version.get("doi"),
        status=test_summary.status.to_json(), compatibility=test_summary.compatibility(),
        covers=published.covers, package_path=published.package, weights_formats=sorted(weights),
    )
    outputs = [f"{folder}/test_summary.json", *published.covers, *published.previews, *published.files]
    if target.loaded is not None:
        outputs.append(f"{folder}/rdf.yaml")
    if published.package:
        outputs.append(published.package)
    entry = {"key": target.key, "test_key": target.test_key,
             "test_cached": bool(target.test_key and target.test_key in cache),
             "outputs": sorted(outputs), "built": asdict(built)}
    return built, entry


def _load_failure(target: _Target) -> dict[str, Any]:
    return {"status": "failed", "errors": [{"loc": ["rdf_source"], "msg": target.load_error or "not loaded"}],
            "warnings": []}


def _write_collection(site: Path, resources: list[dict[str, Any]], targets: list[_Target],
                      built: dict[str, BuiltVersion], partners: list[Partner]) -> None:
    by_resource: dict[str, list[BuiltVersion]] = {}
    for target in targets:
        by_resource.setdefault(target.resource["id"], []).append(built[target.name])
    entries = []
    for resource in resources:
        versions = by_resource.get(resource["id"])
        if versions:
            entries.append(resource_summary(resource, versions))
    link_resources(entries)
    # Compact: consumers parse these, and at 10,000 resources indentation triples the encoding time.
    write_if_changed(site / "collection.json", json_bytes(collection_document(entries, partners), compact=True))
    write_if_changed(site / "all_versions.json",
                     json_bytes(all_versions_document(list(built.values())), compact=True))


def _remove_stale(site: Path, old: dict[str, Any], new: dict[str, Any]) -> int:
    """Delete outputs of versions no longer published (blocked, deleted, withdrawn)."""
    keep = {path for entry in new.values() for path in entry.get("outputs", [])}
    removed = 0
    for name, entry in old.items():
        if name in new:
            continue
        for path in entry.get("outputs", []):
            if path not in keep:
                (site / path).unlink(missing_ok=True)
        folder = site / version_dir(*name.rsplit("/", 1))
        if folder.is_dir() and folder.resolve().is_relative_to(site.resolve()):
            shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed
