"""Concrete sizes from parameterized and referenced axes (FORMAT.md §4)."""

from __future__ import annotations

from pipeline.runner.axes import expected_output_shape, input_sizes, reference_size

INPUTS = [
    {"id": "raw", "axes": [{"type": "batch"}, {"type": "channel", "channel_names": ["a", "b"]},
                           {"type": "space", "id": "y", "size": {"min": 16, "step": 8}},
                           {"type": "space", "id": "x", "size": 40, "scale": 0.5}]},
    {"id": "mask", "axes": [{"type": "batch"},
                            {"type": "space", "id": "y", "size": {"tensor_id": "raw", "axis_id": "y"}},
                            {"type": "space", "id": "x", "size": {"tensor_id": "raw", "axis_id": "x", "offset": -2},
                             "scale": 1.0}]},
]


def test_input_sizes_follow_min_step_and_references():
    sizes = input_sizes(INPUTS, n=2, batch=3)
    assert sizes == {"raw": {"batch": 3, "channel": 2, "y": 32, "x": 40}, "mask": {"batch": 3, "y": 32, "x": 18}}


def test_reference_size_floors():
    assert reference_size(33, 1.0, 2.0, 0) == 16
    assert reference_size(10, 1.0, 1.0, -8) == 2


def test_expected_output_shape():
    out = {"id": "o", "axes": [{"type": "batch"}, {"type": "channel", "channel_names": ["p"]},
                               {"type": "space", "id": "y", "size": {"tensor_id": "raw", "axis_id": "y", "offset": -8}},
                               {"type": "space", "id": "x", "size": {"min": 1, "max": 9}}]}
    assert expected_output_shape(out, INPUTS, {"raw": (2, 2, 48, 40)}, 2) == [2, 1, 40, None]
