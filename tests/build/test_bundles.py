"""Browser bundles made by the build: ONNX weights bundled as they are, torch weights exported in
the sandbox, every bundle checked against the test outputs before it is kept; impossible ones
skipped with their reason; the result cached by the model test's key."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from testkit.paths import MODELS
from testkit.runner import read_rdf, write_rdf

from pipeline.build import bundles
from pipeline.contracts.results import BROWSER_BUNDLE, FAILED, PASSED, SKIPPED, TestEntry
from pipeline.runner.checks import REPRODUCE
from pipeline.runner.model_files import load_source

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
KEY = "ab" * 32


def _passed(*formats: str) -> list[TestEntry]:
    return [TestEntry(REPRODUCE, PASSED, weights_format=f) for f in formats]


def _model_copy(tmp_path, name: str, keep: tuple[str, ...] | None = None):
    folder = tmp_path / name
    shutil.copytree(MODELS / name, folder)
    if keep is not None:
        rdf = read_rdf(folder / "rdf.yaml")
        rdf["weights"] = {k: v for k, v in rdf["weights"].items() if k in keep}
        for entry in rdf["weights"].values():
            entry.pop("parent", None)
        write_rdf(folder / "rdf.yaml", rdf)
    return load_source(folder / "rdf.yaml")


def test_onnx_weights_make_a_bundle_that_reproduces_the_test_outputs(tmp_path):
    loaded = load_source(MODELS / "two-channel-fusion-2d" / "rdf.yaml")
    bundle = bundles.cached_or_made(loaded, _passed("torchscript", "onnx"), KEY, tmp_path)
    assert bundle.entry.name == BROWSER_BUNDLE and bundle.entry.status == PASSED, bundle.entry.error
    assert bundle.entry.weights_format == "onnx"
    assert sorted(bundle.files) == ["bundle.json", "network.onnx", "postprocess.onnx", "preprocess.onnx",
                                    "test-input-0.npy", "test-input-1.npy", "test-output-0.npy",
                                    "test-output-1.npy", "test-output-2.npy"]
    assert bundle.files["network.onnx"].read_bytes() == (MODELS / "two-channel-fusion-2d" / "weights.onnx").read_bytes()
    manifest = json.loads(bundle.files["bundle.json"].read_text())
    assert [t["id"] for t in manifest["inputs"]] == ["raw", "prior"]
    assert manifest["post_inputs"] == ["raw"]  # scale_mean_variance reads the raw input
    assert manifest["outputs"][2]["dtype"] == "bool"
    assert {s["kind"] for s in manifest["sizes"]["inputs"]["prior"]} == {"batch", "channel", "ref"}
    assert manifest["bytes"] == sum(p.stat().st_size for p in bundle.files.values() if p.name != "bundle.json")
    assert any(w.startswith("probabilities: largest difference") for w in bundle.entry.warnings)
    np.testing.assert_array_equal(np.load(bundle.files["test-input-1.npy"]),
                                  np.load(MODELS / "two-channel-fusion-2d" / "test_input_prior.npy"))


@pytest.mark.slow
def test_torchscript_only_weights_are_exported_in_the_sandbox(tmp_path):
    loaded = _model_copy(tmp_path, "upsample-2d", keep=("torchscript",))
    bundle = bundles.cached_or_made(loaded, _passed("torchscript"), KEY, tmp_path / "cache")
    assert bundle.entry.status == PASSED, bundle.entry.error
    assert bundle.entry.weights_format == "torchscript"
    assert json.loads(bundle.files["bundle.json"].read_text())["exported"] is True
    import onnx

    graph = onnx.load(str(bundle.files["network.onnx"])).graph
    dims = [d.dim_param or d.dim_value for d in graph.input[0].type.tensor_type.shape.dim]
    assert dims == ["raw.batch", 1, "raw.y", "raw.x"]  # batch and space left to the block planner


def test_tensorflow_only_models_are_skipped_with_the_reason(tmp_path):
    loaded = load_source(MODELS / "membrane-distance-3d" / "rdf.yaml")
    bundle = bundles.cached_or_made(loaded, _passed("keras_hdf5"), KEY, tmp_path)
    assert bundle.entry.status == SKIPPED and bundle.files == {}
    assert bundle.entry.error.startswith("no ONNX or torch weights (keras_hdf5, tensorflow_saved_model_bundle)")


def test_weights_whose_own_test_failed_make_no_bundle(tmp_path):
    loaded = load_source(MODELS / "downsample-2d" / "rdf.yaml")
    tests = [TestEntry(REPRODUCE, FAILED, weights_format="onnx"), TestEntry(REPRODUCE, FAILED, weights_format="torchscript")]
    bundle = bundles.cached_or_made(loaded, tests, KEY, tmp_path)
    assert (bundle.entry.status, bundle.entry.error) == (SKIPPED, "none of the onnx, torchscript weights passed "
                                                                  "the model's own test")


def test_processing_without_an_onnx_form_is_skipped(tmp_path):
    folder = tmp_path / "m"
    shutil.copytree(MODELS / "downsample-2d", folder)
    rdf = read_rdf(folder / "rdf.yaml")
    rdf["outputs"][0]["postprocessing"] = [{"id": "stardist_postprocessing",
                                          "kwargs": {"prob_threshold": 0.5, "nms_threshold": 0.4, "n_rays": 32,
                                                     "grid": [1, 1], "b": 2}}]
    write_rdf(folder / "rdf.yaml", rdf)
    bundle = bundles.make(load_source(folder / "rdf.yaml"), _passed("onnx"), tmp_path / "b")
    assert bundle.entry.status == SKIPPED
    assert "outputs[0].postprocessing: processing op 'stardist_postprocessing' has no ONNX form" in bundle.entry.error
    assert not (tmp_path / "b").exists()


def test_a_bundle_over_the_size_cap_is_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(bundles, "MAX_BUNDLE_BYTES", 10_000)
    loaded = load_source(MODELS / "downsample-2d" / "rdf.yaml")
    bundle = bundles.make(loaded, _passed("onnx"), tmp_path / "b")
    assert bundle.entry.status == SKIPPED and "MiB a browser is asked to load" in bundle.entry.error
    assert not (tmp_path / "b").exists()


@pytest.mark.slow
def test_a_bundle_that_does_not_reproduce_is_recorded_as_failed_and_not_kept(tmp_path):
    # the network of the wrong-output example, claimed to have passed: the check catches it
    loaded = load_source(MODELS / "broken" / "wrong-output" / "rdf.yaml")
    bundle = bundles.make(loaded, _passed("torchscript"), tmp_path / "b")
    assert bundle.entry.status == FAILED and "differ by more than atol" in bundle.entry.error
    assert bundle.files == {} and not (tmp_path / "b").exists()


def test_the_result_is_cached_by_the_model_test_key(tmp_path, monkeypatch):
    loaded = load_source(MODELS / "downsample-2d" / "rdf.yaml")
    first = bundles.cached_or_made(loaded, _passed("onnx"), KEY, tmp_path)
    monkeypatch.setattr(bundles, "make", lambda *a: pytest.fail("made again although cached"))
    again = bundles.cached_or_made(loaded, _passed("onnx"), KEY, tmp_path)
    assert again.entry == first.entry and sorted(again.files) == sorted(first.files)


def test_publishing_replaces_what_an_earlier_bundle_left(tmp_path):
    loaded = load_source(MODELS / "downsample-2d" / "rdf.yaml")
    bundle = bundles.cached_or_made(loaded, _passed("onnx"), KEY, tmp_path / "cache")
    site = tmp_path / "site"
    (site / "rdfs/x/1/bundle").mkdir(parents=True)
    (site / "rdfs/x/1/bundle/old.onnx").write_bytes(b"stale")
    written = bundles.publish_bundle(bundle, site, "rdfs/x/1")
    assert sorted(p.rsplit("/", 1)[1] for p in written) == sorted(bundle.files)
    assert sorted(p.name for p in (site / "rdfs/x/1/bundle").iterdir()) == sorted(bundle.files)
    assert bundles.read_manifest(site, "rdfs/x/1")["weights_format"] == "onnx"
