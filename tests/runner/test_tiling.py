"""Tiled prediction agrees with untiled prediction on inputs 8x the minimal block."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.runner.adapters import load_adapter
from pipeline.runner.execute import ModelRunner
from pipeline.runner.tiling import block_arg, plan_axes, predict_tiled

from runner_helpers import MODELS, read_rdf


def runner_for(name: str, fmt: str) -> ModelRunner:
    folder = MODELS / name
    descr = read_rdf(folder / "rdf.yaml")
    files = {p.name: p for p in folder.iterdir()}
    net = load_adapter(fmt, descr["weights"][fmt], files, [t["id"] for t in descr["outputs"]],
                       [t["id"] for t in descr["inputs"]])
    return ModelRunner(descr, net)


def test_nuclei_tiled_equals_untiled_at_8x_the_minimal_block():
    runner = runner_for("nuclei-boundary-2d", "onnx")
    rng = np.random.default_rng(1)
    image = (rng.random((1, 1, 256, 256)) * 4000).astype(np.uint16)  # minimal block is 32x32
    plan = plan_axes(runner, (1, 1, 256, 256), {"*": 32})
    assert [(p.block, p.context) for p in plan] == [(32, 8), (32, 8)]
    tiled = predict_tiled(runner, {"raw": image}, {"*": 32})["boundaries"]
    untiled = runner.run({"raw": image})["boundaries"]
    assert tiled.shape == untiled.shape == (1, 2, 248, 248)
    np.testing.assert_allclose(tiled, untiled, rtol=1e-5, atol=1e-6)


def test_membrane_3d_tiled_matches_single_block_and_untiled_inside_the_halo():
    runner = runner_for("membrane-distance-3d", "keras_hdf5")
    rng = np.random.default_rng(2)
    stack = rng.normal(size=(1, 32, 128, 128, 1)).astype(np.float32)  # 8x the minimal 4x16x16 block
    tiled = predict_tiled(runner, {"raw": stack}, {"*": 16})["distance"]
    single = predict_tiled(runner, {"raw": stack}, {"*": 1024})["distance"]
    untiled = runner.run({"raw": stack})["distance"]
    np.testing.assert_allclose(tiled, single, rtol=1e-5, atol=1e-5)
    # at the image border the untiled run saw zero padding, the tiled one reflection: compare the inside
    np.testing.assert_allclose(tiled[:, 1:-1, 1:-1, 1:-1], untiled[:, 1:-1, 1:-1, 1:-1], rtol=1e-5, atol=1e-5)


def test_two_input_model_tiles_both_inputs_together():
    runner = runner_for("two-channel-fusion-2d", "torchscript")
    rng = np.random.default_rng(3)
    sample = {"raw": rng.normal(100, 30, (1, 2, 128, 128)).astype(np.float32),
              "prior": rng.normal(120, 20, (1, 1, 128, 128)).astype(np.float32)}
    tiled = predict_tiled(runner, sample, {"*": 16})
    single = predict_tiled(runner, sample, {"*": 1024})
    untiled = runner.run(sample)
    for key in ("probabilities", "restored"):
        np.testing.assert_allclose(tiled[key], single[key], rtol=1e-4, atol=1e-4)
    assert (tiled["mask"] == single["mask"]).mean() > 0.999
    # restored is rescaled with whole-image statistics, which include the border; softmax is local
    np.testing.assert_allclose(tiled["probabilities"][..., 1:-1, 1:-1], untiled["probabilities"][..., 1:-1, 1:-1],
                               rtol=1e-5, atol=1e-6)


def test_odd_sized_input_is_padded_and_cropped_back():
    runner = runner_for("nuclei-boundary-2d", "onnx")
    image = (np.random.default_rng(4).random((1, 1, 77, 91)) * 1000).astype(np.uint16)
    out = predict_tiled(runner, {"raw": image}, {"*": 48})["boundaries"]
    assert out.shape == (1, 2, 69, 83)  # the description's size rule: input - 8


@pytest.mark.parametrize("text, expected", [("64", {"*": 64}), ("y=32,x=64", {"y": 32, "x": 64}), (None, None)])
def test_block_argument(text, expected):
    assert block_arg(text) == expected


def test_bad_block_argument():
    with pytest.raises(ValueError, match="'y=big' is not AXIS=N"):
        block_arg("y=big")
