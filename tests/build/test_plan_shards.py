"""Pending model tests as a plan of shards grouped by environment, run shard by shard (each
exactly its part of the plan), and merged back by `zoo merge`."""

from __future__ import annotations

import json
import shutil

import pytest

from pipeline.build import builder, bundles, merge
from pipeline.build.bundles import bundle_key
from pipeline.build.builder import BuildConfig, plan
from pipeline.build.files import json_bytes
from pipeline.cli import main
from pipeline.contracts.results import BROWSER_BUNDLE
from pipeline.errors import BadInput

from testkit.paths import EXAMPLES

NUCLEI = EXAMPLES / "models" / "nuclei-boundary-2d"  # torch + onnxruntime
MEMBRANE = EXAMPLES / "models" / "membrane-distance-3d"  # tensorflow


def _store(store):
    store.add("10.5281/zenodo.10", store.record("nuclei", copy_from=NUCLEI), versions=["11"])
    store.add("10.5281/zenodo.20", store.record("membrane", copy_from=MEMBRANE), versions=["21"])
    return store


def _options(store, cache, **changes):
    return BuildConfig(store=store.store, site=store.root / "site", cache=cache, partners=None, **changes)


def _write_plan(store, test_plan):
    path = store.root / "plan" / "plan.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(json_bytes(test_plan.to_json(), compact=True))
    return path


def test_plan_groups_pending_tests_by_environment(store):
    _store(store)
    matrix = plan(_options(store, store.root / "cache"), max_jobs=20).matrix()
    assert [(job["shard"], job["index"]) for job in matrix["include"]] == [("1/2", 1), ("2/2", 2)]
    environments = sorted(env for job in matrix["include"] for env in job["environments"])
    assert any("tensorflow" in env for env in environments)
    assert any("torch" in env for env in environments)
    assert sum(job["tests"] for job in matrix["include"]) == 2
    bundled = plan(_options(store, store.root / "cache"), max_jobs=1)
    env_keys = sorted(key for job in matrix["include"] for key in job["env_keys"])
    assert bundled.matrix()["include"] == [{
        "shard": "1/1", "index": 1, "environments": sorted(environments), "env_keys": env_keys, "tests": 2,
        "env_cache_key": bundled.shards[0].env_cache_key, "plan": bundled.digest()}]
    assert all(key.isalnum() for key in env_keys)
    # each job's cache of environments is named by its groups only
    assert len({job["env_cache_key"] for job in matrix["include"]}) == 2


def test_nothing_pending_is_an_empty_matrix(tmp_path):
    store = tmp_path / "collection"
    store.mkdir()
    test_plan = plan(BuildConfig(store=store, site=tmp_path / "site", cache=tmp_path / "cache", partners=None),
                     max_jobs=20)
    assert (test_plan.shards, test_plan.matrix()) == ((), {"include": []})


def test_shards_run_exactly_their_part_of_the_plan_and_merge_back(store, monkeypatch):
    _store(store)
    test_plan = plan(_options(store, store.root / "cache"), max_jobs=20)
    plan_file, digest = _write_plan(store, test_plan), test_plan.digest()
    uploads = store.root / "uploads"
    for shard in test_plan.shards:
        cache = store.root / f"shard-{shard.index}"
        summary = builder.run(_options(store, cache, shard=(shard.index, 2), plan=plan_file, plan_sha256=digest))
        assert (summary.tests_run, summary.problems) == (1, [])
        written = {p.stem for p in (cache / "tests").rglob("*.json")}
        assert written == set(shard.test_keys)  # its own planned results, nothing else
        shutil.copytree(cache / "tests", uploads / f"zoo-tests-{shard.index}")
        # the shard made the bundles of its own tests (their export runs model code, as the tests do)
        assert {p.name for p in (cache / "bundles").iterdir()} == {bundle_key(k) for k in shard.test_keys}
        shutil.copytree(cache / "bundles", store.root / "bundle-uploads" / f"zoo-bundles-{shard.index}")
    assert not (store.root / "site" / "collection.json").exists()  # shards publish nothing

    merged = store.root / "cache"
    summary = merge.run(merge.MergeConfig(plan_file, uploads, merged, plan_sha256=digest,
                                          bundles=store.root / "bundle-uploads"))
    assert (summary.accepted, summary.missing, summary.shards, summary.bundles, summary.problems) == (2, 0, 2, 2, [])
    assert plan(_options(store, merged), max_jobs=20).shards == ()

    def no_model_code(*args, **kwargs):
        raise AssertionError("a build without tests made a bundle")

    monkeypatch.setattr(bundles, "make", no_model_code)
    built = builder.run(_options(store, merged, run_tests=False))
    assert (built.tests_run, built.tests_cached, built.failed) == (0, 2, [])
    published = {p.parent.parent.parent.name for p in (store.root / "site" / "rdfs").rglob("bundle/bundle.json")}
    assert published == {"zenodo.10"}  # the TensorFlow model has none (no ONNX or torch weights)
    membrane = json.loads(next((store.root / "site" / "rdfs").rglob("zenodo.20/21/test_summary.json")).read_text())
    assert BROWSER_BUNDLE in json.dumps(membrane)  # ... and its summary says why


