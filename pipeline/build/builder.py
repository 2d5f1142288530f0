"""`zoo build`: the published site data as a pure function of the store plus cached results.

A linear build over immutable records, one step per stage of a version's way to the site:

    plan versions  every accepted version, keyed by everything its outputs depend on
    check          the changed ones: effective RDF loaded and validated, model test planned
    test           the model tests whose results are not cached (a shard runs only its part)
    publish        rdf.yaml, covers, files, package and test_summary.json of each changed version
    write          collection.json, all_versions.json and the manifest; stale outputs removed

A version whose inputs did not change since the last build reuses its manifest entry: it costs
a hash and a few stats.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from pipeline import __version__, defaults
from pipeline.base.http import HttpPolicy
from pipeline.base.paths import UnsafePath, joined
from pipeline.build import bundles, model_tests
from pipeline.build.cache import JsonCache, content_key
from pipeline.build.collection import BuiltVersion, link_resources, resource_summary, summary_fields, tool_links
from pipeline.build.files import json_bytes, read_json, site_lock, write_if_changed
from pipeline.build.model_tests import PendingTest
from pipeline.build.partner_sources import load_partner_results
from pipeline.build.partner_summaries import PartnerResults
from pipeline.build.publish import Published, publish_version, published_rdf, version_dir
from pipeline.build.summaries import format_check
from pipeline.contracts.collection import CollectionDocument, all_versions_document
from pipeline.contracts.partners import Partner
from pipeline.contracts.plan import TestPlan, read_plan
from pipeline.contracts.results import FAILED, TestEntry, TestSummary
from pipeline.contracts.stage import Problem
from pipeline.errors import BadInput, describe
from pipeline.runner.testing import TestResult
from pipeline.spec import validate
from pipeline.store import Resource, Store, Version
from pipeline.store.changes import PrScope
from pipeline.store.effective import EffectiveRdf, load_effective
from pipeline.store.model import ACCEPTED
from pipeline.store.nicknames import duplicates

MANIFEST_VERSION = 1


@dataclass(frozen=True)
class BuildConfig:
    """Where the build reads and writes, and how much work it may do."""

    store: Path = defaults.STORE
    site: Path = defaults.SITE
    cache: Path = defaults.CACHE
    partners: Path | None = defaults.PARTNERS  # None: no partner results
    retest: bool = False
    recheck: bool = False  # re-fetch and re-validate every RDF, to notice upstream changes
    run_tests: bool = True
    shard: tuple[int, int] | None = None
    plan: Path | None = None  # a shard runs exactly its part of this plan (`zoo plan --plan-file`)
    plan_sha256: str | None = None  # ... when the plan's digest is this one
    environments_only: bool = False  # build the shard's test environments, run no model code
    jobs: int = defaults.JOBS
    packages: bool = True
    bundles: bool = True  # browser bundles of models whose test passed (build/bundles.py)
    policy: HttpPolicy | None = None
    pr: PrScope | None = None  # a PR's build: only what the PR adds or changes can fail it


@dataclass(frozen=True)
class BuildSummary:
    """The build stage's result; `problems` are per-item failures that did not stop the build.

    A PR's build (`pr` set) fails exactly when a version the PR adds or changes fails validation
    or its model test, or a problem is about something the PR brings in; every other problem is
    one of its `warnings`. Any other build fails on any problem."""

    versions: int = 0
    rebuilt: int = 0
    unchanged: int = 0
    tests_run: int = 0
    tests_cached: int = 0
    environments: int = 0  # test environments made ready (`environments_only`)
    removed: int = 0
    failed: list[str] = field(default_factory=list)  # versions published as failing (format or model test)
    problems: list[Problem] = field(default_factory=list)
    reasons: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # failed version -> why, one line each
    warnings: list[Problem] = field(default_factory=list)  # a PR's build: problems that are not the PR's
    pr: PrScope | None = None
    checked: Mapping[str, str] = field(default_factory=dict)  # a PR's build: its versions -> overall status

    @property
    def pr_failed(self) -> list[str]:
        """The failed versions that fail this build: a PR's own, or none outside a PR."""
        return [] if self.pr is None else [name for name in self.failed if name in self.pr.versions]

    @property
    def ok(self) -> bool:
        return not self.problems and not self.pr_failed

    def to_json(self) -> dict[str, Any]:
        counts = {k: getattr(self, k) for k in ("versions", "rebuilt", "unchanged", "tests_run", "tests_cached",
                                                 "environments", "removed")}
        return {"ok": self.ok, **counts,
                "failed": [{"version": n, "reasons": list(self.reasons.get(n, ()))} for n in self.failed],
                "problems": [p.to_json() for p in self.problems], "warnings": [p.to_json() for p in self.warnings],
                "pr": None if self.pr is None else {**self.pr.to_json(), "checked": dict(self.checked),
                                                    "failed": self.pr_failed}}

    def format_text(self) -> str:
        lines = [f"versions: {self.versions} ({self.rebuilt} rebuilt, {self.unchanged} unchanged, "
                 f"{self.removed} removed)",
                 f"model tests: {self.tests_run} run, {self.tests_cached} with cached results"]
        if self.environments:
            lines.append(f"test environments: {self.environments} ready")
        shown = self.failed
        if self.pr is not None:
            lines.append(f"pull request against {self.pr.base}: {len(self.pr.versions)} version(s) added or changed"
                         + (f", partner(s) {', '.join(sorted(self.pr.partners))}" if self.pr.partners else ""))
            lines += [f"  {name}: {status}" for name, status in sorted(self.checked.items())]
            shown = self.pr_failed
        for name in shown:
            reasons = self.reasons.get(name) or ("failed",)
            lines += [f"failed: {name}: {reason}" for reason in reasons]
        if self.pr is not None and len(self.failed) > len(shown):
            lines.append(f"{len(self.failed) - len(shown)} other published version(s) fail validation or their "
                         "model test (not this PR's)")
        lines += [f"problem: {p.format_text()}" for p in self.problems]
        return "\n".join(lines + [f"warning (not this PR's): {p.format_text()}" for p in self.warnings])


