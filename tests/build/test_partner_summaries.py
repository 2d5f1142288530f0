"""Partner test results are schema-checked, indexed by version and merged wholesale."""

import json

import pytest

from pipeline.build import partner_summaries
from pipeline.errors import BadInput


def _doc(**changes):
    doc = {
        "tool": "ilastik",
        "tool_version": "1.4.1",
        "results": [
            {"resource_id": "10.5281/zenodo.1", "version_id": "2", "tests": [
                {"name": "load model", "status": "passed"},
                {"name": "run on test input", "status": "failed", "error": "shape mismatch",
                 "tool_version": "1.4.0"},
            ]},
        ],
    }
    doc.update(changes)
    return doc


def test_parse_indexes_by_version_and_fills_tool_version():
    results = partner_summaries.parse(_doc(), source="s.json", partner_id="ilastik")
    tests = results.tests[("10.5281/zenodo.1", "2")]
    assert [t.tool_version for t in tests] == ["1.4.1", "1.4.0"]
    assert tests[0].to_json() == {"name": "load model", "status": "passed", "tool_version": "1.4.1"}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (_doc(results=[{"resource_id": "a", "version_id": "1", "tests": [{"name": "x", "status": "ok"}]}]),
         "results[0].tests[0].status: 'ok' is not one of ['passed', 'failed', 'skipped', 'not-applicable']"),
        (_doc(extra=1), "(document): Additional properties are not allowed ('extra' was unexpected)"),
        (_doc(tool="deepimagej"), "summary is for tool 'deepimagej', expected 'ilastik'"),
        ([], "(document): [] is not of type 'object'"),
    ],
)
def test_malformed_documents_are_reported(doc, message):
    with pytest.raises(BadInput) as info:
        partner_summaries.parse(doc, source="s.json", partner_id="ilastik")
    assert message in str(info.value)
    assert str(info.value).startswith("s.json")


def test_load_from_path_stays_inside_partner_folder(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "summaries.json").write_text(json.dumps(_doc()))
    (tmp_path / "secret.json").write_text(json.dumps(_doc()))
    assert partner_summaries.load("summaries.json", base=tmp_path / "p", partner_id="ilastik").tool == "ilastik"
    with pytest.raises(BadInput, match="leaves the partner folder"):
        partner_summaries.load("../secret.json", base=tmp_path / "p", partner_id="ilastik")
    (tmp_path / "p" / "broken.json").write_text('{"tool": ')
    with pytest.raises(BadInput, match="not valid JSON"):
        partner_summaries.load("broken.json", base=tmp_path / "p", partner_id="ilastik")
