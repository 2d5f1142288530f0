"""Pending model tests as a matrix grouped by environment, run shard by shard, merged by file."""

from __future__ import annotations

import json
import shutil

from pipeline.build import builder
from pipeline.build.builder import BuildConfig, plan
from pipeline.cli import main

from testkit.paths import EXAMPLES

NUCLEI = EXAMPLES / "models" / "nuclei-boundary-2d"  # torch + onnxruntime
MEMBRANE = EXAMPLES / "models" / "membrane-distance-3d"  # tensorflow


def _store(store):
    store.add("10.5281/zenodo.10", store.record("nuclei", copy_from=NUCLEI), versions=["11"])
    store.add("10.5281/zenodo.20", store.record("membrane", copy_from=MEMBRANE), versions=["21"])
    return store


def _options(store, cache, **changes):
    return BuildConfig(store=store.store, site=store.root / "site", cache=cache, partners=None, **changes)


def test_plan_groups_pending_tests_by_environment(store):
    _store(store)
    matrix = plan(_options(store, store.root / "cache"), max_jobs=20)
    assert [job["shard"] for job in matrix["include"]] == ["1/2", "2/2"]
    environments = sorted(env for job in matrix["include"] for env in job["environments"])
    assert any("tensorflow" in env for env in environments)
    assert any("torch" in env for env in environments)
    assert sum(job["tests"] for job in matrix["include"]) == 2
    bundled = plan(_options(store, store.root / "cache"), max_jobs=1)
    env_keys = sorted(key for job in matrix["include"] for key in job["env_keys"])
    assert bundled["include"] == [{"shard": "1/1", "environments": sorted(environments), "env_keys": env_keys,
                                   "tests": 2}]
    assert all(key.isalnum() for key in env_keys)


def test_shards_fill_the_cache_and_merge_by_copying_files(store):
    _store(store)
    caches = [store.root / f"cache-{i}" for i in (1, 2)]
    runs = [builder.run(_options(store, cache, shard=(i, 2))).tests_run for i, cache in enumerate(caches, 1)]
    assert runs == [1, 1]
    assert not (store.root / "site" / "collection.json").exists()  # shards publish nothing
    merged = store.root / "cache"
    for cache in caches:
        shutil.copytree(cache / "tests", merged / "tests", dirs_exist_ok=True)
    assert plan(_options(store, merged), max_jobs=20) == {"include": []}
    summary = builder.run(_options(store, merged))
    assert (summary.tests_run, summary.tests_cached, summary.failed) == (0, 2, [])


def test_cli_plan_and_build_json(store, capsys, monkeypatch):
    store.add("10.5281/zenodo.10", store.record("nuclei", copy_from=NUCLEI), versions=["11"])
    args = ["--store", str(store.store), "--site", str(store.root / "site"), "--cache",
            str(store.root / "cache"), "--partners", "none"]
    assert main(["plan", *args]) == 0
    assert json.loads(capsys.readouterr().out)["include"][0]["tests"] == 1
    assert main(["build", *args, "--no-tests", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["versions"], summary["rebuilt"], summary["tests_run"]) == (1, 1, 0)


def test_cli_rejects_bad_shard(capsys):
    try:
        main(["build", "--shard", "3/2"])
    except SystemExit as e:
        assert e.code == 2
    assert "expected I/N with 1 <= I <= N, got '3/2'" in capsys.readouterr().err


def test_cli_missing_store_is_a_usage_error(tmp_path, capsys):
    assert main(["build", "--store", str(tmp_path / "nope")]) == 2
    assert "store folder does not exist" in capsys.readouterr().err