@dataclass(frozen=True)
class ManifestEntry:
    """What the last build published for one version, and the keys it was built from."""

    key: str
    test_key: str | None
    test_cached: bool
    outputs: tuple[str, ...]  # site-relative
    built: BuiltVersion

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "test_key": self.test_key, "test_cached": self.test_cached,
                "outputs": sorted(self.outputs), "built": asdict(self.built)}

    @classmethod
    def from_json(cls, data: Any) -> "ManifestEntry | None":
        """An entry of the manifest, or None when it is damaged (a cache miss)."""
        try:
            return cls(data["key"], data.get("test_key"), bool(data.get("test_cached")),
                       tuple(data.get("outputs", [])), BuiltVersion(**data["built"]))
        except (TypeError, KeyError, AttributeError):
            return None


@dataclass(frozen=True)
class VersionPlan:
    """One accepted version to publish, with the key of everything its outputs depend on."""

    resource: Resource
    version: Version
    accepted_ids: tuple[str, ...]  # of its resource, newest first
    partner_tests: Mapping[str, list[TestEntry]]  # tool -> its tests of this version
    key: str
    reuse: ManifestEntry | None  # the last build's outputs, when they are still current

    @property
    def name(self) -> str:
        return f"{self.resource.id}/{self.version.version_id}"


@dataclass(frozen=True)
class Checked:
    """A version's effective RDF (None: it could not be loaded), its format check, and its
    model test when it is a valid model."""

    plan: VersionPlan
    rdf: EffectiveRdf | None
    format: TestEntry
    test: PendingTest | None = None
    load_error: str | None = None


@dataclass(frozen=True)
class Built:
    """One version as published, the manifest entry that lets the next build reuse it, problems."""

    version: BuiltVersion
    manifest: ManifestEntry
    problems: tuple[Problem, ...] = ()
    reasons: tuple[str, ...] = ()  # why our tests fail it, one line each (none when it passed)


@dataclass(frozen=True)
class _Inputs:
    resources: list[Resource]
    partners: list[Partner]
    plans: list[VersionPlan]
    problems: list[Problem]


