"""Upgrading to the latest format and the normalised model description the runner uses."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from pipeline.spec import load_rdf, normalized_model, upgrade, yamlio
from pipeline.spec.validator import validate_data

FIXTURES = Path(__file__).parent / "fixtures" / "valid"
ALL_VALID = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


def _model04() -> dict:
    return load_rdf(FIXTURES / "model-0.4").data


# What the source does not say, the upgrade does not invent: 0.5 requires a framework version.
NOT_INVENTED = {"model-0.3": [("weights", "torchscript", "pytorch_version")],
                "model-0.4": [("weights", "torchscript", "pytorch_version")]}


@pytest.mark.parametrize("name", ALL_VALID)
def test_upgraded_fixture_validates_round_trips_and_is_stable(name):
    loaded = load_rdf(FIXTURES / name)
    original = copy.deepcopy(loaded.data)
    upgraded = upgrade(loaded.data)
    assert loaded.data == original  # the input is not modified
    report = validate_data(upgraded, root=loaded.root, source=name)
    assert [(e.loc, e.msg) for e in report.errors] == [(loc, "field required") for loc in NOT_INVENTED.get(name, [])]
    assert yamlio.loads(yamlio.dumps(upgraded), source=name) == upgraded
    if not report.errors:
        assert upgrade(upgraded) == upgraded


def test_upgrade_never_invents_versions_or_casts():
    upgraded = upgrade(_model04())
    assert "pytorch_version" not in upgraded["weights"]["torchscript"]
    assert upgraded["weights"]["pytorch_state_dict"]["pytorch_version"] == "1.13"  # given values are kept
    steps = upgraded["inputs"][0]["preprocessing"]
    assert [s["id"] for s in steps] == ["zero_mean_unit_variance"]  # float32 input: no cast added
    assert upgraded["outputs"][0]["postprocessing"] == [{"id": "sigmoid"}]


@pytest.mark.parametrize(("name", "version"), [("model-0.3", "0.5.14"), ("model-0.4", "0.5.14"),
                                               ("model-0.5", "0.5.14"), ("generic-0.2", "0.3.4"),
                                               ("notebook-0.2", "0.3.4"), ("dataset-0.3", "0.3.4")])
def test_upgrade_targets_latest_patch(name, version):
    assert upgrade(load_rdf(FIXTURES / name).data)["format_version"] == version


def test_generic_02_fields_become_03_fields():
    upgraded = upgrade(load_rdf(FIXTURES / "generic-0.2").data)
    assert upgraded["authors"] == [{"name": "Jane Doe"}, {"name": "Ada Lovelace", "orcid": "0000-0002-1825-0097"}]
    assert upgraded["attachments"] == [{"source": "extra.txt"}]
    assert upgraded["documentation"] == {"source": "README.md"}
    assert upgraded["covers"] == [{"source": "cover.png"}]


def test_normalized_04_model_has_explicit_casts_axes_and_tolerances():
    model = normalized_model(_model04())
    raw, mask = model["inputs"][0], model["outputs"][0]
    assert raw["id"] == "raw" and mask["id"] == "mask"
    assert raw["preprocessing"] == [{"id": "zero_mean_unit_variance", "kwargs": {"axes": ["y", "x"]}}]
    assert raw["axes"] == [
        {"type": "batch", "id": "batch", "size": None},
        {"type": "channel", "id": "channel", "channel_names": ["channel0"], "size": 1},
        {"type": "space", "id": "y", "size": {"min": 16, "step": 8}, "scale": 1.0},
        {"type": "space", "id": "x", "size": {"min": 16, "step": 8}, "scale": 1.0},
    ]
    assert mask["axes"][2] == {"type": "space", "id": "y", "size": {"tensor_id": "raw", "axis_id": "y", "offset": 0},
                               "halo": 4, "scale": 1.0}
    assert mask["postprocessing"] == [{"id": "sigmoid", "kwargs": {}}]
    assert raw["test_tensor"] == {"source": "test_input.npy"}
    assert raw["data"] == {"type": "float32", "range": [None, None]}
    assert model["config"]["bioimageio"]["reproducibility_tolerance"] == [
        {"relative_tolerance": 0.0001, "absolute_tolerance": 0.0002, "mismatched_elements_per_million": 0,
         "weights_formats": ["torchscript"]},
        {"relative_tolerance": 0.001, "absolute_tolerance": 0.001, "mismatched_elements_per_million": 0},
    ]
    state = model["weights"]["pytorch_state_dict"]
    assert state["architecture"] == {"source": "arch.py", "callable": "TinyUNet", "kwargs": {"channels": 4},
                                     "sha256": state["architecture"]["sha256"]}
    assert len(state["architecture"]["sha256"]) == 64
    assert state["pytorch_version"] == "1.13" and state["parent"] is None
    assert "pytorch_version" not in model["weights"]["torchscript"]  # not given: not invented
    assert model["weights"]["torchscript"]["parent"] == "pytorch_state_dict"


def test_normalized_04_keeps_dataset_mode_reference_tensor_and_uint8_cast():
    data = _model04()
    raw = data["inputs"][0]
    raw["data_type"] = "uint8"
    raw["preprocessing"] = [
        {"name": "scale_range", "kwargs": {"mode": "per_dataset", "axes": "yx", "min_percentile": 1,
                                           "max_percentile": 99}},
        {"name": "scale_linear", "kwargs": {"axes": "yx", "gain": [2.0], "offset": [0.5]}},
        {"name": "zero_mean_unit_variance", "kwargs": {"mode": "fixed", "axes": "yx", "mean": [1.5], "std": [2.0]}},
    ]
    data["outputs"][0]["postprocessing"] = [
        {"name": "scale_mean_variance", "kwargs": {"mode": "per_sample", "reference_tensor": "raw", "axes": "yx"}}]
    del data["config"]
    model = normalized_model(data)
    assert model["inputs"][0]["preprocessing"] == [
        {"id": "scale_range", "kwargs": {"axes": ["batch", "y", "x"], "min_percentile": 1, "max_percentile": 99}},
        {"id": "scale_linear", "kwargs": {"gain": [2.0], "offset": [0.5], "axis": "channel"}},
        {"id": "fixed_zero_mean_unit_variance", "kwargs": {"mean": [1.5], "std": [2.0], "axis": "channel"}},
        {"id": "ensure_dtype", "kwargs": {"dtype": "float32"}},
    ]
    assert model["outputs"][0]["postprocessing"] == [
        {"id": "scale_mean_variance", "kwargs": {"reference_tensor": "raw", "axes": ["y", "x"]}}]
    assert model["config"]["bioimageio"]["reproducibility_tolerance"] == [
        {"relative_tolerance": 0.001, "absolute_tolerance": 0.001, "mismatched_elements_per_million": 0}]


def test_implicit_output_shape_with_scale_and_offset():
    data = _model04()
    data["outputs"][0]["shape"] = {"reference_tensor": "raw", "scale": [1, 1, 0.5, 0.5], "offset": [0, 0, 1.5, 0]}
    data["outputs"][0]["halo"] = [0, 0, 0, 0]
    data["outputs"][0]["axes"] = "bcyx"
    y = normalized_model(data)["outputs"][0]["axes"][2]
    assert y == {"type": "space", "id": "y", "size": {"tensor_id": "raw", "axis_id": "y", "offset": 3},
                 "scale": 2.0, "halo": 0}


def test_output_axis_without_scale_becomes_fixed_size():
    data = _model04()
    data["outputs"][0].update(axes="bcyxz", halo=[0, 0, 0, 0, 0],
                              shape={"reference_tensor": "raw", "scale": [1, 1, 1, 1, None], "offset": [0, 0, 0, 0, 3]})
    z = normalized_model(data)["outputs"][0]["axes"][4]
    assert z == {"type": "space", "id": "z", "size": 6, "scale": 1.0, "halo": 0}


def test_normalized_05_fills_defaults_without_changing_given_values():
    data = load_rdf(FIXTURES / "model-0.5").data
    model = normalized_model(data)
    assert model["format_version"] == "0.5.14"
    assert model["inputs"][0]["axes"][0] == {"type": "batch", "id": "batch", "size": None}
    assert model["outputs"][0]["postprocessing"] == [{"id": "sigmoid", "kwargs": {}}]
    assert model["outputs"][0]["data"] == {"type": "float32"}
    assert model["outputs"][0]["axes"][3]["halo"] == 4
    assert model["weights"]["onnx"] == {**data["weights"]["onnx"]}
    assert model["weights"]["pytorch_state_dict"]["parent"] is None
    assert model["weights"]["pytorch_state_dict"]["dependencies"]["source"] == "environment.yaml"


def test_model_03_architecture_moves_into_weights():
    model = normalized_model(load_rdf(FIXTURES / "model-0.3").data)
    assert set(model["weights"]) == {"pytorch_state_dict", "torchscript"}
    assert model["weights"]["pytorch_state_dict"]["architecture"]["callable"] == "TinyUNet"
    assert "language" not in model and "source" not in model
