"""Differential benchmark: `zoo predict`'s blockwise prediction against the reference runner.

For every example model of format 0.5 whose weights the reference environment can run (torch, ONNX),
and for inputs of four kinds (the test input; 2-3x larger; smaller than the smallest valid size; odd
sizes), ours runs twice (its own plan, and forced into small blocks) and the reference once:
- a size the model takes: the reference predicts the whole image (it pads the input halo itself);
- larger than a fixed-shape model: the reference's own fixed blocking;
- a size it cannot take: the reference's preprocessing, network and postprocessing on the image padded
  the way ours pads it (the reference has no padding of its own for these).
Each output is compared with the model's reproducibility tolerance.

Run: ZOO_ORACLE_CACHE=/work/.oracles .venv/bin/python bench/predict_oracle.py [--json] [--models a,b]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).parent))

from oracles import core_python, oracle_env  # noqa: E402

from pipeline.runner.adapters import load_adapter  # noqa: E402
from pipeline.runner.compare import mismatch, tolerance_for  # noqa: E402
from pipeline.runner.execute import ModelRunner  # noqa: E402
from pipeline.runner.padding import DEFAULT_PAD  # noqa: E402
from pipeline.runner.sizes import model_sizes  # noqa: E402
from pipeline.runner.tiling import plan_for, predict_tiled  # noqa: E402
from pipeline.spec import load_rdf, normalized_model  # noqa: E402

MODELS = REPO / "examples" / "models"
WEIGHTS = "onnx"


def reference_compatible(rdf: dict) -> None:
    """Two reference bugs stop it on the fusion model: scale_mean_variance's output statistics (KeyError
    on the output id while it preprocesses) and binarize with one threshold per channel (numpy cannot
    broadcast the thresholds). Both runners get this variant without those two steps."""
    for t in rdf["outputs"]:
        if t["id"] in ("restored", "mask"):
            t["postprocessing"] = []


def independent_prior(rdf: dict) -> None:
    """Both inputs declare their own sizes (no size reference), like the format's two-input example."""
    reference_compatible(rdf)
    for a in rdf["inputs"][1]["axes"]:
        if a["type"] == "space":
            a["size"] = {"min": 16, "step": 8}


# (label, folder, edit of the RDF for both runners, case sizes); membrane-distance-3d is TensorFlow,
# which the reference environment does not hold (ORACLES.md pins torch and onnxruntime)
MODEL_CASES = [
    ("nuclei-boundary-2d", "nuclei-boundary-2d", None, {"larger": (160, 144), "smaller": (20, 26), "odd": (77, 91)}),
    ("two-channel-fusion-2d*", "two-channel-fusion-2d", reference_compatible,
     {"larger": (120, 104), "smaller": (10, 12), "odd": (53, 67)}),
    ("fusion, independent inputs*", "two-channel-fusion-2d", independent_prior,
     {"larger": (120, 104), "smaller": (10, 12), "odd": (53, 67)}),
    ("upsample-2d", "upsample-2d", None, {"larger": (80, 96), "smaller": (9, 11), "odd": (37, 45)}),
    ("downsample-2d", "downsample-2d", None, {"larger": (160, 176), "smaller": (20, 18), "odd": (77, 91)}),
    ("fixed-shape-2d", "fixed-shape-2d", None, {"larger": (160, 192), "smaller": (40, 50), "odd": (77, 91)}),
]


def model_copy(folder: Path, edit, work: Path) -> Path:
    """The model folder as both runners see it: the original, or a copy with an edited RDF."""
    if edit is None:
        return folder
    from ruamel.yaml import YAML

    target = work / "model"
    shutil.copytree(folder, target)
    yaml = YAML()
    rdf = yaml.load((target / "rdf.yaml").read_text())
    edit(rdf)
    with (target / "rdf.yaml").open("w") as f:
        yaml.dump(rdf, f)
    return target


def load_runner(folder: Path, fmt: str) -> ModelRunner:
    descr = normalized_model(load_rdf(str(folder)).data)
    files = {p.name: p for p in folder.iterdir()}
    net = load_adapter(fmt, descr["weights"][fmt], files, [t["id"] for t in descr["outputs"]],
                       [t["id"] for t in descr["inputs"]])
    return ModelRunner(descr, net)


