"""Every processing op against hand-computed numpy results, including the corner cases."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.runner.axes import NotRunnable
from pipeline.runner.processing import Context, apply_op, run_ops, with_implicit_steps

IDS = ["batch", "channel", "y", "x"]


def ctx(refs=None) -> Context:
    return Context(IDS, refs or {}, "inputs[0].preprocessing")


def op(name: str, **kwargs) -> dict:
    return {"id": name, "kwargs": kwargs}


@pytest.fixture
def x() -> np.ndarray:
    return np.arange(2 * 3 * 4, dtype=np.float32).reshape(1, 2, 3, 4)


def test_binarize_scalar_and_per_channel(x):
    assert apply_op(op("binarize", threshold=11.5), x, ctx()).sum() == 12
    out = apply_op(op("binarize", threshold=[5.5, 20.5], axis="channel"), x, ctx())
    assert out.dtype == bool
    assert out[0, 0].sum() == 6 and out[0, 1].sum() == 3  # 6..11 above 5.5; 21..23 above 20.5


def test_clip_fixed_and_inverted_cdf_percentiles():
    v = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], np.float32).reshape(1, 1, 1, 10)
    assert apply_op(op("clip", min=2.5, max=7), v, ctx()).tolist() == [[[[2.5, 2.5, 3, 4, 5, 6, 7, 7, 7, 7]]]]
    # inverted CDF: the 25th percentile of 1..10 is 3 (not the interpolated 3.25)
    out = apply_op(op("clip", min_percentile=25, max_percentile=75), v, ctx())
    assert out.min() == 3 and out.max() == 8


def test_ensure_dtype_is_a_plain_cast():
    v = np.array([1.7, -0.2, 300.9], np.float32).reshape(1, 1, 1, 3)
    assert apply_op(op("ensure_dtype", dtype="uint8"), v, ctx()).dtype == np.uint8
    assert apply_op(op("ensure_dtype", dtype="int32"), v, ctx()).ravel().tolist() == [1, 0, 300]


def test_scale_linear_scalar_and_per_channel_gains(x):
    assert np.array_equal(apply_op(op("scale_linear", gain=2.0, offset=1.0), x, ctx()), x * 2 + 1)
    out = apply_op(op("scale_linear", axis="channel", gain=[1.0, -1.0], offset=[0.0, 100.0]), x, ctx())
    assert np.array_equal(out[0, 0], x[0, 0]) and np.array_equal(out[0, 1], 100 - x[0, 1])


def test_scale_linear_rejects_gains_of_the_wrong_length(x):
    with pytest.raises(ValueError, match=r"inputs\[0\].preprocessing\[0\] \(scale_linear\): 3 values"):
        run_ops([op("scale_linear", axis="channel", gain=[1, 2, 3], offset=[0, 0, 0])], x, ctx())


def test_sigmoid_and_softmax(x):
    v = np.array([-2.0, 0.0, 3.0], np.float32).reshape(1, 1, 1, 3)
    assert np.allclose(apply_op(op("sigmoid"), v, ctx()), 1 / (1 + np.exp(-v)))
    sm = apply_op(op("softmax", axis="channel"), x, ctx())
    assert np.allclose(sm.sum(axis=1), 1.0)
    assert np.allclose(sm[0, 1, 0, 0], np.exp(12) / (np.exp(0) + np.exp(12)), rtol=1e-6)


def test_fixed_zero_mean_unit_variance_scalar_and_per_channel(x):
    assert np.allclose(apply_op(op("fixed_zero_mean_unit_variance", mean=3.0, std=2.0), x, ctx()),
                       (x - 3) / (2 + 1e-6))
    out = apply_op(op("fixed_zero_mean_unit_variance", axis="channel", mean=[1.0, 10.0], std=[1.0, 4.0]), x, ctx())
    assert np.allclose(out[0, 1], (x[0, 1] - 10) / (4 + 1e-6))


def test_zero_mean_unit_variance_per_sample_uses_population_std(x):
    out = apply_op(op("zero_mean_unit_variance", axes=["y", "x"]), x, ctx())
    c0 = x[0, 0]
    assert np.allclose(out[0, 0], (c0 - c0.mean()) / (c0.std(ddof=0) + 1e-6))
    assert np.allclose(out.mean(axis=(2, 3)), 0, atol=1e-6)


def test_zero_mean_unit_variance_ignores_custom_eps_like_the_reference():
    const = np.full((1, 1, 2, 2), 5.0, np.float32)  # constant: std 0, so eps decides the scale
    out = apply_op(op("zero_mean_unit_variance", axes=["y", "x"], eps=0.1), const + np.array([[[[0, 0], [0, 1e-3]]]],
                                                                                             np.float32), ctx())
    assert abs(out.max()) > 1.0  # with eps 0.1 this would be ~0.007


def test_constant_tensors_do_not_produce_nan():
    const = np.full((1, 1, 3, 3), 7.0, np.float32)
    assert np.all(apply_op(op("zero_mean_unit_variance", axes=["channel", "y", "x"]), const, ctx()) == 0)
    assert np.all(apply_op(op("scale_range", axes=["y", "x"], min_percentile=1, max_percentile=99), const, ctx()) == 0)


def test_scale_range_uses_linear_quantiles(x):
    out = apply_op(op("scale_range", axes=["channel", "y", "x"], min_percentile=10, max_percentile=90), x, ctx())
    lo, hi = np.quantile(np.arange(24), 0.1), np.quantile(np.arange(24), 0.9)  # 2.3 and 20.7
    assert np.isclose(lo, 2.3) and np.allclose(out, (x - lo) / (hi - lo + 1e-6), atol=1e-6)


def test_scale_range_and_scale_mean_variance_with_reference_tensor(x):
    ref = (np.arange(24, dtype=np.float32) * 10).reshape(1, 2, 3, 4)
    refs = {"raw": (ref, IDS)}
    out = apply_op(op("scale_range", reference_tensor="raw", axes=["channel", "y", "x"], max_percentile=100), x,
                   ctx(refs))
    assert np.allclose(out, x / (230 + 1e-6))
    smv = apply_op(op("scale_mean_variance", reference_tensor="raw", axes=["y", "x"]), x, ctx(refs))
    assert np.allclose(smv.mean(axis=(2, 3)), ref.mean(axis=(2, 3)), rtol=1e-5)
    assert np.allclose(smv.std(axis=(2, 3)), ref.std(axis=(2, 3)), rtol=1e-4)


def test_unknown_reference_tensor_is_a_clear_error(x):
    with pytest.raises(ValueError, match="reference_tensor 'nope' is not an input"):
        run_ops([op("scale_range", reference_tensor="nope", axes=["y", "x"])], x, ctx())


def test_axes_none_is_a_dataset_statistic_over_the_batch():
    v = np.stack([np.zeros((1, 2, 2)), np.full((1, 2, 2), 2.0)]).astype(np.float32)  # batch of 2
    per_sample = apply_op(op("zero_mean_unit_variance", axes=["channel", "y", "x"]), v, ctx())
    dataset = apply_op(op("zero_mean_unit_variance", axes=None), v, ctx())
    assert np.all(per_sample == 0)
    assert np.allclose(dataset[0], -1, atol=1e-5) and np.allclose(dataset[1], 1, atol=1e-5)


def test_implicit_dtype_steps():
    ops = with_implicit_steps([op("scale_linear", gain=2.0)], "uint16", "float32")
    assert [o["id"] for o in ops] == ["ensure_dtype", "scale_linear", "ensure_dtype"]
    assert ops[0]["kwargs"]["dtype"] == "uint16"
    assert with_implicit_steps([op("binarize", threshold=0.5)], None, "float32")[-1]["id"] == "binarize"
    assert len(with_implicit_steps([op("ensure_dtype", dtype="uint8")], "float32", "float32")) == 1


def test_legacy_fixed_mode_maps_to_fixed_op(x):
    legacy = {"name": "zero_mean_unit_variance", "kwargs": {"mode": "fixed", "mean": 1.0, "std": 2.0, "axes": "yx"}}
    assert np.allclose(apply_op(legacy, x, ctx()), (x - 1) / (2 + 1e-6))


def test_plugin_ops_are_not_runnable(x):
    with pytest.raises(NotRunnable, match="'stardist_postprocessing' is not supported"):
        apply_op(op("stardist_postprocessing", prob_threshold=0.5), x, ctx())
