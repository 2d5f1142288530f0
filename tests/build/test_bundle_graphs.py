"""The bundle's processing graphs compute what the runner's numpy processing computes: every op,
per-axis parameters, statistics over axis subsets, reference tensors, percentiles at exact and
fractional positions, integer inputs; and ops without an ONNX form are refused by name."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.build.bundle_graphs import (NET, RAW, Unsupported, postprocessing_graph, preprocessing_graph,
                                          referenced_inputs)
from pipeline.runner.execute import ModelRunner

ort = pytest.importorskip("onnxruntime")


def _axes(ids: str, sizes: dict[str, int] | None = None) -> list[dict]:
    kinds = {"b": {"type": "batch"}, "c": {"type": "channel", "channel_names": ["a", "b", "c"]},
             "z": {"type": "space", "id": "z"}, "y": {"type": "space", "id": "y"}, "x": {"type": "space", "id": "x"}}
    return [dict(kinds[a]) for a in ids]


def _descr(pre: list[dict], post: list[dict], *, dtype: str = "float32", ids: str = "bcyx",
           second: dict | None = None) -> dict:
    inputs = [{"id": "raw", "axes": _axes(ids), "data": {"type": dtype}, "preprocessing": pre}]
    if second:
        inputs.append(second)
    return {"inputs": inputs, "outputs": [{"id": "out", "axes": _axes(ids), "data": {"type": "float32"},
                                           "postprocessing": post}]}


def _sample(shape, dtype="float32", seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype.startswith("uint"):
        return rng.integers(0, 4000, size=shape).astype(dtype)
    return (rng.normal(100, 30, size=shape)).astype(dtype)


def _run_pre(descr: dict, sample: dict[str, np.ndarray]) -> list[np.ndarray]:
    session = ort.InferenceSession(preprocessing_graph(descr))
    return session.run(None, {RAW + k: v.astype(np.float32) for k, v in sample.items()})


def _close(got: np.ndarray, want: np.ndarray) -> None:
    assert got.shape == want.shape and got.dtype == want.dtype
    if want.dtype == bool:
        assert (got == want).mean() > 0.999  # a value exactly at a threshold may round either way
    else:
        np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), rtol=2e-5, atol=2e-5)


PRE_CASES = {
    "scale_linear scalar": [{"id": "scale_linear", "kwargs": {"gain": 0.5, "offset": -3.0}}],
    "scale_linear per channel": [{"id": "scale_linear", "kwargs": {"axis": "channel", "gain": [1, 2, 3],
                                                                   "offset": [0, 1, -1]}}],
    "fixed zmuv per channel": [{"id": "fixed_zero_mean_unit_variance",
                                "kwargs": {"axis": "channel", "mean": [90, 100, 110], "std": [10, 20, 30]}}],
    "zmuv over space": [{"id": "zero_mean_unit_variance", "kwargs": {"axes": ["y", "x"]}}],
    "zmuv over everything": [{"id": "zero_mean_unit_variance", "kwargs": {"axes": None}}],
    "scale_range per channel": [{"id": "scale_range", "kwargs": {"axes": ["y", "x"], "min_percentile": 1,
                                                                 "max_percentile": 99.8}}],
    "scale_range whole": [{"id": "scale_range", "kwargs": {"axes": ["channel", "y", "x"], "min_percentile": 0,
                                                           "max_percentile": 100}}],
    "scale_range, clip, sigmoid": [{"id": "scale_range", "kwargs": {"axes": ["channel", "y", "x"],
                                                                    "min_percentile": 5, "max_percentile": 95}},
                                   {"id": "clip", "kwargs": {"min": 0.0, "max": 1.0}}, {"id": "sigmoid"}],
    "clip percentiles": [{"id": "clip", "kwargs": {"axes": ["y", "x"], "min_percentile": 0.1,
                                                   "max_percentile": 99.9}}],
    "clip one bound": [{"id": "clip", "kwargs": {"min": 95.0}}],
    "binarize per channel": [{"id": "binarize", "kwargs": {"axis": "channel", "threshold": [90, 100, 110]}}],
    "softmax": [{"id": "scale_linear", "kwargs": {"gain": 0.05}}, {"id": "softmax", "kwargs": {"axis": "channel"}}],
    "ensure_dtype uint8": [{"id": "clip", "kwargs": {"min": 0.0, "max": 255.0}},
                           {"id": "ensure_dtype", "kwargs": {"dtype": "uint8"}}],
    "0.4 fixed zmuv": [{"name": "zero_mean_unit_variance", "kwargs": {"mode": "fixed", "mean": 100.0, "std": 30.0}}],
}


@pytest.mark.parametrize("name", list(PRE_CASES))
def test_preprocessing_graph_matches_the_runner(name):
    descr = _descr(PRE_CASES[name], [])
    sample = {"raw": _sample((1, 3, 23, 17))}
    (got,) = _run_pre(descr, sample)
    _close(got, ModelRunner(descr, None).preprocess(sample)["raw"])


@pytest.mark.parametrize("shape", [(1, 3, 1, 1), (1, 3, 2, 2), (1, 3, 10, 10), (2, 3, 7, 5)])
@pytest.mark.parametrize("pct", [(0, 100), (1, 99), (25, 75), (50, 50.0001), (12.5, 87.5)])
def test_percentiles_at_exact_and_fractional_positions(shape, pct):
    ops = [{"id": "scale_range", "kwargs": {"axes": ["channel", "y", "x"], "min_percentile": pct[0],
                                            "max_percentile": pct[1]}},
           {"id": "clip", "kwargs": {"axes": ["y", "x"], "min_percentile": pct[0], "max_percentile": pct[1]}}]
    descr = _descr(ops, [])
    sample = {"raw": _sample(shape, seed=3)}
    (got,) = _run_pre(descr, sample)
    _close(got, ModelRunner(descr, None).preprocess(sample)["raw"])


def test_integer_inputs_are_cast_to_their_declared_type_first():
    ops = [{"id": "ensure_dtype", "kwargs": {"dtype": "float32"}},
           {"id": "scale_range", "kwargs": {"axes": ["channel", "y", "x"], "min_percentile": 1, "max_percentile": 99}}]
    descr = _descr(ops, [], dtype="uint16")
    sample = {"raw": _sample((1, 1, 40, 30), "uint16")}
    (got,) = _run_pre(descr, sample)
    _close(got, ModelRunner(descr, None).preprocess(sample)["raw"])


def test_a_3d_channel_last_tensor():
    ops = [{"id": "zero_mean_unit_variance", "kwargs": {"axes": ["z", "y", "x", "channel"]}}]
    descr = _descr(ops, [], ids="bzyxc")
    descr["inputs"][0]["axes"][-1]["channel_names"] = ["m"]
    sample = {"raw": _sample((1, 4, 9, 8, 1))}
    (got,) = _run_pre(descr, sample)
    _close(got, ModelRunner(descr, None).preprocess(sample)["raw"])


def test_reference_tensors_in_pre_and_postprocessing():
    prior = {"id": "prior", "axes": _axes("bcyx"), "data": {"type": "float32"},
             "preprocessing": [{"id": "scale_range", "kwargs": {"reference_tensor": "raw", "axes": ["channel", "y", "x"],
                                                               "min_percentile": 5, "max_percentile": 95}}]}
    post = [{"id": "scale_mean_variance", "kwargs": {"reference_tensor": "raw", "axes": ["y", "x"]}},
            {"id": "clip", "kwargs": {"axes": ["y", "x"], "min_percentile": 0.1, "max_percentile": 99.9}}]
    descr = _descr([], post, second=prior)
    descr["inputs"][1]["axes"][1]["channel_names"] = ["p"]
    sample = {"raw": _sample((1, 3, 20, 20)), "prior": _sample((1, 1, 20, 20), seed=1)}
    runner = ModelRunner(descr, None)
    pre = dict(zip(["raw", "prior"], _run_pre(descr, sample)))
    _close(pre["prior"], runner.preprocess(sample)["prior"])
    assert referenced_inputs(descr) == ["raw"]
    raw_out = {"out": _sample((1, 3, 20, 20), seed=2) / 7}
    session = ort.InferenceSession(postprocessing_graph(descr))
    (got,) = session.run(None, {NET + "out": raw_out["out"], RAW + "raw": sample["raw"]})
    _close(got, runner.postprocess(raw_out, sample)["out"])


def test_binarize_output_is_boolean_like_the_runner():
    descr = _descr([], [{"id": "binarize", "kwargs": {"threshold": 0.5}}])
    raw_out = {"out": np.linspace(0, 1, 3 * 64, dtype=np.float32).reshape(1, 3, 8, 8)}
    (got,) = ort.InferenceSession(postprocessing_graph(descr)).run(None, {NET + "out": raw_out["out"]})
    _close(got, ModelRunner(descr, None).postprocess(raw_out, {})["out"])


@pytest.mark.parametrize("op", ["stardist_postprocessing", "custom", "cellpose_flow_dynamics"])
def test_ops_without_an_onnx_form_are_named(op):
    with pytest.raises(Unsupported, match=f"outputs\\[0\\].postprocessing: processing op '{op}'"):
        postprocessing_graph(_descr([], [{"id": op, "kwargs": {}}]))