def test_a_build_without_tests_runs_no_model_code_for_bundles(store, monkeypatch):
    """Results cached, bundles never made: --no-tests publishes the results and no bundle."""
    _store(store)
    cache = store.root / "cache"
    builder.run(_options(store, cache, bundles=False))  # tests run, no bundle made
    assert not (cache / "bundles").exists()

    def no_model_code(*args, **kwargs):
        raise AssertionError("a build without tests made a bundle")

    monkeypatch.setattr(bundles, "make", no_model_code)
    built = builder.run(_options(store, cache, run_tests=False, recheck=True))
    assert (built.tests_run, built.tests_cached, built.problems) == (0, 2, [])
    assert not list((store.root / "site").rglob("bundle.json"))


def _result(status: str = "passed") -> dict:
    return {"source": "rdf.yaml", "status": "passed",
            "tests": [{"name": "reproduce test outputs", "status": status, "error": None}]}


def _put(folder, key: str, data) -> None:
    path = folder / key[:2] / f"{key}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data))


def _fake_plan(store):
    from pipeline.contracts.plan import PlannedTest, Shard, TestPlan

    keys = {name: (name * 64)[:64] for name in "abcd"}
    shards = (Shard(1, (PlannedTest("r1", "1", keys["a"], "e" * 16), PlannedTest("r2", "1", keys["b"], "e" * 16)),
                    ("torch",)),
              Shard(2, (PlannedTest("r3", "1", keys["c"], "f" * 16),), ("onnxruntime",)))
    test_plan = TestPlan(shards)
    return test_plan, _write_plan(store, test_plan), keys


def test_merge_takes_from_each_shard_only_what_was_planned_for_it(store):
    test_plan, plan_file, keys = _fake_plan(store)
    uploads = store.root / "uploads"
    one, two = uploads / "zoo-tests-1", uploads / "zoo-tests-2"
    _put(one, keys["a"], _result("failed"))  # planned here; it claims "passed" overall
    _put(one, keys["c"], _result())  # shard 2's test, forged by shard 1
    _put(one, keys["d"], _result())  # planned nowhere
    _put(one, keys["b"], "{not json")
    _put(two, keys["c"], {"tests": "passed"})
    (one / "notes.txt").write_text("hello")
    (one / "ab").mkdir()
    (one / "ab" / "link.json").symlink_to(one / keys["a"][:2] / f"{keys['a']}.json")
    (uploads / "zoo-tests-7").mkdir()

    cache = store.root / "cache"
    summary = merge.run(merge.MergeConfig(plan_file, uploads, cache, plan_sha256=test_plan.digest()))
    assert (summary.accepted, summary.shards, summary.missing) == (1, 2, 2)
    reasons = sorted(p.message for p in summary.problems)
    assert reasons == sorted([
        "planned for shard 2, not this one", "a result the plan did not plan", "not a test result (JSONDecodeError)",
        "expected a model test result with a `tests` list", "not a result file of the test cache (<key[:2]>/<key>.json)",
        "not a plain file", "not the folder of one of the plan's 2 shards"])
    stored = sorted(p.stem for p in (cache / "tests").rglob("*.json"))
    assert stored == [keys["a"]]
    # written again from the parsed result: the overall status follows its entries
    assert json.loads((cache / "tests" / keys["a"][:2] / f"{keys['a']}.json").read_text())["status"] == "failed"
    assert not summary.ok


def _bundle(folder, key: str, entry: dict, files: dict[str, bytes] | None = None) -> None:
    path = folder / bundle_key(key)
    path.mkdir(parents=True)
    (path / "entry.json").write_text(json.dumps(entry))
    for name, data in (files or {}).items():
        (path / name).write_bytes(data)


def test_merge_takes_from_each_shard_only_the_bundles_of_its_planned_tests(store):
    test_plan, plan_file, keys = _fake_plan(store)
    uploads, bundle_uploads = store.root / "uploads", store.root / "bundles"
    uploads.mkdir()
    one = bundle_uploads / "zoo-bundles-1"
    skipped = {"name": BROWSER_BUNDLE, "status": "skipped", "error": "no ONNX or torch weights"}
    passed = {**skipped, "status": "passed", "error": None}
    _bundle(one, keys["a"], passed, {"bundle.json": b"{}", "network.onnx": b"x", "test-input-0.npy": b"x"})
    _bundle(one, keys["c"], skipped)  # shard 2's test, forged by shard 1
    _bundle(one, keys["b"], skipped, {"index.html": b"<script>"})
    (one / ("f" * 64)).mkdir()  # a folder named after no bundle key
    _bundle(bundle_uploads / "zoo-bundles-2", keys["c"], passed)  # "passed" without the bundle's files
    summary = merge.run(merge.MergeConfig(plan_file, uploads, store.root / "cache", plan_sha256=test_plan.digest(),
                                          bundles=bundle_uploads))
    assert summary.bundles == 1
    assert sorted(p.message for p in summary.problems) == sorted([
        "the bundle of no test the plan gave this shard", "the bundle of no test the plan gave this shard",
        "holds what no bundle holds: index.html", "not the entry of this folder's bundle"])
    kept = store.root / "cache" / "bundles" / bundle_key(keys["a"])
    assert sorted(p.name for p in kept.iterdir()) == ["bundle.json", "entry.json", "network.onnx", "test-input-0.npy"]
    assert [p.name for p in (store.root / "cache" / "bundles").iterdir()] == [kept.name]


