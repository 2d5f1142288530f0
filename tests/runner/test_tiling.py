"""Blockwise prediction equals whole-image prediction for every shape of model the examples cover."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from pipeline.runner.adapters import load_adapter
from pipeline.runner.execute import ModelRunner
from pipeline.runner.padding import cut
from pipeline.runner.tiling import block_arg, plan_for, predict_tiled
from pipeline.spec import load_rdf, normalized_model

from testkit.paths import MODELS


def runner_for(name: str, fmt: str, rdf: str = "rdf.yaml", edit=None) -> ModelRunner:
    folder = MODELS / name
    descr = normalized_model(load_rdf(str(folder / rdf)).data)
    if edit:
        edit(descr)
    files = {p.name: p for p in folder.iterdir()}
    net = load_adapter(fmt, descr["weights"][fmt], files, [t["id"] for t in descr["outputs"]],
                       [t["id"] for t in descr["inputs"]])
    return ModelRunner(descr, net)


def blocks_of(runner: ModelRunner, sample: dict, block=None, budget=64 * 1024**2):
    pre = runner.preprocess(sample)
    return plan_for(runner, {k: v.shape for k, v in pre.items()}, block, budget)


def test_nuclei_blocks_of_the_minimal_size_equal_one_whole_block():
    runner = runner_for("nuclei-boundary-2d", "onnx")
    image = (np.random.default_rng(1).random((1, 1, 256, 256)) * 4000).astype(np.uint16)
    plan = blocks_of(runner, {"raw": image}, {"*": 32})
    assert [(lay.block, lay.stride, lay.count) for lay in plan.layouts] == [(32, 16, 16), (32, 16, 16)]
    assert blocks_of(runner, {"raw": image}).blocks == 1
    tiled = predict_tiled(runner, {"raw": image}, {"*": 32})["boundaries"]
    whole = predict_tiled(runner, {"raw": image})["boundaries"]
    plain = runner.run({"raw": image})["boundaries"]  # a valid net needs no padding at all
    assert tiled.shape == whole.shape == plain.shape == (1, 2, 248, 248)
    np.testing.assert_allclose(tiled, whole, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tiled, plain, rtol=1e-5, atol=1e-6)


@pytest.mark.slow  # loads TensorFlow
def test_membrane_3d_blocks_equal_whole_including_the_padded_border():
    runner = runner_for("membrane-distance-3d", "keras_hdf5")
    stack = np.random.default_rng(2).normal(size=(1, 32, 128, 128, 1)).astype(np.float32)
    tiled = predict_tiled(runner, {"raw": stack}, {"*": 16})["distance"]
    whole = predict_tiled(runner, {"raw": stack})["distance"]
    assert blocks_of(runner, {"raw": stack}, {"*": 16}).blocks == 3 * 10 * 10
    np.testing.assert_allclose(tiled, whole, rtol=1e-5, atol=1e-5)
    # the plain network saw zero padding at the border, blocks see the symmetric padding: inside, equal
    plain = runner.run({"raw": stack})["distance"]
    np.testing.assert_allclose(tiled[:, 1:-1, 1:-1, 1:-1], plain[:, 1:-1, 1:-1, 1:-1], rtol=1e-5, atol=1e-5)


def fusion_sample(size: int = 128) -> dict:
    rng = np.random.default_rng(3)
    return {"raw": rng.normal(100, 30, (1, 2, size, size)).astype(np.float32),
            "prior": rng.normal(120, 20, (1, 1, size, size)).astype(np.float32)}


def test_two_inputs_linked_by_references_are_tiled_together():
    runner = runner_for("two-channel-fusion-2d", "torchscript")
    sample = fusion_sample()
    tiled = predict_tiled(runner, sample, {"*": 16})
    whole = predict_tiled(runner, sample)
    for key in ("probabilities", "restored"):
        np.testing.assert_allclose(tiled[key], whole[key], rtol=1e-4, atol=1e-4)
    assert (tiled["mask"] == whole["mask"]).mean() > 0.999


def independent_prior(descr: dict) -> None:
    """The prior declares sizes of its own, like the format's two-input example (no reference)."""
    for a in descr["inputs"][1]["axes"]:
        if a["type"] == "space":
            a["size"] = {"min": 16, "step": 8}


