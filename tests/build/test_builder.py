"""`zoo build` end to end on a small store: what is published, and what a rerun touches."""

from __future__ import annotations

import json
import zipfile

import pytest

import pipeline

from pipeline.build import builder
from pipeline.build.builder import BuildConfig
from pipeline.spec import yamlio

from testkit.paths import EXAMPLES

MODEL = EXAMPLES / "models" / "nuclei-boundary-2d"
DATASET = {
    "format_version": "0.3.0", "type": "dataset", "name": "Fluorescent nuclei example",
    "description": "Twelve images of stained nuclei.", "license": "CC0-1.0",
    "authors": [{"name": "Ada Lovelab"}], "cite": [{"text": "Lovelab 2024", "doi": "10.5281/zenodo.1"}],
    "source": "https://example.org/nuclei.zip", "tags": ["nuclei", "fluorescence-light-microscopy"],
}


def _options(store, **changes):
    return BuildConfig(**{"store": store.store, "site": store.root / "site", "cache": store.root / ".cache",
                           "partners": None, "run_tests": False, **changes})


def _lines(problems):
    return [p.format_text() for p in problems]


def _mtimes(folder):
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def built(store):
    store.add("10.5281/zenodo.100", store.record("model", copy_from=MODEL), versions=["102", "101"])
    store.add("10.5281/zenodo.200", store.record("dataset", DATASET), type="dataset", versions=["201"])
    summary = builder.run(_options(store))
    return store, summary


def test_publishes_every_accepted_version(built):
    store, summary = built
    site = store.root / "site"
    assert (summary.versions, summary.rebuilt, summary.problems) == (3, 3, [])
    rdf = yamlio.loads((site / "rdfs/10.5281/zenodo.100/102/rdf.yaml").read_bytes(), source="x")
    assert rdf["id"] == "10.5281/zenodo.100/102"
    zoo = rdf["config"]["bioimageio"]
    assert (zoo["nickname"], zoo["doi"], zoo["version_ids"]) == ("nick-100", "10.5281/zenodo.102", ["102", "101"])
    # local files are copied beside the published RDF and its references point at them
    assert rdf["weights"]["onnx"]["source"] == "files/weights.onnx"
    assert (site / "rdfs/10.5281/zenodo.100/102/files/weights.onnx").read_bytes() == (MODEL / "weights.onnx").read_bytes()
    collection = json.loads((site / "collection.json").read_text())
    assert [e["id"] for e in collection["collection"]] == ["10.5281/zenodo.100", "10.5281/zenodo.200"]
    assert collection["config"]["n_resources"] == {"dataset": 1, "model": 1}
    model = collection["collection"][0]
    assert model["versions"] == ["102", "101"]
    assert model["covers"] == ["rdfs/10.5281/zenodo.100/102/covers/0-cover.thumbnail.jpg"] or \
        model["covers"] == ["rdfs/10.5281/zenodo.100/102/covers/0-cover.thumbnail.png"]
    assert model["status"]["format_valid"] is True and model["status"]["reproduces"] is None
    versions = json.loads((site / "all_versions.json").read_text())["versions"]
    assert [(v["id"], v["version_id"]) for v in versions] == [
        ("10.5281/zenodo.100", "101"), ("10.5281/zenodo.100", "102"), ("10.5281/zenodo.200", "201")]


def test_package_holds_rdf_and_every_file(built):
    store, _ = built
    with zipfile.ZipFile(store.root / "site/rdfs/10.5281/zenodo.100/102/package.zip") as archive:
        names = set(archive.namelist())
        assert {"rdf.yaml", "weights.onnx", "weights.pt", "nuclei_net.py", "test_input.npy", "cover.png",
                "README.md"} <= names
        assert archive.read("weights.onnx") == (MODEL / "weights.onnx").read_bytes()


def test_test_summary_separates_format_from_runs(built):
    store, _ = built
    summary = json.loads((store.root / "site/rdfs/10.5281/zenodo.200/201/test_summary.json").read_text())
    assert summary["status"] == {"format_valid": True, "runs": None, "reproduces": None, "overall": "passed"}
    assert [t["name"] for t in summary["tests"]["pipeline"]] == ["validate format"]


def test_noop_rebuild_rewrites_nothing(built):
    store, _ = built
    before = _mtimes(store.root / "site")
    summary = builder.run(_options(store))
    assert (summary.rebuilt, summary.unchanged) == (0, 3)
    assert _mtimes(store.root / "site") == before


def test_blocking_a_resource_removes_it(built):
    store, _ = built
    store.add("10.5281/zenodo.200", store.records / "dataset" / "rdf.yaml", type="dataset",
              versions=["201"], status="blocked")
    summary = builder.run(_options(store))
    site = store.root / "site"
    assert summary.removed == 1
    assert not (site / "rdfs/10.5281/zenodo.200/201").exists()
    ids = [e["id"] for e in json.loads((site / "collection.json").read_text())["collection"]]
    assert ids == ["10.5281/zenodo.100"]


def test_an_rdf_that_never_loaded_is_reported_and_shown_failed(built):
    store, _ = built
    store.add("10.5281/zenodo.300", store.records / "never" / "rdf.yaml", type="dataset", versions=["301"])
    assert builder.run(_options(store)).problems != []
    summary = builder.run(_options(store, recheck=True))
    assert any("10.5281/zenodo.300/301" in p and "could not be loaded" in p for p in _lines(summary.problems))
    entry = json.loads((store.root / "site/collection.json").read_text())["collection"][2]
    assert entry["id"] == "10.5281/zenodo.300"  # never silently missing
    assert entry["status"]["overall"] == "failed"