def run(config: BuildConfig) -> BuildSummary:
    """Build `config.site` from the store, partners and caches; never raises for bad input. One
    writer per site folder at a time (site_lock: a concurrent `zoo site` waits)."""
    if config.shard is not None:  # a shard only fills the test cache; the full build publishes
        return _run_shard(config)
    with site_lock(Path(config.site)):
        return _run(config)


def _run(config: BuildConfig) -> BuildSummary:
    cache = JsonCache(config.cache / "tests")
    inputs = _plan_versions(config, cache)
    checked = [check(plan, config) for plan in inputs.plans if plan.reuse is None]
    tests_run = _test(checked, config, cache) if config.run_tests else 0
    previous = _read_manifest(config.cache)
    unpublished: list[Problem] = []
    published = {c.plan.name: _last_good(c, previous, config) or _publish_safely(c, config, cache, unpublished)
                 for c in checked}
    built = {p.name: Built(p.reuse.built, p.reuse) if p.reuse is not None else published[p.name]
             for p in inputs.plans if p.reuse is not None or published.get(p.name) is not None}
    counts = Store(config.store).download_counts()
    _write_collection(config.site, inputs.resources, [p for p in inputs.plans if p.name in built], built,
                      inputs.partners, counts)
    manifest = {name: b.manifest for name, b in built.items()}
    removed = _remove_stale(config.site, previous, manifest)
    write_if_changed(config.cache / "build-manifest.json", json_bytes(
        {"version": MANIFEST_VERSION, "versions": {n: e.to_json() for n, e in manifest.items()}}, compact=True))
    failed = [n for n, b in built.items() if b.version.status.get("overall") == FAILED]
    problems = inputs.problems + unpublished + [p for b in published.values() if b for p in b.problems]
    pr = config.pr
    return BuildSummary(
        versions=len(inputs.plans), rebuilt=len(checked), unchanged=len(inputs.plans) - len(checked),
        tests_run=tests_run, tests_cached=sum(1 for e in manifest.values() if e.test_key and e.test_key in cache),
        removed=removed, failed=failed,
        problems=[p for p in problems if pr is None or pr.owns(p)],
        warnings=[p for p in problems if pr is not None and not pr.owns(p)],
        reasons={n: _reasons(built[n], config.site) for n in failed if pr is None or n in pr.versions},
        pr=pr, checked={} if pr is None else {n: str(b.version.status.get("overall", "not built"))
                                              for n, b in built.items() if n in pr.versions})


def _reasons(built: "Built", site: Path) -> tuple[str, ...]:
    """Why a version failed: from this build, or from the summary an earlier build published."""
    if built.reasons:
        return built.reasons
    path = site / version_dir(built.version.resource_id, built.version.version_id) / "test_summary.json"
    try:
        return tuple(TestSummary.from_json(read_json(path, default={}), source=str(path)).failures())
    except BadInput:
        return ()


def plan(config: BuildConfig, *, max_jobs: int) -> TestPlan:
    """The model tests a build would run, as shards of whole environment groups."""
    cache = JsonCache(config.cache / "tests")
    # partners' summaries change no model test: the plan does not fetch them
    checked = [check(p, config) for p in _plan_versions(replace(config, partners=None), cache).plans
               if p.reuse is None]
    return model_tests.make_plan(_pending(checked, cache, retest=config.retest), max_jobs=max_jobs)


# --- a shard ------------------------------------------------------------------------------------
def _run_shard(config: BuildConfig) -> BuildSummary:
    """One shard's model tests into the test cache: with a plan exactly the tests it gave this
    shard, else its round-robin share of the pending ones. Its problems are its own tests' only
    (a partner that cannot be read or another version's damaged file is the full build's)."""
    cache = JsonCache(config.cache / "tests")
    inputs = _plan_versions(replace(config, partners=None), cache)
    if config.plan is not None:
        pending, problems = _planned_tests(config, inputs.plans)
    else:
        checked = [check(p, config) for p in inputs.plans if p.reuse is None]
        pending, problems = model_tests.select_shard(_pending(checked, cache, retest=config.retest),
                                                     config.shard), []
    if config.environments_only:
        ready = model_tests.prepare_pending(pending, problems)
        return BuildSummary(environments=ready, problems=problems)
    tests_run = model_tests.run_pending(pending, cache, jobs=config.jobs, problems=problems) if config.run_tests else 0
    if config.run_tests and config.bundles:
        _make_bundles(pending, config, cache)
    return BuildSummary(tests_run=tests_run, problems=problems)


