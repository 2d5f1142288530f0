"""The browser-bundle entry describes an extra the zoo derived, not the model: a failed or
skipped bundle changes neither the version's verdict nor our tool's state."""

from __future__ import annotations

import pytest

from pipeline.contracts.results import (BROWSER_BUNDLE, FAILED, FORMAT_CHECK, PASSED, SKIPPED, OverallStatus,
                                        TestEntry, tool_state)

FORMAT = TestEntry(FORMAT_CHECK, PASSED)
MODEL = TestEntry("reproduce test outputs", PASSED, weights_format="onnx")


@pytest.mark.parametrize("bundle_status", [PASSED, FAILED, SKIPPED])
def test_the_bundle_entry_never_decides_the_verdict(bundle_status):
    tests = [FORMAT, MODEL, TestEntry(BROWSER_BUNDLE, bundle_status)]
    status = OverallStatus.of(tests, is_model=True)
    assert (status.runs, status.reproduces, status.overall) == (True, True, PASSED)
    assert tool_state(tests) == PASSED


def test_a_failing_model_stays_failed_whatever_its_bundle():
    tests = [FORMAT, TestEntry("reproduce test outputs", FAILED), TestEntry(BROWSER_BUNDLE, PASSED)]
    assert OverallStatus.of(tests, is_model=True).overall == FAILED
    assert tool_state(tests) == FAILED