def test_two_independent_inputs_of_the_same_size_are_tiled_together():
    runner = runner_for("two-channel-fusion-2d", "onnx", edit=independent_prior)
    sample = fusion_sample()
    plan = blocks_of(runner, sample, {"*": 24})
    assert [sorted(m.size.tensor for m in c.members) for c in plan.components] == [["prior", "raw"]] * 2
    tiled = predict_tiled(runner, sample, {"*": 24})
    linked = predict_tiled(runner_for("two-channel-fusion-2d", "onnx"), sample, {"*": 24})
    np.testing.assert_allclose(tiled["probabilities"], linked["probabilities"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, shape, factor", [("upsample-2d", (1, 1, 96, 80), 2),
                                                 ("downsample-2d", (1, 1, 160, 144), 0.5)])
def test_scaled_outputs_are_stitched_in_output_coordinates(name, shape, factor):
    runner = runner_for(name, "onnx")
    image = (np.random.default_rng(6).random(shape) * 1000).astype(np.float32)
    if name == "downsample-2d":
        image = image.astype(np.uint16)
    tiled_plan = blocks_of(runner, {"raw": image}, {"*": 32})
    assert tiled_plan.blocks > 4
    tiled = predict_tiled(runner, {"raw": image}, {"*": 32})
    whole = predict_tiled(runner, {"raw": image})
    (out,) = tiled.values()
    assert out.shape == (1, 1, int(shape[2] * factor), int(shape[3] * factor)) == next(iter(whole.values())).shape
    np.testing.assert_allclose(out, next(iter(whole.values())), rtol=1e-5, atol=1e-5)


def test_odd_sizes_and_sizes_below_the_minimum_are_padded_and_cropped_back():
    nuclei = runner_for("nuclei-boundary-2d", "onnx")
    image = (np.random.default_rng(4).random((1, 1, 77, 91)) * 1000).astype(np.uint16)
    assert predict_tiled(nuclei, {"raw": image}, {"*": 48})["boundaries"].shape == (1, 2, 69, 83)
    small = (np.random.default_rng(4).random((1, 1, 13, 10)) * 1000).astype(np.uint16)
    assert predict_tiled(nuclei, {"raw": small})["boundaries"].shape == (1, 2, 5, 2)
    down = runner_for("downsample-2d", "torchscript")
    assert predict_tiled(down, {"raw": image})["probability"].shape == (1, 1, 38, 45)  # floor(77 / 2), floor(91 / 2)


def reflect_padded_net(runner: ModelRunner, image: np.ndarray, pad: int) -> np.ndarray:
    """The fixed-shape U-Net run whole on a reflect-padded image (its TorchScript takes any even size)."""
    x = runner.preprocess({"raw": image})["raw"]
    h, w = x.shape[2:]
    padded = np.pad(x, [(0, 0), (0, 0), (pad, pad + (h % 2)), (pad, pad + (w % 2))], mode="reflect")
    return runner.predict([padded])[0][..., pad:pad + h, pad:pad + w]


@pytest.mark.slow
@pytest.mark.parametrize("size", [(200, 136), (1024, 1024), (40, 50)])
def test_fixed_shape_model_is_tiled_into_its_size_or_padded_up_to_it(size):
    runner = runner_for("fixed-shape-2d", "torchscript")
    image = np.random.default_rng(7).normal(100, 20, (1, 1, *size)).astype(np.float32)
    plan = blocks_of(runner, {"raw": image})
    assert all(lay.block == 64 for lay in plan.layouts)
    out = predict_tiled(runner, {"raw": image})["restored"]
    assert out.shape == (1, 1, *size)
    if min(size) > 64:
        assert plan.blocks > 1
        np.testing.assert_allclose(out, reflect_padded_net(runner, image, 8), rtol=1e-4, atol=1e-4)


