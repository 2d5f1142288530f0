"""Test entries and summaries: their shape survives a round trip, bad ones are named, and the
overall status keeps 'format valid', 'runs' and 'reproduces' apart."""

import json

import pytest

from pipeline.build.summaries import format_check
from pipeline.contracts.results import OverallStatus, TestEntry, TestSummary, tool_state
from pipeline.errors import BadInput

VALID = format_check(passed=True, errors=[], warnings=[(["cite"], "empty")])
INVALID = format_check(passed=False, errors=[(["inputs", 0, "axes"], "bad"), ([], "whole file")], warnings=[])


def _t(status, name="reproduce test outputs"):
    return TestEntry.from_json({"name": name, "status": status})


@pytest.mark.parametrize(
    ("tests", "is_model", "expected"),
    [
        ([VALID], False, (True, None, None, "passed")),
        ([INVALID], False, (False, None, None, "failed")),
        ([VALID], True, (True, None, None, "valid-format")),
        ([VALID, _t("passed")], True, (True, True, True, "passed")),
        ([VALID, _t("passed"), _t("failed", "run at other sizes")], True, (True, True, False, "failed")),
        ([VALID, _t("failed")], True, (True, False, False, "failed")),
        ([VALID, _t("skipped")], True, (True, None, None, "valid-format")),
        ([INVALID, _t("passed")], True, (False, True, True, "failed")),
    ],
)
def test_overall_status(tests, is_model, expected):
    status = OverallStatus.of(tests, is_model=is_model)
    assert (status.format_valid, status.runs, status.reproduces, status.overall) == expected


def test_format_check_lists_findings_with_their_location():
    assert INVALID.error == "inputs[0].axes: bad\n(root): whole file"
    assert VALID.warnings == ("cite: empty",) and VALID.error is None
    # a format check ran no model: it has no weights format, environment or duration
    assert set(VALID.to_json()) == {"name", "status", "error", "traceback", "warnings", "tool_version"}


def test_an_entry_keeps_the_keys_its_author_wrote():
    partner = {"name": "run in the tool", "status": "passed", "error": None, "warnings": []}
    entry = TestEntry.from_json(partner)
    assert entry.to_json() == partner
    assert entry.stamped("1.0").to_json() == {**partner, "tool_version": "1.0"}
    assert entry.stamped("1.0").stamped("2.0").tool_version == "1.0"
    ran = entry.ran_with("onnx", {"python": "3.11"}).to_json()
    assert (ran["weights_format"], ran["env"]) == ("onnx", {"python": "3.11"})


@pytest.mark.parametrize(("data", "message"), [
    ("passed", "x.json: tests.pipeline[0]: expected a test entry (a mapping), got str"),
    ({"name": "", "status": "passed"}, "x.json: tests.pipeline[0].name: expected a non-empty string"),
    ({"name": "a", "status": "ok"},
     "tests.pipeline[0].status: expected one of passed, failed, skipped, not-applicable, got 'ok'"),
    ({"name": "a", "status": "passed", "warnings": "w"}, "tests.pipeline[0].warnings: expected a list of strings"),
    ({"name": "a", "status": "passed", "seconds": True}, "tests.pipeline[0].seconds: expected a number or null"),
    ({"name": "a", "status": "passed", "ran": True}, "tests.pipeline[0]: unknown field(s) ran"),
])
def test_bad_entries_are_named(data, message):
    with pytest.raises(BadInput) as info:
        TestEntry.from_json(data, source="x.json", loc=("tests", "pipeline", 0))
    assert message in str(info.value)


def test_partner_cannot_replace_our_section_and_sections_are_deduplicated():
    ours = [VALID, _t("passed")]
    summary = TestSummary.compose(resource_id="r", version_id="1", rdf_sha256="0" * 64, our_tests=ours,
                                  partner_tests={"pipeline": [_t("failed")], "ilastik": [_t("failed"), _t("failed")]},
                                  is_model=True)
    assert summary.tests["pipeline"] == tuple(ours)
    assert summary.tests["ilastik"] == (_t("failed"),)
    assert summary.compatibility() == {"pipeline": "passed", "ilastik": "failed"}
    written = json.loads(json.dumps(summary.to_json()))
    assert TestSummary.from_json(written) == summary


def test_a_summary_with_a_bad_status_is_refused():
    summary = TestSummary.compose(resource_id="r", version_id="1", rdf_sha256="", our_tests=[VALID],
                                  partner_tests={}, is_model=False).to_json()
    summary["status"]["overall"] = "great"
    with pytest.raises(BadInput, match="status.overall: expected one of passed, valid-format, failed"):
        TestSummary.from_json(summary)


@pytest.mark.parametrize(("statuses", "state"), [
    ([], "unknown"), (["skipped"], "skipped"), (["passed", "skipped"], "passed"), (["passed", "failed"], "failed"),
])
def test_tool_state(statuses, state):
    assert tool_state([_t(s) for s in statuses]) == state
