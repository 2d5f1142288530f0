"""Blockwise prediction (docs/format.md §7): preprocess the whole sample, run the network block by block with
the output halo as context (borders padded as the input's `pad` says, symmetric by default like the
reference runner), keep only every output's halo-free inner part, then postprocess the whole output.
The network only ever sees one block, so its memory is bounded by the block size.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Callable

import numpy as np

from pipeline.runner.axes import axis_ids
from pipeline.runner.blocking import DEFAULT_BLOCK_BYTES, Plan, plan
from pipeline.runner.execute import ModelRunner, TensorError
from pipeline.runner.padding import DEFAULT_PAD, cut
from pipeline.runner.sizes import ModelSizes, SizeError, model_sizes

Progress = Callable[[int, int], None]


def check_fixed_axes(ms: ModelSizes, shapes: dict[str, tuple[int, ...]]) -> None:
    """Axes that are never padded or tiled (channel, index, batch) must already have a valid size."""
    for tid, sizes in ms.inputs.items():
        if tid not in shapes:
            continue
        shape = shapes[tid]
        if len(shape) != len(sizes):
            raise SizeError(f"the array has {len(shape)} dimensions {shape}, the model expects axes "
                            f"{[s.axis for s in sizes]}", sizes[0].loc.rsplit(".", 1)[0] if sizes else tid)
        for s in sizes:
            n = shape[s.index]
            if s.kind == "channel" and n != s.fixed:
                raise SizeError(f"input {tid!r} has {n} channels, the model expects {s.fixed} (axes "
                                f"{[x.axis for x in sizes]}; a file with its axes in another order needs --axes)",
                                f"{s.loc}.channel_names")
            if s.type not in ("space", "time") and s.kind in ("fixed", "param") and not s.valid(n):
                raise SizeError(f"input {tid!r} axis {s.axis!r} is {n} long, the model takes {s.describe()}",
                                f"{s.loc}.size")


def plan_for(runner: ModelRunner, shapes: dict[str, tuple[int, ...]], block: dict[str, int] | None = None,
             budget: int = DEFAULT_BLOCK_BYTES) -> Plan:
    """The block plan for preprocessed inputs of these shapes."""
    ms = model_sizes(runner.descr)
    check_fixed_axes(ms, shapes)
    return plan(ms, shapes, block, budget)


def _windows(p: Plan, grid: tuple[int, ...]) -> dict[str, dict[int, tuple[int, int]]]:
    """Per input tensor: {axis index: (start, length)} of this block, in padded coordinates."""
    out: dict[str, dict[int, tuple[int, int]]] = {}
    for comp, lay, i in zip(p.components, p.layouts, grid):
        s = lay.start(i)
        for m in comp.members:
            out.setdefault(m.size.tensor, {})[m.size.index] = (math.floor(s * m.a + m.b), m.length(lay.block))
    return out


def _keep(p: Plan, grid: tuple[int, ...], tid: str, out: np.ndarray, ids: list[str]) -> tuple[tuple, tuple]:
    """(source slices in the block output, destination slices in the whole output) for output `tid`."""
    src = [slice(None)] * out.ndim
    dst = [slice(None)] * out.ndim
    for comp, lay, i in zip(p.components, p.layouts, grid):
        for f in comp.followers:
            if f.size.tensor != tid:
                continue
            k = f.size.index
            if out.shape[k] != f.length(lay.block):
                raise TensorError(f"output {tid!r} axis {ids[k]!r} is {out.shape[k]} long for an input block of "
                                  f"{lay.block}, its description makes it {f.length(lay.block)} ({f.size.loc}.size)")
            keep = int(lay.stride * f.a)
            j0 = lay.inner_start[(tid, k)]
            start = int(lay.start(i) * f.a) + j0
            total = f.length(comp.anchor.actual)
            lo, hi = max(start, 0), min(start + keep, total)
            src[k] = slice(j0 + lo - start, j0 + hi - start)
            dst[k] = slice(lo, hi)
    return tuple(src), tuple(dst)


def _final_shape(p: Plan, tid: str, first: np.ndarray) -> list[int]:
    shape = list(first.shape)
    for comp in p.components:
        for f in comp.followers:
            if f.size.tensor == tid:
                shape[f.size.index] = f.length(comp.anchor.actual)
    return shape


def run_blocks(runner: ModelRunner, pre: dict[str, np.ndarray], p: Plan,
               progress: Progress | None = None) -> dict[str, np.ndarray]:
    """The network on every block of the preprocessed sample, stitched into whole raw outputs."""
    pads = {t["id"]: t.get("pad") or DEFAULT_PAD for t in runner.inputs}
    assembled: dict[str, np.ndarray] = {}
    total = p.blocks
    for n, grid in enumerate(itertools.product(*[range(lay.count) for lay in p.layouts])):
        windows = _windows(p, grid)
        blocks = {tid: cut(x, windows.get(tid, {}), pads[tid]) for tid, x in pre.items()}
        outs = runner.network(blocks)
        for t in runner.outputs:
            out, ids = outs[t["id"]], axis_ids(t)
            if out.ndim != len(ids):
                raise TensorError(f"output {t['id']!r}: the network returned {out.ndim} dimensions {out.shape}, "
                                  f"the description has axes {ids}")
            src, dst = _keep(p, grid, t["id"], out, ids)
            if t["id"] not in assembled:
                assembled[t["id"]] = np.empty(_final_shape(p, t["id"], out), dtype=out.dtype)
            target = assembled[t["id"]]
            if any(d == slice(None) and a != b for d, a, b in zip(dst, out.shape, target.shape)):
                raise TensorError(f"output {t['id']!r} changes shape {out.shape} from block to block")
            target[dst] = out[src]
        if progress:
            progress(n + 1, total)
    return assembled


def _batch_one(runner: ModelRunner, sample: dict[str, np.ndarray]) -> int:
    """The sample's batch size when the model only takes batch size 1, else 0."""
    for t in runner.inputs:
        for k, a in enumerate(t["axes"]):
            if a.get("type") == "batch" and a.get("size") == 1 and t["id"] in sample:
                return sample[t["id"]].shape[k]
    return 0


