"""The fixture set: every valid RDF passes; each invalid one fails with its error at the exact loc."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.spec import validate

FIXTURES = Path(__file__).parent / "fixtures"
VALID = sorted(p.name for p in (FIXTURES / "valid").iterdir() if p.is_dir())

# name -> (loc of the first error, a fragment of its message)
INVALID = {
    "m05_missing_inputs": (["inputs"], "field required"),
    "m05_unknown_field": (["colour"], "unknown field (free-form data belongs under `config`)"),
    "m05_bad_name_chars": (["name"],
                           "expected 5 to 128 characters from A-Z a-z 0-9 _ + - space ( ), got 'Tiny <UNet>'"),
    "m05_bad_license": (["license"], "'NOT-A-LICENSE' is not an SPDX license id"),
    "m05_bad_orcid_checksum": (["authors", 0, "orcid"], "valid ISO 7064 checksum), got '0000-0002-1825-0098'"),
    "m05_bad_doi": (["cite", 0, "doi"], "expected a DOI like 10.1234/abc, got 'doi-is-not-this'"),
    "m05_cite_without_doi_or_url": (["cite", 0], "a citation needs a `doi` or a `url`"),
    "m05_duplicate_tensor_id": (["inputs", 1, "id"], "duplicate input id 'raw'"),
    "m05_duplicate_axis_id": (["inputs", 0, "axes"], "duplicate axis ids: ['y']"),
    "m05_two_batch_axes": (["inputs", 0, "axes"], "at most one batch axis per tensor"),
    "m05_bad_axis_type": (["inputs", 0, "axes", 2, "type"],
                          "expected one of batch, channel, index, time, space, got 'depth'"),
    "m05_size_wrong_type": (["inputs", 0, "axes", 2, "size"],
                            "expected a positive integer, {min, step} or {tensor_id, axis_id, offset}, got 'big'"),
    "m05_size_ref_unknown_tensor": (["outputs", 0, "axes", 2, "size", "tensor_id"], "unknown tensor 'nope'"),
    "m05_size_ref_unknown_axis": (["outputs", 0, "axes", 2, "size", "axis_id"], "tensor 'raw' has no axis 'z'"),
    "m05_size_ref_batch": (["outputs", 0, "axes", 2, "size", "axis_id"], "may not reference a batch axis"),
    "m05_input_refs_output": (["inputs", 0, "axes", 2, "size", "tensor_id"], "inputs may only reference inputs"),
    "m05_halo_too_big": (["outputs", 0, "axes", 3, "halo"], "halo 8 leaves nothing of the smallest output size 16"),
    "m05_halo_without_reference": (["outputs", 0, "axes", 3, "size"], "an axis with a halo is sized by one, got 32"),
    "m05_unknown_op": (["inputs", 0, "preprocessing", 0, "id"], "expected one of binarize, clip"),
    "m05_op_axes_unknown": (["inputs", 0, "preprocessing", 0, "kwargs", "axes", 1], "the tensor has no axis 'q'"),
    "m05_op_bad_kwarg": (["inputs", 0, "preprocessing", 0, "kwargs", "eps"], "expected a value <= 0.1, got 0.5"),
    "m05_scale_range_bad_percentiles": (["inputs", 0, "preprocessing", 0, "kwargs", "max_percentile"],
                                        "expected max_percentile > min_percentile (90), got 10"),
    "m05_reference_tensor_unknown": (["outputs", 0, "postprocessing", 0, "kwargs", "reference_tensor"],
                                     "expected the id of an input (raw), got 'x'"),
    "m05_weights_missing_version": (["weights", "torchscript", "pytorch_version"], "field required"),
    "m05_weights_parent_absent": (["weights", "onnx", "parent"], "parent 'keras_hdf5' is not among the weights"),
    "m05_weights_unknown_format": (["weights", "caffe"], "not a weights format; known: keras_hdf5"),
    "m05_opset_too_low": (["weights", "onnx", "opset_version"], "expected a value >= 7, got 5"),
    "m05_bad_sha256_form": (["weights", "onnx", "sha256"], "expected exactly 64 characters, got 'abc'"),
    "m05_tolerance_too_large": (["config", "bioimageio", "reproducibility_tolerance", 0, "relative_tolerance"],
                                "expected a value <= 0.01, got 0.5"),
    "m05_format_version_no_patch": (["format_version"], "a known format version of three numbers (model 0.3.x, 0.4.x "
                                                        "or 0.5.x; latest 0.5.14), got '0.5'"),
    "m05_format_version_latest": (["format_version"], "got 'latest'"),
    "m05_absolute_path": (["documentation"], "absolute paths are not allowed, got '/etc/README.md'"),
    "m05_path_escape": (["covers", 0], "path escapes the resource's root: '../cover.png'"),
    "m05_file_url": (["weights", "onnx", "source"], "scheme 'file'"),
    "m05_missing_file": (["weights", "torchscript", "source"], "file not found: missing.pt"),
    "m05_sha256_mismatch": (["weights", "onnx", "sha256"], "sha256 mismatch for weights.onnx"),
    "m05_test_tensor_useless": (["outputs", 0, "test_tensor"], "useless as a test tensor"),
    "m05_test_tensor_wrong_shape": (["inputs", 0, "test_tensor"], "axis 'y' (index 2) has size 14: expected 16 + n*8"),
    "m05_test_tensor_pickled": (["inputs", 0, "test_tensor"], "cannot load pickled.npy as .npy without pickle"),
    "m05_test_tensor_wrong_dtype": (["inputs", 0, "test_tensor"], "dtype float32, the tensor declares uint8"),
    "m05_wrong_type_in_list": (["tags", 1], "expected a string, got 3"),
    "m04_missing_test_inputs": (["test_inputs"], "field required"),
    "m04_bad_axes_letters": (["inputs", 0, "axes"], "expected a string of axis letters from bitczyx, got 'bcyq'"),
    "m04_repeated_axes": (["inputs", 0, "axes"], "axis letters must be unique, repeated: y"),
    "m04_shape_length": (["inputs", 0, "shape", "step"], "expected as many step values as min values (3), got 4"),
    "m04_unknown_reference": (["outputs", 0, "shape", "reference_tensor"], "unknown reference tensor 'nope'"),
    "m04_halo_too_big": (["outputs", 0, "halo", 2], "halo 8 leaves nothing of the smallest output size 16"),
    "m04_zmuv_fixed_without_mean": (["inputs", 0, "preprocessing", 0, "kwargs", "mean"], "required when mode is fixed"),
    "m04_architecture_without_sha": (["weights", "pytorch_state_dict", "architecture_sha256"], "field required"),
    "m04_bad_data_type": (["inputs", 0, "data_type"], "expected one of float32, uint8, uint16, got 'float16'"),
    "m04_test_input_wrong_shape": (["test_inputs", 0], "axis 'y' (index 2) has size 14: expected 16 + n*8"),
    "m04_sigmoid_with_kwargs": (["outputs", 0, "postprocessing", 0, "kwargs"], "sigmoid takes no kwargs"),
    "m04_postprocessing_without_axes": (["outputs", 0, "postprocessing", 0, "kwargs", "axes"],
                                        "a 0.4 postprocessing scale_linear step needs `axes` as axis letters"),
    "m05_weights_source_is_rdf": (["weights", "onnx", "source"], "'model.yaml' is an RDF file name"),
    "m05_channel_size_mismatch": (["inputs", 0, "axes", 1, "size"], "a channel axis' size is the number of its "
                                                                     "channel_names; remove `size`"),
    "g03_attachment_is_rdf": (["attachments", 0, "source"], "'rdf.yaml' is an RDF file name"),
    "m04_batch_step_not_zero": (["inputs", 0, "shape", "step"], "the batch axis must have step 0"),
    "m04_offset_not_half_multiple": (["outputs", 0, "shape", "offset", 2], "expected a multiple of 0.5, got 0.3"),
    "g03_name_too_short": (["name"], "got 'abc'"),
    "g03_documentation_not_md": (["documentation", "source"], "expected a file ending in .md, got 'README.txt'"),
    "g03_documentation_plain_at_latest": (["documentation"], "write it as `{source: README.md}`"),
    "g03_cite_url_not_http": (["cite", 0, "url"], "expected an http(s) URL, got 'ftp://example.org'"),
    "g02_missing_description": (["description"], "field required"),
    "n03_source_not_ipynb": (["source"], "expected a file ending in .ipynb, got 'notebook.py'"),
    "d03_unknown_field": (["weights"], "unknown field"),
    "a02_badge_without_url": (["badges", 0, "url"], "field required"),
}
# name -> (loc, fragment) of the warning: valid RDFs that cannot run as written
WARNED = {
    "m05_per_channel_wrong_length": (["inputs", 0, "preprocessing", 0, "kwargs", "gain"], "expected 1 values"),
    "m05_processing_axis_unknown": (["outputs", 0, "postprocessing", 0, "kwargs", "axis"],
                                    "the tensor has no axis 'time'"),
    "m05_weights_parent_cycle": (["weights", "onnx", "parent"], "the weights' parents form a cycle"),
    "m05_output_id_shared_with_input": (["outputs", 0, "id"], "shares its id with an input"),
    "m04_test_outputs_count": (["test_outputs"], "expected 1 file(s), one per output, got 2"),
}


@pytest.mark.parametrize("name", VALID)
def test_valid_fixture_passes_with_file_checks(name):
    report = validate(FIXTURES / "valid" / name)
    assert report.errors == [], report.format_text()
    assert report.status == "passed"


def test_every_type_and_version_has_a_valid_fixture():
    expected = {f"{kind}-0.{minor}" for kind in ("generic", "application", "dataset", "notebook")
                for minor in (2, 3)} | {"model-0.3", "model-0.4", "model-0.5"}
    assert expected <= set(VALID)


def test_invalid_table_matches_fixture_files():
    files = {p.stem for p in (FIXTURES / "invalid").glob("*.yaml") if p.stem != "environment"}
    assert files == set(INVALID)
    assert len(INVALID) >= 40


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_fixture_fails_at_exact_loc(name):
    loc, fragment = INVALID[name]
    report = validate(FIXTURES / "invalid" / f"{name}.yaml")
    assert report.status == "failed"
    first = report.errors[0]
    assert list(first.loc) == loc, report.format_text()
    assert fragment in first.msg, report.format_text()
    as_json = report.to_json()
    assert as_json["errors"][0]["loc"] == loc
    json.dumps(as_json)  # the JSON form is serialisable


def test_invalid_files_with_io_off_skip_file_checks():
    report = validate(FIXTURES / "invalid" / "m05_sha256_mismatch.yaml", io=False)
    assert report.status == "passed"
    report = validate(FIXTURES / "invalid" / "m05_path_escape.yaml", io=False)
    assert [list(e.loc) for e in report.errors] == [["covers", 0]]  # path forms need no I/O


@pytest.mark.parametrize("name", sorted(WARNED))
def test_warned_fixture_passes_with_its_warning(name):
    loc, fragment = WARNED[name]
    report = validate(FIXTURES / "warned" / name)
    assert report.status == "passed", report.format_text()
    assert any(list(w.loc) == loc and fragment in w.msg and w.severity_name == "WARNING" for w in report.warnings), \
        report.format_text()


def test_warned_table_matches_fixture_folders():
    assert {p.name for p in (FIXTURES / "warned").iterdir() if p.is_dir()} == set(WARNED)