def _make_bundles(pending: list[PendingTest], config: BuildConfig, cache: JsonCache) -> None:
    """The browser bundles of a shard's models, made beside their tests: the export runs model
    code, so the deploy build, which runs none, only publishes what the shards made."""
    for item in pending:
        try:
            tests = _model_results(cache, item.test_key)
        except BadInput:
            continue  # a result the runner could not write: no bundle without a test
        if tests:
            bundles.cached_or_made(item.loaded, tests, item.test_key, config.cache)


def _planned_tests(config: BuildConfig, plans: list[VersionPlan]) -> tuple[list[PendingTest], list[Problem]]:
    """The tests the plan file gives this shard, checked against this checkout's own keys."""
    try:
        raw = config.plan.read_bytes()
    except OSError as e:
        raise BadInput(f"cannot read the plan: {e.strerror or e}", source=str(config.plan)) from None
    test_plan = read_plan(raw, sha256=config.plan_sha256, source=str(config.plan))
    index, count = config.shard
    if count != test_plan.count:
        raise BadInput(f"the plan has {test_plan.count} shards, not {count}", source=str(config.plan))
    wanted = {(t.resource_id, t.version_id): t for t in test_plan.shard(index).tests}
    found = {}
    for checked in (check(p, config) for p in plans if (p.resource.id, p.version.version_id) in wanted):
        if checked.test is not None:
            found[checked.test.resource_id, checked.test.version_id] = checked.test
    pending, problems = [], []
    for pair, planned in wanted.items():
        test = found.get(pair)
        if test is None:
            problems.append(Problem(planned.name, "planned for this shard, but not a testable accepted model "
                                                  "in this checkout (the store changed since the plan?)"))
        elif test.test_key != planned.test_key:
            problems.append(Problem(planned.name, f"this job keys its test {test.test_key[:16]}, the plan "
                                                  f"{planned.test_key[:16]}: it runs another Python, test device or "
                                                  "pipeline version than the plan job"))
        else:
            pending.append(test)
    return pending, problems


# --- plan versions ------------------------------------------------------------------------------
def _plan_versions(config: BuildConfig, cache: JsonCache) -> _Inputs:
    """Every accepted version of every accepted resource, with its key and what can be reused."""
    resources, problems = _read_store(config.store)
    partners, partner_results, partner_problems = load_partner_results(config.partners, config.policy)
    problems += partner_problems
    manifest = _read_manifest(config.cache)
    everything = config.retest or config.recheck
    plans = []
    taken = _resource_folders(resources)
    for resource in resources:
        if resource.status != ACCEPTED:
            continue
        versions = resource.accepted_versions()
        accepted_ids = tuple(v.version_id for v in versions)
        for version in versions:
            clash = _folder_clash(resource.id, version.version_id, taken)
            if clash:
                problems.append(Problem(f"{resource.id}/{version.version_id}", clash, ("version_id",)))
                continue
            pair = (resource.id, version.version_id)
            partner_tests = {tool: results.tests[pair] for tool, results in partner_results.items()
                             if pair in results.tests}
            shared = {k: v for k, v in resource.to_dict().items() if k != "versions"}
            key = content_key(__version__, shared, version.to_dict(), list(accepted_ids),
                              {tool: [t.to_json() for t in tests] for tool, tests in partner_tests.items()})
            previous = manifest.get(f"{resource.id}/{version.version_id}")
            reuse = None if everything else _reusable(key, previous, config, cache)
            plans.append(VersionPlan(resource, version, accepted_ids, partner_tests, key, reuse))
    problems += _unpublished_results(partner_results, {(p.resource.id, p.version.version_id) for p in plans})
    return _Inputs(resources, partners, plans, problems)