def test_a_plan_that_is_not_the_planned_one_is_refused(store):
    test_plan, plan_file, _ = _fake_plan(store)
    with pytest.raises(BadInput, match="not the plan of this run"):
        merge.run(merge.MergeConfig(plan_file, store.root / "uploads", store.root / "cache", plan_sha256="0" * 64))
    _store(store)
    with pytest.raises(BadInput, match="not the plan of this run"):
        builder.run(_options(store, store.root / "c", shard=(1, 2), plan=plan_file, plan_sha256="0" * 64))
    with pytest.raises(BadInput, match="the plan has 2 shards, not 3"):
        builder.run(_options(store, store.root / "c", shard=(1, 3), plan=plan_file))


def test_a_shard_reports_its_own_tests_only(store):
    """Another resource's damaged file is the full build's problem, not this shard's; a planned
    version this checkout does not test is."""
    from pipeline.contracts.plan import PlannedTest, Shard, TestPlan

    _store(store)
    (store.store / "10.5281" / "broken").mkdir(parents=True)
    (store.store / "10.5281" / "broken" / "resource.yaml").write_text("id: [unclosed\n")
    assert builder.run(_options(store, store.root / "full", run_tests=False)).problems != []
    real = plan(_options(store, store.root / "cache"), max_jobs=1)
    planned = real.shards[0].tests
    wrong = PlannedTest(planned[0].resource_id, planned[0].version_id, "9" * 64, planned[0].env_key)
    missing = PlannedTest("10.5281/zenodo.99", "1", "8" * 64, "e" * 16)
    plan_file = _write_plan(store, TestPlan((Shard(1, (wrong, missing), ("x",)),)))
    summary = builder.run(_options(store, store.root / "shard", shard=(1, 1), plan=plan_file))
    assert summary.tests_run == 0
    assert [(p.source, p.message.split(":")[0]) for p in summary.problems] == [
        (wrong.name, f"this job keys its test {planned[0].test_key[:16]}, the plan 9999999999999999"),
        ("10.5281/zenodo.99/1", "planned for this shard, but not a testable accepted model in this checkout "
                                "(the store changed since the plan?)")]


def test_cli_plan_file_build_and_merge(store, capsys):
    store.add("10.5281/zenodo.10", store.record("nuclei", copy_from=NUCLEI), versions=["11"])
    args = ["--store", str(store.store), "--site", str(store.root / "site"), "--partners", "none"]
    plan_file = store.root / "planned" / "plan.json"
    assert main(["plan", *args, "--cache", str(store.root / "cache"), "--plan-file", str(plan_file)]) == 0
    job = json.loads(capsys.readouterr().out)["include"][0]
    assert job["tests"] == 1 and json.loads(plan_file.read_text())["shards"][0]["index"] == 1
    assert main(["build", *args, "--cache", str(store.root / "shard"), "--shard", job["shard"], "--plan",
                 str(plan_file), "--plan-sha256", job["plan"], "--environments-only", "--json"]) == 0
    prepared = json.loads(capsys.readouterr().out)
    assert (prepared["environments"], prepared["tests_run"]) == (2, 0)  # torchscript and onnx: no model code ran
    assert not (store.root / "shard" / "tests").exists()
    assert main(["merge", str(store.root / "uploads"), "--plan", str(plan_file), "--plan-sha256", job["plan"],
                 "--cache", str(store.root / "cache"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["missing"] == 1
    assert main(["build", *args, "--cache", str(store.root / "cache"), "--no-tests", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["versions"], summary["rebuilt"], summary["tests_run"]) == (1, 1, 0)


def test_cli_rejects_bad_shard(capsys):
    try:
        main(["build", "--shard", "3/2"])
    except SystemExit as e:
        assert e.code == 2
    assert "expected I/N with 1 <= I <= N, got '3/2'" in capsys.readouterr().err


def test_cli_plan_without_shard_is_a_usage_error(store, capsys):
    assert main(["build", "--store", str(store.store), "--plan", "plan.json"]) == 2
    assert "--plan and --environments-only go with --shard I/N" in capsys.readouterr().err


def test_cli_missing_store_is_a_usage_error(tmp_path, capsys):
    assert main(["build", "--store", str(tmp_path / "nope")]) == 2
    assert "store folder does not exist" in capsys.readouterr().err
