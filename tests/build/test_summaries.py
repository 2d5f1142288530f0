"""The overall status keeps 'format valid', 'runs' and 'reproduces' apart."""

import pytest

from pipeline.build.summaries import compatibility, compose, format_test, overall_status

VALID = format_test({"status": "passed", "errors": [], "warnings": [{"loc": ["cite"], "msg": "empty"}]})
INVALID = format_test({"status": "failed", "errors": [{"loc": ["inputs", 0, "axes"], "msg": "bad"}]})


def _t(status, ran=None):
    test = {"name": "reproduce test outputs", "status": status}
    if ran is not None:
        test["ran"] = ran
    return test


@pytest.mark.parametrize(
    ("tests", "is_model", "expected"),
    [
        ([VALID], False, (True, None, None, "passed")),
        ([INVALID], False, (False, None, None, "failed")),
        ([VALID], True, (True, None, None, "valid-format")),
        ([VALID, _t("passed")], True, (True, True, True, "passed")),
        ([VALID, _t("failed", ran=True)], True, (True, True, False, "failed")),
        ([VALID, _t("failed", ran=False)], True, (True, False, False, "failed")),
        ([VALID, {"name": "x", "status": "skipped"}], True, (True, None, None, "valid-format")),
    ],
)
def test_overall_status(tests, is_model, expected):
    status = overall_status(tests, is_model=is_model)
    assert (status["format_valid"], status["runs"], status["reproduces"], status["overall"]) == expected


def test_format_test_lists_errors_with_their_location():
    assert INVALID["error"] == "inputs.0.axes: bad"
    assert VALID["warnings"] == ["cite: empty"]


def test_partner_cannot_replace_our_section_and_sections_are_deduplicated():
    ours = [VALID, _t("passed")]
    summary = compose(resource_id="r", version_id="1", rdf_sha256="0" * 64, our_tests=ours,
                      partner_tests={"pipeline": [_t("failed")], "ilastik": [_t("failed"), _t("failed")]},
                      is_model=True)
    assert summary["tests"]["pipeline"] == ours
    assert summary["tests"]["ilastik"] == [_t("failed")]
    assert compatibility(summary) == {"pipeline": "passed", "ilastik": "failed"}