def _resource_folders(resources: list[Resource]) -> dict[str, str]:
    """Site folder -> resource id of every resource whose id can be a path."""
    folders = {}
    for resource in resources:
        try:
            folders[joined("rdfs", resource.id)] = resource.id
        except UnsafePath:
            continue  # reported where its versions are planned
    return folders


def _folder_clash(resource_id: str, version_id: str, resource_folders: dict[str, str]) -> str | None:
    """Why a version cannot be published in its folder: an unsafe id, or a folder that is (or holds)
    another resource's (`tool` version `1` against resource `tool/1`); None when it can."""
    try:
        folder = version_dir(resource_id, version_id)
    except UnsafePath as e:
        return f"not published: {e}"
    for other, other_id in resource_folders.items():
        if other == folder or other.startswith(folder + "/"):
            return f"not published: its folder {folder} is that of resource {other_id!r}"
    return None


def _read_store(root: Path) -> tuple[list[Resource], list[Problem]]:
    """Every readable resource, and one problem line per damaged file or shared nickname."""
    store = Store(root)
    records, problems = [], []
    for rid in store.ids():
        try:
            resource = store.get(rid)
        except BadInput as e:
            problems.append(Problem.of(e))
            continue
        except Exception as e:  # an unreadable entry of the store skips that resource only
            problems.append(Problem(f"store {rid}", describe(e)))
            continue
        if resource is not None:
            records.append(resource)
    store.save_index()
    for nickname, ids in sorted(duplicates(records).items()):
        problems.append(Problem(f"nickname {nickname!r}", f"used by {len(ids)} resources: {', '.join(ids)}"))
    return records, problems


def _unpublished_results(partner_results: dict[str, PartnerResults],
                         published: set[tuple[str, str]]) -> list[Problem]:
    return [Problem(f"partner {tool}", f"results for {rid}/{vid}, which the zoo does not publish")
            for tool, results in sorted(partner_results.items())
            for rid, vid in sorted(set(results.tests) - published)]


def _read_manifest(cache: Path) -> dict[str, Any]:
    manifest = read_json(cache / "build-manifest.json", default={})
    return manifest.get("versions", {}) if manifest.get("version") == MANIFEST_VERSION else {}


def _reusable(key: str, data: Any, config: BuildConfig, cache: JsonCache) -> ManifestEntry | None:
    """The last build's entry when nothing this version's outputs depend on changed since."""
    entry = ManifestEntry.from_json(data) if isinstance(data, dict) else None
    if entry is None or entry.key != key:
        return None
    if entry.test_key and entry.test_cached != (entry.test_key in cache):
        return None  # a shard has delivered the result since
    site = str(config.site)
    return entry if all(os.path.isfile(os.path.join(site, path)) for path in entry.outputs) else None


# --- check --------------------------------------------------------------------------------------
def check(plan: VersionPlan, config: BuildConfig) -> Checked:
    """Load and validate a version's effective RDF and plan its model test; never raises."""
    try:
        return _check(plan, config)
    except Exception as e:  # one hostile description must not stop the build
        return _unloadable(plan, f"internal error while loading: {describe(e)}")


def _check(plan: VersionPlan, config: BuildConfig) -> Checked:
    try:
        rdf = load_effective(config.store, plan.resource, plan.version, policy=config.policy)
    except BadInput as e:
        return _unloadable(plan, f"RDF could not be loaded (moved or vanished upstream?): {e}")
    report = validate(rdf.loaded, io=True, policy=config.policy)
    errors = [(issue.loc, issue.msg) for issue in report.errors]
    passed = report.passed
    expected = plan.version.rdf_sha256
    if expected and expected != rdf.source_sha256:
        errors.append(((), f"RDF changed upstream since harvest: expected sha256 {expected}, "
                           f"got {rdf.source_sha256}"))
        passed = False
    test = None
    if passed and rdf.loaded.data.get("type") == "model":
        try:
            env_key, env_label = model_tests.environment(rdf.loaded)
            test = PendingTest(plan.resource.id, plan.version.version_id,
                               model_tests.test_key(rdf.loaded, env_key), env_key, env_label, rdf.loaded)
        except Exception as e:  # reported on the version's page instead of stopping the build
            errors.append(((), f"cannot prepare the model test: {type(e).__name__}: {e}"))
            passed = False
    warnings = [(issue.loc, issue.msg) for issue in report.warnings]
    return Checked(plan, rdf, format_check(passed=passed, errors=errors, warnings=warnings), test)


