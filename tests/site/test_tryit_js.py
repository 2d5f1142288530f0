"""The browser's "Try it" code follows `zoo predict` exactly: its block planner, its tiling and
stitching and its axis mapping, run under Node on hundreds of generated models and images,
give what pipeline/runner gives on the same cases; the .npy and .tif files it writes read back
in numpy and tifffile as the same array."""

from __future__ import annotations

import base64
import io
import json
import random
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import tifffile
from testkit.paths import REPO

from pipeline.build.bundles import size_json
from pipeline.runner.blocking import plan
from pipeline.runner.execute import ModelRunner
from pipeline.runner.images import ImageError, fit_to_model
from pipeline.runner.sizes import SizeError, model_sizes
from pipeline.runner.tiling import check_fixed_axes, run_blocks

NODE = shutil.which("node")
TRYIT = REPO / "templates" / "static" / "tryit"
DRIVER = Path(__file__).with_name("tryit_driver.mjs")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed (it comes with npm: `.ci/run` installs it)")


def _node(cases: dict) -> dict:
    done = subprocess.run([NODE, str(DRIVER), str(TRYIT)], input=json.dumps(cases).encode(), capture_output=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    return json.loads(done.stdout)


# --- generated models ----------------------------------------------------------------------------
def _space(rng: random.Random, aid: str) -> dict:
    if rng.random() < 0.25:
        return {"type": "space", "id": aid, "size": rng.choice([16, 24, 32, 64])}
    return {"type": "space", "id": aid, "size": {"min": rng.choice([4, 8, 16, 32]), "step": rng.choice([0, 1, 4, 8, 16])}}


def _model(rng: random.Random) -> dict:
    spatial = ["z", "y", "x"] if rng.random() < 0.2 else ["y", "x"]
    channels = rng.choice([1, 1, 2, 3])
    first = {"id": "raw", "axes": [{"type": "batch"}, {"type": "channel", "channel_names": [f"c{i}" for i in range(channels)]},
                                   *[_space(rng, a) for a in spatial]],
             "pad": {"mode": rng.choice(["symmetric", "reflect", "edge", "constant"]), "value": rng.choice([0, 3])}}
    inputs = [first]
    if rng.random() < 0.3:
        scale = rng.choice([1, 1, 2, 0.5])
        axes = [{"type": "batch"}, {"type": "channel", "channel_names": ["p"]}]
        for a in spatial:
            if rng.random() < 0.8:
                axes.append({"type": "space", "id": a, "scale": scale,
                             "size": {"tensor_id": "raw", "axis_id": a, "offset": rng.choice([0, 0, 2, -2])}})
            else:
                axes.append(_space(rng, a))
        inputs.append({"id": "prior", "axes": axes, "pad": {"mode": rng.choice(["symmetric", "constant"])}})
    outputs = []
    for k in range(rng.choice([1, 1, 2])):
        scale = rng.choice([1, 1, 1, 0.5, 2, 0.25])
        halo = rng.choice([0, 0, 1, 2, 4, 6])
        axes = [{"type": "batch"}, {"type": "channel", "channel_names": [f"o{i}" for i in range(rng.choice([1, 2]))]}]
        for a in spatial:
            kind = rng.random()
            if kind < 0.08:
                axes.append({"type": "space", "id": a, "size": {"min": 1, "max": 512}})  # data dependent
            elif kind < 0.14 and isinstance(first["axes"][2 + spatial.index(a)]["size"], int):
                axes.append({"type": "space", "id": a, "size": first["axes"][2 + spatial.index(a)]["size"]})
            else:
                axes.append({"type": "space", "id": a, "scale": scale, "halo": halo,
                             "size": {"tensor_id": "raw", "axis_id": a, "offset": rng.choice([0, 0, -4, -8, 2])}})
        outputs.append({"id": f"out{k}", "axes": axes})
    return {"inputs": inputs, "outputs": outputs}


def _shapes(rng: random.Random, descr: dict, ms) -> dict[str, tuple[int, ...]]:
    shapes = {}
    for t in descr["inputs"]:
        shape = []
        for s in ms.inputs[t["id"]]:
            if s.kind == "batch":
                shape.append(1)
            elif s.kind == "channel":
                shape.append(s.fixed if rng.random() < 0.95 else s.fixed + 1)
            elif s.kind == "ref" and rng.random() < 0.9:
                ref = ms.axis(*s.ref)
                shape.append(ms.derived(s, shapes["raw"][ref.index]))
            else:
                shape.append(rng.choice([1, 3, 7, 16, 33, 50, 64, 97, 130, 300]))
        shapes[t["id"]] = tuple(shape)
    return shapes


def _python_plan(ms, shapes, budget):
    try:
        check_fixed_axes(ms, shapes)
        p = plan(ms, shapes, None, budget)
    except SizeError as e:
        return {"error": str(e), "loc": e.loc}, None
    layouts = [{"block": lay.block, "stride": lay.stride, "first": lay.first, "count": lay.count,
                "inner": {f"{t},{k}": v for (t, k), v in lay.inner_start.items()}} for lay in p.layouts]
    return {"layouts": layouts, "notes": p.notes}, p


class FakeRunner(ModelRunner):
    """The fake network of the Node driver: each output value is its position in the block plus
    a position-weighted checksum of the block's inputs, in the shape the description promises."""

    def __init__(self, descr: dict, ms):
        super().__init__(descr, None)
        self.ms = ms

    def network(self, blocks: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        total = sum(float((b.astype(np.float64).ravel() * (np.arange(b.size) % 7 + 1)).sum()) for b in blocks.values())
        out = {}
        for t in self.outputs:
            shape = []
            for s in self.ms.outputs[t["id"]]:
                if s.kind == "batch":
                    shape.append(next(iter(blocks.values())).shape[0])
                elif s.kind in ("channel", "fixed"):
                    shape.append(s.fixed)
                else:
                    shape.append(self.ms.derived(s, blocks[s.ref[0]].shape[self.ms.axis(*s.ref).index]))
            n = int(np.prod(shape))
            out[t["id"]] = ((np.arange(n) % 97) + (total % 1000)).astype(np.float32).reshape(shape)
        return out


def _cases(count: int, seed: int, stitch_every: int):
    rng = random.Random(seed)
    cases, expected = [], []
    while len(cases) < count:
        descr = _model(rng)
        try:
            ms = model_sizes(descr)
        except SizeError:
            continue
        shapes = _shapes(rng, descr, ms)
        budget = rng.choice([2**10, 2**13, 2**16, 2**20, 64 * 1024**2])
        result, p = _python_plan(ms, shapes, budget)
        case = {"sizes": {kind: {tid: [size_json(s) for s in ss] for tid, ss in getattr(ms, kind).items()}
                          for kind in ("inputs", "outputs")},
                "shapes": {k: list(v) for k, v in shapes.items()}, "budget": budget}
        small = all(np.prod(s) <= 40_000 for s in shapes.values())
        if p is not None and small and len(cases) % stitch_every == 0 and p.blocks <= 400:
            arrays = {tid: np.random.default_rng(len(cases)).integers(0, 10, size=shape).astype(np.float32)
                      for tid, shape in shapes.items()}
            try:
                stitched = run_blocks(FakeRunner(descr, ms), arrays, p)
                result["outputs"] = {k: {"shape": list(v.shape), "data": v.ravel().tolist()} for k, v in stitched.items()}
                case["arrays"] = {k: {"shape": list(v.shape), "data": v.ravel().tolist()} for k, v in arrays.items()}
                case["inputs"] = [{"id": t["id"], "pad": t.get("pad")} for t in descr["inputs"]]
                case["outputs"] = [{"id": t["id"], "ids": [s.axis for s in ms.outputs[t["id"]]]}
                                   for t in descr["outputs"]]
            except Exception:
                pass  # a plan the fake network cannot follow (data-dependent sizes): plans only
        cases.append(case)
        expected.append(result)
    return cases, expected


def test_the_browser_plans_every_block_where_zoo_predict_plans_it():
    cases, expected = _cases(600, seed=15, stitch_every=4)
    results = _node({"plans": cases})["plans"]
    planned = stitched = errors = 0
    for case, want, got in zip(cases, expected, results):
        assert "crash" not in got, got["crash"]
        if "error" in want:
            assert "error" in got and got["loc"] == want["loc"], (case, want, got)
            errors += 1
            continue
        assert got.get("layouts") == want["layouts"] and got["notes"] == want["notes"], (case, want, got)
        planned += 1
        if "outputs" in want:
            assert got["outputs"] == want["outputs"], case
            stitched += 1
    # the generated cases cover all three outcomes, and tiling into many blocks
    assert planned > 300 and errors > 30 and stitched > 60
    assert sum(1 for w in expected if "layouts" in w and any(lay["count"] > 1 for lay in w["layouts"])) > 100


# --- the file's axes on the model's axes -----------------------------------------------------------
MODELS = {
    "bcyx": [{"type": "batch"}, {"type": "channel", "channel_names": ["a"]}, {"type": "space", "id": "y"},
             {"type": "space", "id": "x"}],
    "bcyx3": [{"type": "batch"}, {"type": "channel", "channel_names": ["r", "g", "b"]}, {"type": "space", "id": "y"},
              {"type": "space", "id": "x"}],
    "bzyxc": [{"type": "batch"}, {"type": "space", "id": "z"}, {"type": "space", "id": "y"}, {"type": "space", "id": "x"},
              {"type": "channel", "channel_names": ["m"]}],
    "yx": [{"type": "space", "id": "y"}, {"type": "space", "id": "x"}],
    "bcyx-noname": [{"type": "batch"}, {"type": "channel"}, {"type": "space", "id": "y"}, {"type": "space", "id": "x"}],
}
FITS = [(shape, file_axes, user, model) for model in MODELS
        for shape, file_axes in [((20, 30), "yx"), ((20, 30, 3), "yxs"), ((4, 20, 30), "zyx"), ((4, 20, 30), "iyx"),
                                 ((4, 20, 30), "qyx"), ((20, 30), None), ((1, 20, 30), None), ((3, 20, 30), "cyx"),
                                 ((1, 1, 20, 30), "tzyx"), ((2, 4, 20, 30), "zcyx"), ((20, 30, 4), "yxs")]
        for user in (None, "yx", "xy", "zyx", "cyx", "yxc", "yyx", "ayx")]


def _tensor_view(axes: list[dict]) -> dict:
    """A model input as the bundle manifest writes it (build/bundles.py)."""
    from pipeline.build.bundles import _tensor

    return _tensor({"id": "raw", "axes": axes}, "input")


def test_the_browser_reads_a_files_axes_as_zoo_predict_does():
    cases, expected = [], []
    for shape, file_axes, user, model in FITS:
        arr = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
        tensor = {"id": "raw", "axes": MODELS[model]}
        try:
            want = fit_to_model(arr, file_axes, tensor, "input", user)
            expected.append({"shape": list(want.shape), "data": want.ravel().tolist()})
        except ImageError:
            expected.append({"error": True})
        cases.append({"shape": list(shape), "file_axes": file_axes, "user_axes": user, "tensor": _tensor_view(MODELS[model])})
    results = _node({"fits": cases})["fits"]
    for case, want, got in zip(cases, expected, results):
        assert "crash" not in got, got["crash"]
        if "error" in want:
            assert "error" in got, (case, got)
        else:
            assert got == want, case
    assert sum("error" in w for w in expected) > 50 and sum("error" not in w for w in expected) > 50


def test_downloads_read_back_in_numpy_and_tifffile():
    arrays = [(np.arange(2 * 3 * 5 * 7, dtype=np.float32).reshape(1, 2, 3, 5, 7) / 3, "QCZYX"),
              (np.linspace(-1, 1, 6 * 8, dtype=np.float32).reshape(6, 8), "YX")]
    cases = [{"shape": list(a.shape), "data": a.ravel().tolist(), "axes": axes} for a, axes in arrays]
    for (a, axes), got in zip(arrays, _node({"files": cases})["files"]):
        np.testing.assert_array_equal(np.load(io.BytesIO(base64.b64decode(got["npy"]))), a)
        with tifffile.TiffFile(io.BytesIO(base64.b64decode(got["tif"]))) as tif:
            assert tif.series[0].axes == axes
            np.testing.assert_array_equal(tif.series[0].asarray(), a)
        assert got["back"] == {"shape": list(a.shape), "data": a.ravel().tolist()}