def test_fixed_shape_onnx_refuses_other_sizes_but_predicts_any_through_blocks():
    runner = runner_for("fixed-shape-2d", "onnx")
    image = np.random.default_rng(8).normal(100, 20, (1, 1, 300, 400)).astype(np.float32)
    with pytest.raises(Exception, match="Expected: 64"):
        runner.run({"raw": image})
    out = predict_tiled(runner, {"raw": image})["restored"]
    script = predict_tiled(runner_for("fixed-shape-2d", "torchscript"), {"raw": image})["restored"]
    np.testing.assert_allclose(out, script, rtol=1e-4, atol=1e-4)


def explicit_output_shape(descr: dict) -> None:
    """The output written as a fixed size equal to the input's (0.4 models wrote `shape: [1, 1, 64, 64]`
    for both), which the upgrade keeps as plain sizes without the halo."""
    for a in descr["outputs"][0]["axes"][2:]:
        a["size"], a["halo"] = 64, 0


@pytest.mark.parametrize("rdf, edit", [("v0_4.bioimageio.yaml", None), ("rdf.yaml", explicit_output_shape)])
def test_fixed_shape_0_4_forms_tile_too(rdf, edit):
    runner = runner_for("fixed-shape-2d", "onnx", rdf=rdf, edit=edit)
    image = np.random.default_rng(9).normal(100, 20, (1, 1, 150, 130)).astype(np.float32)
    plan = blocks_of(runner, {"raw": image})
    assert plan.blocks > 1 and all(c.tileable for c in plan.components)
    out = predict_tiled(runner, {"raw": image})["restored"]
    assert out.shape == (1, 1, 150, 130)


def test_memory_budget_picks_the_block_size():
    runner = runner_for("nuclei-boundary-2d", "onnx")
    image = np.zeros((1, 1, 1000, 1000), np.uint16)
    big = blocks_of(runner, {"raw": image}, budget=64 * 1024**2)
    small = blocks_of(runner, {"raw": image}, budget=1024**2)
    assert big.blocks == 1 and small.blocks > 1
    # one block of inputs and outputs (float32): 1 + 2 channels at the chosen block size
    b = [lay.block for lay in small.layouts]
    assert 4 * (b[0] * b[1] + 2 * (b[0] - 8) * (b[1] - 8)) <= 1024**2


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
@pytest.mark.parametrize("start, length", [(-3, 10), (-12, 30), (5, 20), (-1, 3)])
def test_blocks_cut_from_a_virtual_pad_equal_numpy_pad(mode, start, length):
    x = np.arange(7 * 5, dtype=np.float32).reshape(7, 5)
    pad = 40
    kwargs = {"constant_values": -1} if mode == "constant" else {}
    full = np.pad(x, [(pad, pad), (pad, pad)], mode=mode, **kwargs)
    got = cut(x, {0: (start, length), 1: (start + 1, length)}, {"mode": mode, "value": -1})
    want = full[pad + start:pad + start + length, pad + start + 1:pad + start + 1 + length]
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("text, expected", [("64", {"*": 64}), ("y=32,x=64", {"y": 32, "x": 64}), (None, None)])
def test_block_argument(text, expected):
    assert block_arg(text) == expected


def test_bad_block_argument():
    with pytest.raises(ValueError, match="'y=big' is not AXIS=N"):
        block_arg("y=big")


def test_a_copy_of_the_description_is_not_changed_by_planning():
    runner = runner_for("two-channel-fusion-2d", "onnx")
    before = copy.deepcopy(runner.descr)
    blocks_of(runner, fusion_sample(64))
    assert runner.descr == before
