"""Per-version test summaries: our section plus one per partner, and the overall status."""

from __future__ import annotations

from typing import Any

from pipeline import __version__
from pipeline.build.partner_summaries import dedupe

OUR_TOOL = "pipeline"
FORMAT_TEST = "validate format"


def format_test(report: dict[str, Any]) -> dict[str, Any]:
    """Our validation report (its `to_json()` shape) as one test entry."""
    errors = report.get("errors", [])
    return {
        "name": FORMAT_TEST,
        "status": "passed" if report.get("status") == "passed" else "failed",
        "error": "\n".join(_issue_line(e) for e in errors) or None,
        "traceback": None,
        "warnings": [_issue_line(w) for w in report.get("warnings", [])],
        "tool_version": __version__,
    }


def _issue_line(issue: dict[str, Any]) -> str:
    loc = ".".join(str(p) for p in issue.get("loc", [])) or "(root)"
    return f"{loc}: {issue.get('msg', '')}"


def overall_status(our_tests: list[dict[str, Any]], *, is_model: bool) -> dict[str, Any]:
    """Separate 'format valid', 'runs' and 'reproduces test outputs' (None: not applicable/unknown)."""
    fmt = [t for t in our_tests if t["name"] == FORMAT_TEST]
    format_valid = bool(fmt) and all(t["status"] == "passed" for t in fmt)
    model_tests = [t for t in our_tests if t["name"] != FORMAT_TEST and t["status"] != "skipped"]
    runs = reproduces = None
    if is_model and model_tests:
        runs = any(t.get("ran", t["status"] == "passed") for t in model_tests)
        reproduces = all(t["status"] == "passed" for t in model_tests)
    if not format_valid:
        overall = "failed"
    elif not is_model:
        overall = "passed"
    elif reproduces is None:
        overall = "valid-format"  # no runnable weights, or not tested yet
    else:
        overall = "passed" if reproduces else "failed"
    return {"format_valid": format_valid, "runs": runs, "reproduces": reproduces, "overall": overall}


def compose(
    *,
    resource_id: str,
    version_id: str,
    rdf_sha256: str,
    our_tests: list[dict[str, Any]],
    partner_tests: dict[str, list[dict[str, Any]]],
    is_model: bool,
) -> dict[str, Any]:
    """The whole `test_summary.json` of one version; each partner's section replaced wholesale."""
    tests = {OUR_TOOL: dedupe(our_tests)}
    for tool in sorted(partner_tests):
        if tool != OUR_TOOL:  # a partner may not overwrite our own section
            tests[tool] = dedupe(partner_tests[tool])
    return {
        "resource_id": resource_id,
        "version_id": version_id,
        "rdf_sha256": rdf_sha256,
        "status": overall_status(our_tests, is_model=is_model),
        "tests": tests,
    }


def compatibility(summary: dict[str, Any]) -> dict[str, str]:
    """tool -> passed|failed|skipped: a tool passes when all its non-skipped tests passed."""
    result = {}
    for tool, tests in summary["tests"].items():
        ran = [t for t in tests if t["status"] != "skipped"]
        if not ran:
            result[tool] = "skipped" if tests else "unknown"
        else:
            result[tool] = "passed" if all(t["status"] == "passed" for t in ran) else "failed"
    return result