def resized(x: np.ndarray, spatial: list[int], size: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """The test tensor grown (mirrored, with noise) or cut to `size` along its spatial axes."""
    widths = [(0, 0)] * x.ndim
    for k, n in zip(spatial, size):
        widths[k] = (0, max(0, n - x.shape[k]))
    grown = np.pad(x, widths, mode="symmetric")
    cut = [slice(None)] * x.ndim
    for k, n in zip(spatial, size):
        cut[k] = slice(0, n)
    out = grown[tuple(cut)]
    if out.dtype.kind == "f":
        out = out + rng.normal(0, 0.05 * float(out.std()) + 1e-6, out.shape).astype(out.dtype)
    return np.ascontiguousarray(out)


def spatial_axes(t: dict) -> list[int]:
    return [k for k, a in enumerate(t["axes"]) if a["type"] == "space"]


def make_inputs(folder: Path, runner: ModelRunner, size: tuple[int, ...] | None, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    out = {}
    for t in runner.inputs:
        x = np.load(folder / t["test_tensor"]["source"])
        out[t["id"]] = x if size is None else resized(x, spatial_axes(t), size, rng)
    return out


def _valid(runner: ModelRunner, sample: dict) -> bool:
    ms = model_sizes(runner.descr)
    return all(s.valid(sample[tid].shape[s.index]) for tid, sizes in ms.inputs.items() for s in sizes
               if s.kind in ("fixed", "param"))


def _fixed_block(runner: ModelRunner, sample: dict) -> dict | None:
    """The fixed input sizes as a reference block shape (None for a model without fixed space axes)."""
    ms = model_sizes(runner.descr)
    if not any(s.kind == "fixed" and s.type == "space" for sizes in ms.inputs.values() for s in sizes):
        return None
    return {t["id"]: {s.axis: s.fixed if s.kind == "fixed" else sample[t["id"]].shape[s.index]
                      for s in ms.inputs[t["id"]]} for t in runner.inputs}


def _aligned_padding(runner: ModelRunner, sample: dict, block: dict) -> dict:
    """Pad every space axis to 16 + 48k >= its size (blocks of 64 with halo 8 then need no shifted last
    block), an even amount first so a 2x2 pooling grid stays where it was; crop back afterwards."""
    pad_width = {t["id"]: [[0, 0] for _ in t["axes"]] for t in runner.inputs}
    crop = {t["id"]: [[0, None] for _ in t["axes"]] for t in runner.outputs}
    for t in runner.inputs:
        for k, a in enumerate(t["axes"]):
            if a["type"] != "space":
                continue
            n, size = sample[t["id"]].shape[k], block[t["id"]][a["id"]]
            target = max(size, size + (size - 16) * int(np.ceil(max(0, n - size) / (size - 16))))
            left = ((target - n) // 2) // 2 * 2
            pad_width[t["id"]][k] = [left, target - n - left]
            for o in runner.outputs:
                crop[o["id"]][k] = [left, left + n]
    return {"pad_width": pad_width, "crop": crop, "block_shape": block}


def reference_cases(runner: ModelRunner, sample: dict) -> list[dict]:
    """How the reference is asked for this input: whole and in one block of its own (sizes it takes),
    its own fixed blocking and that on an aligned padding (fixed shapes), or on our padding."""
    pads = {"pad": {t["id"]: t.get("pad") or DEFAULT_PAD for t in runner.inputs}}
    fixed = _fixed_block(runner, sample)
    if fixed is not None:
        cases = [{"mode": "blocked", "block_shape": fixed}] if _fits(sample, fixed) else []
        return cases + [{"mode": "padded", "label": "padded+blocked", **pads, **_aligned_padding(runner, sample, fixed)}]
    cases = []
    if _valid(runner, sample):
        whole_block = {t["id"]: {a["id"]: n for a, n in zip(t["axes"], sample[t["id"]].shape)} for t in runner.inputs}
        cases = [{"mode": "whole"}, {"mode": "blocked", "label": "one block", "block_shape": whole_block}]
    pre = runner.preprocess(sample)
    plan = plan_for(runner, {k: v.shape for k, v in pre.items()}, None, 2**62)
    pad_width = {t["id"]: [[0, 0] for _ in t["axes"]] for t in runner.inputs}
    crop = {t["id"]: [[0, None] for _ in t["axes"]] for t in runner.outputs}
    for comp, lay in zip(plan.components, plan.layouts):
        for m in comp.members:
            start = int(np.floor(lay.start(0) * m.a + m.b))
            pad_width[m.size.tensor][m.size.index] = [-start, m.length(lay.block) - m.actual + start]
        for f in comp.followers:
            begin = -int(lay.start(0) * f.a)
            crop[f.size.tensor][f.size.index] = [begin, begin + f.length(comp.anchor.actual)]
    return cases + [{"mode": "padded", **pads, "pad_width": pad_width, "crop": crop}]


def _fits(sample: dict, block: dict) -> bool:
    return all(n >= block[tid][aid] for tid, shape in block.items() for aid, n in
               zip(block[tid], sample[tid].shape))


def smallest_blocks(runner: ModelRunner) -> dict[str, int]:
    """A block request just above the minimum, to force many blocks."""
    ms = model_sizes(runner.descr)
    out = {}
    for s in next(iter(ms.inputs.values())):
        if s.kind == "param":
            out[s.axis] = s.min + s.step
    return out


def run_reference(folder: Path, cases: list[dict], work: Path) -> dict:
    job = {"model": str(folder / "rdf.yaml"), "weights": WEIGHTS, "cases": cases, "out": str(work / "ref")}
    (work / "job.json").write_text(json.dumps(job))
    proc = subprocess.run([str(core_python()), str(Path(__file__).parent / "oracle_predict_child.py"),
                           str(work / "job.json")], capture_output=True, text=True, env=oracle_env(), timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"reference run failed: {proc.stderr[-2000:]}")
    return json.loads((work / "ref" / "result.json").read_text())


def compare(runner: ModelRunner, ours: dict, ref_dir: Path) -> tuple[float, bool, str]:
    worst, ok, notes = 0.0, True, []
    for t in runner.outputs:
        ref = np.load(ref_dir / f"{t['id']}.npy")
        got = ours[t["id"]]
        msg = mismatch(t["id"], got, ref.astype(got.dtype) if got.dtype == bool else ref,
                       tolerance_for(runner.descr, WEIGHTS, t["id"]))
        if got.shape == ref.shape:
            worst = max(worst, float(np.max(np.abs(got.astype(np.float64) - ref.astype(np.float64)))))
        else:
            worst = float("inf")
        if msg:
            ok = False
            notes.append(msg)
    return worst, ok, "; ".join(notes)


def run_model(label: str, name: str, edit, sizes: dict, work: Path) -> list[dict]:
    work.mkdir(parents=True)
    folder = model_copy(MODELS / name, edit, work)
    runner = load_runner(folder, WEIGHTS)
    kinds = {"test input": None, **sizes}
    samples, cases = {}, []
    for i, (kind, size) in enumerate(kinds.items()):
        sample = make_inputs(folder, runner, size, seed=i)
        samples[kind] = sample
        case_dir = work / "in" / f"case{i}"
        case_dir.mkdir(parents=True, exist_ok=True)
        paths = {}
        for k, v in sample.items():
            np.save(case_dir / f"{k}.npy", v)
            paths[k] = str(case_dir / f"{k}.npy")
        for j, ref_case in enumerate(reference_cases(runner, sample)):
            cases.append({"name": f"case{i}-{j}", "kind": kind, "inputs": paths, **ref_case})
    start = time.perf_counter()
    ref = run_reference(folder, cases, work)
    ref_seconds = time.perf_counter() - start
    rows = []
    ours_cache: dict = {}
    for case in cases:
        sample = samples[case["kind"]]
        shape = "x".join(str(n) for n in next(iter(sample.values())).shape[-2:])
        for mine, block in (("own plan", None), ("small blocks", smallest_blocks(runner))):
            key = (case["kind"], mine)
            if key not in ours_cache:
                pre = runner.preprocess(sample)
                ours_cache[key] = (predict_tiled(runner, sample, block),
                                   plan_for(runner, {k: v.shape for k, v in pre.items()}, block).blocks)
            ours, blocks = ours_cache[key]
            row = {"model": label, "weights": WEIGHTS, "case": case["kind"], "size": shape, "ours": mine,
                   "blocks": blocks, "reference": case.get("label", case["mode"])}
            if not ref[case["name"]]["ok"]:
                row.update(max_abs_diff=None, within_tolerance=None,
                           note="reference failed: " + ref[case["name"]]["error"])
            else:
                diff, ok, note = compare(runner, ours, work / "ref" / case["name"])
                row.update(max_abs_diff=diff, within_tolerance=ok, note=note)
            rows.append(row)
    for r in rows:
        r["reference_seconds"] = round(ref_seconds, 1)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--models", default=None, help="comma-separated labels (default: all)")
    args = parser.parse_args()
    wanted = set(args.models.split(",")) if args.models else None
    rows = []
    with tempfile.TemporaryDirectory(prefix="zoo-oracle-") as tmp:
        for i, (label, name, edit, sizes) in enumerate(MODEL_CASES):
            if wanted is None or label in wanted:
                rows += run_model(label, name, edit, sizes, Path(tmp) / f"m{i}")
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print(f"{'model':27} {'case':10} {'size':>7} {'ours':12} {'blocks':>6} {'reference':14} {'max abs diff':>12} within")
        for r in rows:
            diff = "-" if r["max_abs_diff"] is None else f"{r['max_abs_diff']:.2e}"
            within = {True: "yes", False: "NO", None: "-"}[r["within_tolerance"]]
            print(f"{r['model']:27} {r['case']:10} {r['size']:>7} {r['ours']:12} {r['blocks']:6} {r['reference']:14} "
                  f"{diff:>12} {within}  {r['note'][:110]}")
        agree = [r for r in rows if r["within_tolerance"]]
        print(f"{len(agree)} of {len(rows)} comparisons within tolerance")
    return 0


if __name__ == "__main__":
    sys.exit(main())