def _unloadable(plan: VersionPlan, reason: str) -> Checked:
    """A version published as failed, with `reason` as its format check's error."""
    return Checked(plan, None, format_check(passed=False, errors=[(("rdf_source",), reason)], warnings=[]),
                   load_error=reason)


# --- test ---------------------------------------------------------------------------------------
def _pending(checked: list[Checked], cache: JsonCache, *, retest: bool) -> list[PendingTest]:
    pending = [c.test for c in checked if c.test is not None and (retest or c.test.test_key not in cache)]
    return sorted(pending, key=lambda p: (p.env_key, p.test_key))


def _test(checked: list[Checked], config: BuildConfig, cache: JsonCache) -> int:
    """Run the model tests not cached yet (only this shard's, in a shard); returns how many ran."""
    pending = model_tests.select_shard(_pending(checked, cache, retest=config.retest), config.shard)
    return model_tests.run_pending(pending, cache, jobs=config.jobs)


# --- publish ------------------------------------------------------------------------------------
def _last_good(checked: Checked, previous: dict[str, Any], config: BuildConfig) -> Built | None:
    """When a version that was published before cannot be loaded now (its upstream vanished),
    what it published last time stays, reported: consumers keep the last good version."""
    if checked.rdf is not None:
        return None
    entry = ManifestEntry.from_json(previous.get(checked.plan.name)) if isinstance(
        previous.get(checked.plan.name), dict) else None
    site = str(config.site)
    if entry is None or not entry.built.loaded or not all(os.path.isfile(os.path.join(site, p))
                                                          for p in entry.outputs):
        return None
    kept = ManifestEntry(checked.plan.key, entry.test_key, entry.test_cached, entry.outputs, entry.built)
    return Built(entry.built, kept, (Problem(checked.plan.name, f"{checked.load_error}; its last good build "
                                                                "stays published"),))


def _publish_safely(checked: Checked, config: BuildConfig, cache: JsonCache,
                    problems: list[Problem]) -> Built | None:
    """Publish one version; an unexpected failure publishes it as failed instead of stopping."""
    try:
        return publish(checked, config, cache)
    except Exception as e:
        reason = f"internal error while publishing: {describe(e)}"
    try:
        return publish(_unloadable(checked.plan, reason), config, cache)
    except Exception as e:  # not even a failed entry can be written (its folder cannot exist): left out
        problems.append(Problem(checked.plan.name, f"{reason}; could not be published at all: {describe(e)}"))
        return None


def publish(checked: Checked, config: BuildConfig, cache: JsonCache) -> Built:
    """Write one version's files and test summary into the site."""
    plan = checked.plan
    resource, version = plan.resource, plan.version
    folder = version_dir(resource.id, version.version_id)
    published, problems = Published(), list[Problem]()
    rdf: dict[str, Any] = {"type": resource.type, "name": version.name or resource.name or plan.name}
    if checked.rdf is not None:
        rdf = published_rdf(checked.rdf.loaded.data, resource, version, plan.accepted_ids)
        published = publish_version(checked.rdf.loaded, rdf, config.site, folder, with_package=config.packages)
        problems += published.problems
    else:
        problems.append(Problem(plan.name, checked.load_error or "not loaded"))
    test_key = checked.test.test_key if checked.test else None
    our_tests = _model_results(cache, test_key)
    bundle_files: list[str] = []
    if config.bundles and checked.rdf is not None and test_key and our_tests:
        # without tests no model code runs here, so a bundle not made where the tests ran is absent
        bundle = (bundles.cached_or_made(checked.rdf.loaded, our_tests, test_key, config.cache) if config.run_tests
                  else bundles.cached(test_key, config.cache))
        if bundle is not None:
            our_tests.append(bundle.entry)
            bundle_files = bundles.publish_bundle(bundle, config.site, folder)
    summary = TestSummary.compose(
        resource_id=resource.id, version_id=version.version_id,
        rdf_sha256=checked.rdf.loaded.sha256 if checked.rdf else version.rdf_sha256,
        our_tests=[checked.format, *our_tests], partner_tests=plan.partner_tests,
        is_model=checked.rdf is not None and checked.rdf.loaded.data.get("type") == "model")
    write_if_changed(config.site / folder / "test_summary.json", json_bytes(summary.to_json()))
    weights = rdf.get("weights") if isinstance(rdf.get("weights"), dict) else {}
    built = BuiltVersion(
        resource_id=resource.id, version_id=version.version_id,
        rdf=summary_fields(rdf),
        rdf_path=f"{folder}/rdf.yaml", rdf_sha256=summary.rdf_sha256,
        created=version.created, doi=version.doi,
        status=summary.status.to_json(), compatibility=summary.compatibility(),
        covers=published.covers, package_path=published.package, weights_formats=sorted(weights),
        loaded=checked.rdf is not None, tool_links=tool_links(plan.partner_tests),
    )
    outputs = [f"{folder}/test_summary.json", *published.covers, *published.previews, *published.files, *bundle_files]
    if checked.rdf is not None:
        outputs.append(f"{folder}/rdf.yaml")
    if published.package:
        outputs.append(published.package)
    entry = ManifestEntry(plan.key, test_key, bool(test_key and test_key in cache), tuple(outputs), built)
    return Built(built, entry, tuple(problems), tuple(summary.failures()))


