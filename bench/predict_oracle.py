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
# the reference environment holds torch and onnxruntime only (ORACLES.md); membrane-distance-3d is TF
CASES = {
    "nuclei-boundary-2d": {"larger": (160, 144), "smaller": (20, 26), "odd": (77, 91)},
    "two-channel-fusion-2d": {"larger": (120, 104), "smaller": (10, 12), "odd": (53, 67)},
    "upsample-2d": {"larger": (80, 96), "smaller": (9, 11), "odd": (37, 45)},
    "downsample-2d": {"larger": (160, 176), "smaller": (20, 18), "odd": (77, 91)},
    "fixed-shape-2d": {"larger": (160, 192), "smaller": (40, 50), "odd": (77, 91)},
}
WEIGHTS = "onnx"


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


def reference_case(runner: ModelRunner, sample: dict) -> dict:
    """How the reference is asked for this case: whole, its own blocking, or on our padding."""
    ms = model_sizes(runner.descr)
    valid = all(s.valid(sample[tid].shape[s.index]) for tid, sizes in ms.inputs.items() for s in sizes
                if s.kind in ("fixed", "param"))
    if valid:
        return {"mode": "whole"}
    pre = runner.preprocess(sample)
    plan = plan_for(runner, {k: v.shape for k, v in pre.items()}, None, 2**62)
    if plan.blocks > 1:  # larger than a fixed size: the reference tiles it itself
        shape = {}
        for t in runner.inputs:
            fixed = {s.axis: s.fixed if s.kind == "fixed" else sample[t["id"]].shape[s.index] for s in ms.inputs[t["id"]]}
            shape[t["id"]] = fixed
        return {"mode": "blocked", "block_shape": shape}
    pad_width = {t["id"]: [[0, 0] for _ in t["axes"]] for t in runner.inputs}
    crop = {t["id"]: [[0, n] for n in (None,) * len(t["axes"])] for t in runner.outputs}
    for comp, lay in zip(plan.components, plan.layouts):
        for m in comp.members:
            start = int(np.floor(lay.start(0) * m.a + m.b))
            pad_width[m.size.tensor][m.size.index] = [-start, m.length(lay.block) - m.actual + start]
        for f in comp.followers:
            j0 = lay.inner_start[(f.size.tensor, f.size.index)]
            begin = j0 - (int(lay.start(0) * f.a) + j0)
            crop[f.size.tensor][f.size.index] = [begin, begin + f.length(comp.anchor.actual)]
    for t in runner.outputs:
        for k, (lo, hi) in enumerate(crop[t["id"]]):
            if hi is None:
                crop[t["id"]][k] = [0, None]
    return {"mode": "padded", "pad_width": pad_width, "crop": crop,
            "pad": {t["id"]: t.get("pad") or DEFAULT_PAD for t in runner.inputs}}


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


def run_model(name: str, work: Path) -> list[dict]:
    folder = MODELS / name
    runner = load_runner(folder, WEIGHTS)
    kinds = {"test input": None, **{k: v for k, v in CASES[name].items()}}
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
        cases.append({"name": f"case{i}", "kind": kind, "inputs": paths, **reference_case(runner, sample)})
    start = time.perf_counter()
    ref = run_reference(folder, cases, work)
    ref_seconds = time.perf_counter() - start
    rows = []
    for case in cases:
        sample = samples[case["kind"]]
        shape = "x".join(str(n) for n in next(iter(sample.values())).shape[-2:])
        for label, block in (("own plan", None), ("small blocks", smallest_blocks(runner))):
            ours = predict_tiled(runner, sample, block)
            pre = runner.preprocess(sample)
            blocks = plan_for(runner, {k: v.shape for k, v in pre.items()}, block).blocks
            row = {"model": name, "weights": WEIGHTS, "case": case["kind"], "size": shape, "ours": label,
                   "blocks": blocks, "reference": case["mode"]}
            if not ref[case["name"]]["ok"]:
                row.update(max_abs_diff=None, within_tolerance=None, note="reference failed: " + ref[case["name"]]["error"])
            else:
                diff, ok, note = compare(runner, ours, work / "ref" / case["name"])
                row.update(max_abs_diff=diff, within_tolerance=ok, note=note)
            rows.append(row)
    for r in rows:
        r["reference_seconds_model"] = round(ref_seconds, 1)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--models", default=",".join(CASES))
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="zoo-oracle-") as tmp:
        for name in args.models.split(","):
            rows += run_model(name, Path(tmp) / name)
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print(f"{'model':22} {'case':11} {'size':>8} {'ours':13} {'blocks':>6} {'reference':9} {'max abs diff':>12} within")
        for r in rows:
            diff = "-" if r["max_abs_diff"] is None else f"{r['max_abs_diff']:.2e}"
            within = {True: "yes", False: "NO", None: "-"}[r["within_tolerance"]]
            print(f"{r['model']:22} {r['case']:11} {r['size']:>8} {r['ours']:13} {r['blocks']:6} {r['reference']:9} "
                  f"{diff:>12} {within}  {r['note'][:120]}")
        agree = [r for r in rows if r["within_tolerance"]]
        print(f"{len(agree)} of {len(rows)} comparisons within tolerance")
    return 0 if all(r["within_tolerance"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