def predict_tiled(runner: ModelRunner, sample: dict[str, np.ndarray], block: dict[str, int] | None = None,
                  *, budget: int = DEFAULT_BLOCK_BYTES, progress: Progress | None = None,
                  notes: Callable[[str], None] | None = None) -> dict[str, np.ndarray]:
    """Whole-sample preprocessing, blockwise network, whole-sample postprocessing."""
    batch = _batch_one(runner, sample)
    if batch > 1:  # a model fixed to batch size 1: one sample at a time, outputs stacked again
        parts = [predict_tiled(runner, _take_batch(runner, sample, i), block, budget=budget, progress=progress,
                               notes=notes if i == 0 else None) for i in range(batch)]
        return {t["id"]: np.concatenate([p[t["id"]] for p in parts], axis=_batch_axis(t)) for t in runner.outputs}
    check_fixed_axes(model_sizes(runner.descr), {k: v.shape for k, v in sample.items()})  # before any work
    pre = runner.preprocess(sample)
    p = plan_for(runner, {k: v.shape for k, v in pre.items()}, block, budget)
    for note in [f"blocks: {p.describe()}", *p.notes] if notes else ():
        notes(note)
    return runner.postprocess(run_blocks(runner, pre, p, progress), sample)


def _batch_axis(t: dict[str, Any]) -> int:
    return next(k for k, a in enumerate(t["axes"]) if a.get("type") == "batch")


def _take_batch(runner: ModelRunner, sample: dict[str, np.ndarray], i: int) -> dict[str, np.ndarray]:
    out = {}
    for t in runner.inputs:
        if t["id"] in sample:
            k = _batch_axis(t) if any(a.get("type") == "batch" for a in t["axes"]) else None
            out[t["id"]] = sample[t["id"]] if k is None else np.take(sample[t["id"]], [i], axis=k)
    return out


def block_arg(text: Any) -> dict[str, int] | None:
    """Parse `y=64,x=64` (or one number for every tiled axis, given as {'*': n})."""
    if not text:
        return None
    if str(text).isdigit():
        return {"*": int(text)}
    out = {}
    for part in str(text).split(","):
        k, _, v = part.partition("=")
        if not v.strip().isdigit():
            raise ValueError(f"block size {part!r} is not AXIS=N")
        out[k.strip()] = int(v)
    return out