def _model_results(cache: JsonCache, test_key: str | None) -> list[TestEntry]:
    """Our cached model test entries (the runner ships with the pipeline: they carry its version)."""
    cached = cache.get(test_key) if test_key else None
    if cached is None:
        return []
    return [t.stamped(__version__) for t in TestResult.from_json(cached, source=f"test cache {test_key}").tests]


# --- write --------------------------------------------------------------------------------------
def _write_collection(site: Path, resources: list[Resource], plans: list[VersionPlan],
                      built: dict[str, Built], partners: list[Partner], counts: Mapping[str, int]) -> None:
    by_resource: dict[str, list[BuiltVersion]] = {}
    for plan in plans:
        by_resource.setdefault(plan.resource.id, []).append(built[plan.name].version)
    for rid, versions in by_resource.items():
        # A version that cannot be loaded is never what consumers see while another can; a
        # resource none of whose versions loads is still listed (as failed), never silently missing.
        by_resource[rid] = [v for v in versions if v.loaded] or versions
    known = {r.id for r in resources if by_resource.get(r.id)}
    entries = link_resources([resource_summary(r, by_resource[r.id], download_count=counts.get(r.id),
                                               known_ids=known) for r in resources if by_resource.get(r.id)])
    document = CollectionDocument(
        tuple(entries), tuple({"id": p.id, **({"name": p.name} if p.name is not None else {})} for p in partners),
        generated_by=f"bioimage-zoo-pipeline {__version__}")
    # Compact: consumers parse these, and at 10,000 resources indentation triples the encoding time.
    write_if_changed(site / "collection.json", json_bytes(document.to_json(), compact=True))
    write_if_changed(site / "all_versions.json",
                     json_bytes(all_versions_document([b.version.row() for b in built.values()]), compact=True))


def _remove_stale(site: Path, old: dict[str, Any], new: dict[str, ManifestEntry]) -> int:
    """Delete outputs of versions no longer published (blocked, deleted, withdrawn)."""
    keep = {path for entry in new.values() for path in entry.outputs}
    removed = 0
    for name, entry in old.items():
        if name in new:
            continue
        outputs = entry.get("outputs", []) if isinstance(entry, dict) else []
        for path in outputs if isinstance(outputs, list) else []:
            # the manifest is a cache file: an entry naming a path out of the site is ignored
            if isinstance(path, str) and path not in keep and _inside(site, site / path):
                (site / path).unlink(missing_ok=True)
        try:
            folder = site / version_dir(*name.rsplit("/", 1))
        except (UnsafePath, TypeError):
            continue
        if folder.is_dir() and _inside(site, folder):
            shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


def _inside(site: Path, path: Path) -> bool:
    return path.resolve().is_relative_to(site.resolve()) and path.resolve() != site.resolve()
