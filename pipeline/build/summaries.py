"""Our format check as a test entry; the summaries themselves are `contracts.results.TestSummary`."""

from __future__ import annotations

from typing import Sequence

from pipeline import __version__
from pipeline.contracts.results import FAILED, FORMAT_CHECK, PASSED, RUN_KEYS, TestEntry, issue_line

Finding = tuple[Sequence[str | int], str]  # (loc, message) of one validation error or warning


def format_check(*, passed: bool, errors: Sequence[Finding], warnings: Sequence[Finding]) -> TestEntry:
    """The validation of one version as our first test entry, one line per finding."""
    return TestEntry(
        FORMAT_CHECK, PASSED if passed else FAILED,
        error="\n".join(issue_line(loc, msg) for loc, msg in errors) or None,
        warnings=tuple(issue_line(loc, msg) for loc, msg in warnings),
        tool_version=__version__, omitted=RUN_KEYS,
    )
