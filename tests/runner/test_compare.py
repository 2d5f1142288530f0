"""Tolerances per FORMAT.md §7 and readable mismatch messages."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.runner.compare import Tolerance, mismatch, tolerance_for


def descr(version: str, **zoo) -> dict:
    return {"format_version": version, "config": {"bioimageio": zoo}}


@pytest.mark.parametrize("version, expected", [("0.5.4", Tolerance(1e-3, 1e-3, 100)),
                                               ("0.4.10", Tolerance(1e-3, 1e-3, 0))])
def test_defaults_per_format_version(version, expected):
    assert tolerance_for(descr(version), "onnx", "out") == expected


def test_first_matching_reproducibility_tolerance_wins():
    d = descr("0.5.4", reproducibility_tolerance=[
        {"relative_tolerance": 0.01, "output_ids": ["other"]},
        {"absolute_tolerance": 0.5, "weights_formats": ["onnx"], "mismatched_elements_per_million": 7},
        {"absolute_tolerance": 0.9},
    ])
    assert tolerance_for(d, "onnx", "out") == Tolerance(1e-3, 0.5, 7)
    assert tolerance_for(d, "torchscript", "out") == Tolerance(1e-3, 0.9, 100)
    assert tolerance_for(d, "torchscript", "other") == Tolerance(0.01, 1e-3, 100)


def test_legacy_test_kwargs():
    d = descr("0.4.10", test_kwargs={"onnx": {"relative_tolerance": 0.02, "absolute_tolerance": 0.03}})
    assert tolerance_for(d, "onnx", "out") == Tolerance(0.02, 0.03, 0)
    assert tolerance_for(d, "torchscript", "out") == Tolerance(1e-3, 1e-3, 0)


def test_within_tolerance_passes_and_mismatch_names_count_ppm_and_worst():
    e = np.zeros((1, 1, 100, 100), np.float32)
    a = e.copy()
    a[0, 0, 3, 7] = 0.5
    a[0, 0, 9, 9] = 0.01
    assert mismatch("out", a, e, Tolerance(1e-3, 1e-3, 200)) is None  # 2 of 10,000 = 200 ppm allowed
    msg = mismatch("out", a, e, Tolerance(1e-3, 1e-3, 100))
    assert msg == ("output 'out': 2 of 10000 elements (200 ppm, allowed 100) differ by more than atol 0.001 + "
                   "rtol 0.001*|expected|; worst at index (0, 0, 3, 7): got 0.5, expected 0")


def test_relative_tolerance_scales_with_expected():
    e = np.array([1000.0], np.float32)
    assert mismatch("o", np.array([1000.9], np.float32), e, Tolerance(1e-3, 0, 0)) is None
    assert mismatch("o", np.array([1001.5], np.float32), e, Tolerance(1e-3, 0, 0)) is not None


def test_nan_and_shape_mismatch_are_explained():
    e = np.ones((2, 2), np.float32)
    a = e.copy()
    a[1, 1] = np.nan
    assert mismatch("o", a, e, Tolerance(1, 1, 1e6)) == \
        "output 'o' contains 1 NaN values where the test tensor has numbers"
    assert "shape (2, 3) differs from the test tensor's (2, 2)" in mismatch("o", np.ones((2, 3)), e, Tolerance(0, 0, 0))


def test_bool_outputs_compare_as_numbers():
    e = np.array([True, False, True])
    assert mismatch("m", e.copy(), e, Tolerance(0, 0, 0)) is None
    assert "1 of 3 elements" in mismatch("m", np.array([True, True, True]), e, Tolerance(0, 0, 0))
