"""Errors that guide the fix: near-miss keys, the root cause first, what follows from it marked and folded."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from pipeline.spec import load_rdf
from pipeline.spec.validator import validate_data

VALID = Path(__file__).parent / "fixtures" / "valid"
M05, M04 = load_rdf(VALID / "model-0.5").data, load_rdf(VALID / "model-0.4").data


def _report(base: dict, **changes):
    data = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return validate_data(data, source="x.yaml", io=False)


@pytest.mark.parametrize(("written", "meant"), [("documentaton", "documentation"), ("Inputs", "inputs"),
                                               ("test-inputs", "test_inputs"), ("licence", "license")])
def test_near_miss_keys_say_what_was_meant(written, meant):
    base = M04 if meant == "test_inputs" else M05
    data = copy.deepcopy(base)
    data[written] = data.pop(meant)
    report = validate_data(data, source="x.yaml", io=False)
    assert (report.errors[0].loc, report.errors[0].msg) == ((written,), f"unknown field; did you mean `{meant}`?")
    # the "field required" of the field meant follows from the near miss
    assert all(e.follows for e in report.errors if e.loc == (meant,))


def test_unrelated_unknown_key_points_to_config():
    report = _report(M05, colour="blue")
    assert report.errors[0].msg == "unknown field (free-form data belongs under `config`)"


def test_a_05_body_under_a_04_version_is_named_as_the_root_cause():
    report = _report(M05, format_version="0.4.9")
    first, rest = report.errors[0], report.errors[1:]
    assert first.loc == ("format_version",) and first.type == "format_version_mismatch"
    assert "written in model format 0.5" in first.msg and "says 0.4.9" in first.msg
    assert rest and all(e.follows == "format_version" for e in rest)
    as_json = report.to_json()["errors"]
    assert "follows" not in as_json[0] and all(e["follows"] == "format_version" for e in as_json[1:])
    text = report.format_text()
    assert f"... {len(rest)} error(s) that follow from the above:" in text
    assert text.index("format_version: the body") < text.index("error(s) that follow")


def test_a_04_body_under_a_05_version_suggests_zoo_upgrade():
    report = _report(M04, format_version="0.5.4")
    assert report.errors[0].type == "format_version_mismatch"
    assert "set format_version to 0.4.10, then `zoo upgrade` writes it in format 0.5" in report.errors[0].msg


def test_a_model_body_under_another_type_is_named_as_the_root_cause():
    report = _report(M05, type="dataset")
    assert (report.errors[0].loc, report.errors[0].type) == (("type",), "type_mismatch")
    assert "this looks like a model (inputs, outputs, weights), not a dataset" in report.errors[0].msg


@pytest.mark.parametrize("missing", ["format_version", "type"])
def test_a_missing_format_version_or_type_is_the_only_error(missing):
    report = _report(M05, **{missing: None})
    assert [(e.loc, e.type) for e in report.errors] == [((missing,), "missing")]
    assert f"every RDF names its `{missing}`" in report.errors[0].msg


def test_an_unknown_version_is_the_root_cause_of_what_follows():
    report = _report(M05, format_version="0.5")
    assert report.errors[0].loc == ("format_version",)
    assert all(e.follows == "format_version" for e in report.errors[1:])


def test_generic_resources_note_near_misses_they_ignore():
    data = {"format_version": "0.3.0", "type": "workflow", "name": "My workflow", "descripton": "d"}
    report = validate_data(data, source="x.yaml", io=False)
    assert report.status == "passed"
    assert any(w.loc == ("descripton",) and "did you mean `description`?" in w.msg and w.severity_name == "INFO"
               for w in report.warnings)
