"""Values read the way the format's reference reads them (docs/format.md §0, §1), in canonical form after."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from pipeline.spec import load_rdf, normalized_model
from pipeline.spec.validator import check_structure, validate_data
from pipeline.spec.values import file_name, suffix_of, url_problem

VALID = Path(__file__).parent / "fixtures" / "valid"
M05, M04 = load_rdf(VALID / "model-0.5").data, load_rdf(VALID / "model-0.4").data


def _with(base: dict, path: tuple, value) -> dict:
    data = copy.deepcopy(base)
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return data


SIZE = ("inputs", 0, "axes", 2, "size", "min")
OPSET = ("weights", "onnx", "opset_version")


@pytest.mark.parametrize(("path", "value", "status"), [
    (SIZE, "16", "passed"), (SIZE, 16.0, "passed"), (SIZE, " 16 ", "passed"), (SIZE, "16.0", "passed"),
    (SIZE, 16.5, "failed"), (SIZE, "1e2", "failed"), (SIZE, "0x10", "failed"), (SIZE, None, "failed"),
    (OPSET, "15", "passed"), (OPSET, True, "failed"),  # true is 1: below the minimum opset 7
    (("inputs", 0, "optional"), "yes", "passed"), (("inputs", 0, "optional"), "off", "passed"),
    (("inputs", 0, "optional"), 2, "failed"),
    (("name",), 12345, "failed"),  # a number is not its text
    (("tags",), "segmentation", "failed"),  # a list is not a single value
    (("covers", 0), None, "failed"),  # null only where optional
    (("authors", 0, "orcid"), None, "passed"), (("authors", 0, "github_user"), None, "passed"),
    (("inputs", 0, "sample_tensor"), None, "passed"), (("weights", "keras_hdf5"), None, "passed"),
    (("run_mode",), None, "passed"), (("id_emoji",), None, "passed"),
    (("version",), 1.10, "passed"), (("version",), "one", "failed"),
])
def test_lax_values_like_the_reference(path, value, status):
    report = validate_data(_with(M05, path, value), source="x", io=False)
    assert report.status == status, report.format_text()


@pytest.mark.parametrize(("value", "status"), [(["-inf", "inf"], "passed"), ([float("-inf"), float("inf")], "passed"),
                                              (["-Infinity", "1e3"], "passed"), (["nan", 1], "passed"),
                                              (["low", "high"], "failed")])
def test_04_data_range_takes_infinity_in_any_spelling(value, status):
    report = validate_data(_with(M04, ("inputs", 0, "data_range"), value), source="x", io=False)
    assert report.status == status, report.format_text()


def test_canonical_data_has_the_values_the_reference_reads_and_the_input_is_untouched():
    data = _with(M05, SIZE, "16")
    data["weights"]["onnx"]["opset_version"] = "15"
    data["authors"][0]["github_user"] = None
    original = copy.deepcopy(data)
    _, canonical, _ = check_structure(data)
    assert data == original  # validation copies what its conversions rewrite
    assert canonical["inputs"][0]["axes"][2]["size"]["min"] == 16
    assert canonical["weights"]["onnx"]["opset_version"] == 15
    assert "github_user" not in canonical["authors"][0]  # an explicit null means absent
    assert canonical["format_version"] == "0.5.14" and canonical["documentation"] == {"source": "README.md"}
    model = normalized_model(data)
    assert model["inputs"][0]["axes"][2]["size"] == {"min": 16, "step": 8}


@pytest.mark.parametrize(("source", "name", "suffix"), [
    ("https://zenodo.org/api/records/6406757/files/cover.png/content", "cover.png", ".png"),
    ("https://zenodo.org/api/records/6406757/files/test_input_0.npy/content?version=v0", "test_input_0.npy", ".npy"),
    ("https://sandbox.zenodo.org/api/records/1/files/w%20x.npy/content", "w x.npy", ".npy"),
    ("https://zenodo.org/records/7/files/README.md?download=1", "README.md", ".md"),
    ("https://example.org/a.b/c", "c", ".b/c"),
    ("images/cover.PNG", "cover.PNG", ".PNG"),
    ("archive.tar.gz", "archive.tar.gz", ".gz"),
    (".hidden", ".hidden", ""),
])
def test_file_names_and_suffixes_inside_urls(source, name, suffix):
    assert (file_name(source), suffix_of(source)) == (name, suffix)


@pytest.mark.parametrize(("url", "problem"), [
    ("https://zenodo.org/api/records/1/files/a b.png/content", None), ("HTTPS://EX.org/A", None),
    ("https:example.org/x", None), ("http://", "empty host"), ("ftp://x.org/a", "scheme 'ftp'"),
    ("www.x.org/a", "not a URL"), ("https://exa mple.com/", "invalid host"), ("https://x.org:99999/", "invalid port"),
])
def test_urls_are_read_as_the_reference_reads_them(url, problem):
    assert url_problem(url) == problem


def test_architecture_from_a_zenodo_url_with_its_callable():
    data = _with(M04, ("weights", "pytorch_state_dict", "architecture"),
                 "https://zenodo.org/api/records/6406757/files/unet.py/content:UNet2d")
    assert validate_data(data, source="x", io=False).status == "passed"
    data["weights"]["pytorch_state_dict"]["architecture"] = "/abs/unet.py:UNet2d"
    report = validate_data(data, source="x", io=False)
    assert [e.loc for e in report.errors] == [("weights", "pytorch_state_dict", "architecture")]


@pytest.mark.parametrize(("value", "ok"), [
    ("2019-12-11T12:22:32Z", True), ("2019-12-11T12:22:32.123456789Z", True), ("2019-12-11 12:22:32", True),
    ("2019-12-11", True), ("20191211T122232", True), ("2019-W50-3", True), ("2019-12-11T24:00:00", True),
    ("2021-02-17t10:13:32+00:00", True), ("2021-02-17T10:13:32+0000", True), ("2021-02-17T10:13:32.5-05", True),
    ("2021-02-17T10:13:32+00:00.0", False), ("2021-02-17T10:13:32+00:00:00", False),
    ("2022-10-28T16:20:17+00:00 ", False), (" 2022-01-18T23:04:36+00:00", False), ("yesterday", False),
])
def test_timestamps_as_the_reference_parses_them(value, ok):
    report = validate_data(_with(M04, ("timestamp",), value), source="x", io=False)
    assert report.passed is ok, report.format_text()


@pytest.mark.parametrize(("value", "ok"), [
    ("firstname.lastname@embl.de", True), ("ä@ü.de", True), ("user+tag@sub.example.co.uk", True),
    ("qin.yu@embl.de ", True), (" qin.yu@embl.de", True), ("a@b", False), ("a@b.1", False), ("a..b@c.d", False),
    (".a@b.c", False), ("a b@c.d", False), ("a@-b.c", False), ('"quoted"@x.org', False),
])
def test_emails_as_the_reference_checks_them(value, ok):
    report = validate_data(_with(M05, ("authors", 0, "email"), value), source="x", io=False)
    assert report.passed is ok, report.format_text()
