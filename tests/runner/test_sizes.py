"""Declared axis sizes that contradict each other, or data that contradicts them, fail naming the field."""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest

from pipeline.runner.blocking import plan
from pipeline.runner.sizes import SizeError, model_sizes
from pipeline.runner.tiling import check_fixed_axes
from pipeline.spec import load_rdf, normalized_model

from testkit.paths import MODELS


def descr(name: str = "nuclei-boundary-2d") -> dict:
    return normalized_model(load_rdf(str(MODELS / name)).data)


def out_axis(d: dict, k: int = 2) -> dict:
    return d["outputs"][0]["axes"][k]


@pytest.mark.parametrize("edit, loc, message", [
    (lambda d: out_axis(d)["size"].update(tensor_id="nope"), "outputs[0].axes[2].size.tensor_id",
     "references 'nope', which is no tensor of the model"),
    (lambda d: out_axis(d)["size"].update(axis_id="z"), "outputs[0].axes[2].size.axis_id", "input 'raw' has no axis 'z'"),
    (lambda d: out_axis(d)["size"].update(axis_id="batch"), "outputs[0].axes[2].size.axis_id",
     "references the batch axis of 'raw'"),
    (lambda d: out_axis(d)["size"].update(tensor_id="boundaries"), "outputs[0].axes[2].size.tensor_id",
     "which is an output"),
    (lambda d: out_axis(d).update(halo=12), "outputs[0].axes[2].halo",
     "halo 12 leaves nothing of the smallest output (24 pixels)"),
    (lambda d: out_axis(d)["size"].update(offset=-40), "outputs[0].axes[2].size",
     "the smallest input makes this axis -8 pixels long"),
    (lambda d: d["inputs"][0]["axes"][2].update(size={"min": 0, "step": 16}), "inputs[0].axes[2].size.min",
     "expected an integer >= 1, got 0"),
    (lambda d: d["inputs"][0]["axes"][2].update(size={"min": 32, "step": -16}), "inputs[0].axes[2].size.step",
     "expected an integer >= 0, got -16"),
    (lambda d: out_axis(d).update(scale=0), "outputs[0].axes[2].scale", "scale must be positive"),
    (lambda d: d["outputs"][0].update(id="raw"), "outputs[0].id", "tensor id 'raw' is used twice"),
])
def test_contradicting_sizes_name_the_field(edit, loc, message):
    d = descr()
    edit(d)
    with pytest.raises(SizeError, match=re.escape(message)) as info:
        model_sizes(d)
    assert info.value.loc == loc


def test_a_second_input_that_breaks_its_size_reference_is_refused():
    d = descr("two-channel-fusion-2d")
    ms = model_sizes(d)
    with pytest.raises(SizeError, match=r"input 'prior' axis 'y' is 40 long; its size reference makes it 48") as info:
        plan(ms, {"raw": (1, 2, 48, 48), "prior": (1, 1, 40, 48)})
    assert info.value.loc == "inputs[1].axes[2].size"


def test_wrong_channel_count_names_the_channel_axis():
    ms = model_sizes(descr())
    with pytest.raises(SizeError, match="input 'raw' has 3 channels, the model expects 1") as info:
        check_fixed_axes(ms, {"raw": (1, 3, 64, 64)})
    assert info.value.loc == "inputs[0].axes[1].channel_names"


def test_model_without_tileable_axes_is_predicted_whole_and_refuses_too_large_images():
    d = descr("fixed-shape-2d")
    for a in d["outputs"][0]["axes"][2:]:  # outputs of a fixed size of their own: no axis follows the input
        a["size"], a["halo"] = 32, 0
    ms = model_sizes(d)
    small = plan(ms, {"raw": (1, 1, 50, 40)})
    assert small.blocks == 1 and not any(c.tileable for c in small.components)
    assert "predicted whole" in small.notes[0]
    with pytest.raises(SizeError, match="the image is 100 pixels along 'y', the model takes exactly 64"):
        plan(ms, {"raw": (1, 1, 100, 40)})


def test_the_description_is_read_not_changed():
    d = descr("two-channel-fusion-2d")
    before = copy.deepcopy(d)
    plan(model_sizes(d), {"raw": (1, 2, 64, 64), "prior": (1, 1, 64, 64)}, {"*": 16})
    assert d == before and np.isfinite(1)