def test_changed_upstream_rdf_fails_format(built):
    store, _ = built
    path = store.records / "dataset" / "rdf.yaml"
    path.write_text(path.read_text().replace("Twelve images", "Thirteen images"))
    builder.run(_options(store, recheck=True))
    summary = json.loads((store.root / "site/rdfs/10.5281/zenodo.200/201/test_summary.json").read_text())
    assert summary["status"]["format_valid"] is False
    assert "RDF changed upstream since harvest" in summary["tests"]["pipeline"][0]["error"]


def test_previews_of_test_tensors_are_published(built):
    store, _ = built
    previews = store.root / "site/rdfs/10.5281/zenodo.100/102/previews"
    assert sorted(p.name for p in previews.iterdir()) == ["input-raw.png", "output-boundaries.png"]


def test_model_tests_run_once_and_are_cached(store):
    store.add("10.5281/zenodo.300", store.record("good", copy_from=MODEL), versions=["301"])
    store.add("10.5281/zenodo.400", store.record("bad", copy_from=EXAMPLES / "models/broken/wrong-output"),
              versions=["401"])
    first = builder.run(_options(store, run_tests=True))
    assert first.tests_run == 2
    assert first.failed == ["10.5281/zenodo.400/401"]
    good = json.loads((store.root / "site/rdfs/10.5281/zenodo.300/301/test_summary.json").read_text())
    assert good["status"] == {"format_valid": True, "runs": True, "reproduces": True, "overall": "passed"}
    names = {(t["weights_format"], t["name"], t["status"]) for t in good["tests"]["pipeline"][1:]}
    assert ("onnx", "reproduce test outputs", "passed") in names
    assert all(t["env"]["python"] for t in good["tests"]["pipeline"][1:])
    assert {t["tool_version"] for t in good["tests"]["pipeline"]} == {pipeline.__version__}
    bad = json.loads((store.root / "site/rdfs/10.5281/zenodo.400/401/test_summary.json").read_text())
    assert (bad["status"]["runs"], bad["status"]["reproduces"], bad["status"]["overall"]) == (True, False, "failed")
    assert builder.run(_options(store, run_tests=True)).tests_run == 0
    assert builder.run(_options(store, run_tests=True, retest=True)).tests_run == 2


def test_duplicate_nickname_is_a_build_problem(store):
    rdf = store.record("dataset", DATASET)
    store.add("10.5281/zenodo.500", rdf, type="dataset", versions=["501"], nickname="same-name")
    store.add("10.5281/zenodo.600", rdf, type="dataset", versions=["601"], nickname="same-name")
    summary = builder.run(_options(store))
    assert _lines(summary.problems) == [
        "nickname 'same-name': used by 2 resources: 10.5281/zenodo.500, 10.5281/zenodo.600"]


def test_active_content_is_never_served_from_the_zoo_origin(store):
    rdf = dict(DATASET, documentation="README.md", attachments=[{"source": "evil.html"}, {"source": "x.svg"},
                                                                  {"source": "table.csv"}])
    path = store.record("active", rdf)
    for name, text in (("README.md", "# hi"), ("evil.html", "<script>alert(1)</script>"),
                       ("x.svg", "<svg onload='alert(1)'/>"), ("table.csv", "a,b")):
        (path.parent / name).write_text(text)
    store.add("10.5281/zenodo.700", path, type="dataset", versions=["701"])
    assert builder.run(_options(store)).problems == []
    folder = store.root / "site/rdfs/10.5281/zenodo.700/701"
    assert sorted(p.name for p in (folder / "files").iterdir()) == ["README.md", "table.csv"]
    published = yamlio.loads((folder / "rdf.yaml").read_bytes(), source="x")
    assert [a["source"] for a in published["attachments"]] == ["evil.html", "x.svg", "files/table.csv"]
    with zipfile.ZipFile(folder / "package.zip") as archive:  # the package still holds every file
        assert {"evil.html", "x.svg", "table.csv", "README.md"} <= set(archive.namelist())


def test_unexpected_failure_in_one_version_does_not_stop_the_build(built, monkeypatch):
    store, _ = built
    from pipeline.build import builder

    real = builder.publish_version

    def explode_for_dataset(loaded, rdf, site, folder, **kwargs):
        if "zenodo.200" in folder:
            raise RuntimeError("boom")
        return real(loaded, rdf, site, folder, **kwargs)

    monkeypatch.setattr(builder, "publish_version", explode_for_dataset)
    summary = builder.run(_options(store, recheck=True))
    assert summary.versions == 3
    assert any("internal error while publishing: RuntimeError: boom" in p for p in _lines(summary.problems))
    assert summary.failed == ["10.5281/zenodo.200/201"]


def test_damaged_manifest_is_a_cache_miss(built):
    store, _ = built
    manifest = store.root / ".cache" / "build-manifest.json"
    data = json.loads(manifest.read_text())
    for entry in data["versions"].values():
        entry["built"] = {"unexpected": 1}
    manifest.write_text(json.dumps(data))
    summary = builder.run(_options(store))
    assert (summary.rebuilt, summary.problems) == (3, [])


def test_a_version_whose_upstream_vanishes_keeps_its_last_good_build(built):
    store, _ = built
    before = json.loads((store.root / "site/collection.json").read_text())["collection"]
    (store.records / "dataset" / "rdf.yaml").unlink()
    assert builder.run(_options(store)).problems == []  # a no-op build does not fetch sources
    summary = builder.run(_options(store, recheck=True))
    assert any("10.5281/zenodo.200/201" in p and "last good build stays" in p for p in _lines(summary.problems))
    after = json.loads((store.root / "site/collection.json").read_text())["collection"]
    assert after == before  # nothing blanked: consumers see what they saw
    assert (store.root / "site/rdfs/10.5281/zenodo.200/201/rdf.yaml").is_file()
