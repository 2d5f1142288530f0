"""Tiled prediction (FORMAT.md §7): preprocess the whole sample, run the network block by block with
the output halo as context (reflection padding at the borders), write back only the inner parts,
then postprocess the whole output. Memory of the network call is bounded by the block size.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.runner.axes import axis_ids, axis_scale, find_axis
from pipeline.runner.execute import ModelRunner, TensorError

TILE_TYPES = ("space", "time")


@dataclass(frozen=True)
class TiledAxis:
    """One tiled axis of the primary input: its position, context per side and block size."""

    aid: str
    index: int
    size: int
    context: int
    block: int

    @property
    def core(self) -> int:
        return self.block - 2 * self.context


def _valid_block(size_spec: dict, at_least: int) -> int:
    m, s = int(size_spec["min"]), int(size_spec.get("step") or 0)
    if at_least <= m or s == 0:
        return m
    return m + math.ceil((at_least - m) / s) * s


def output_offsets(runner: ModelRunner, primary: dict, aid: str) -> dict[str, tuple[int, float, int]]:
    """Per output: (axis index, offset along `aid` in input pixels, halo) for axes that follow `aid`."""
    inputs = {t["id"]: t for t in runner.inputs}
    found = {}
    for t in runner.outputs:
        for k, a in enumerate(t["axes"]):
            size = a.get("size")
            if not (isinstance(size, dict) and size.get("tensor_id") == primary["id"] and size.get("axis_id") == aid):
                continue
            if axis_scale(find_axis(inputs, primary["id"], aid)) != axis_scale(a):
                raise TensorError(f"output {t['id']!r} axis {aid!r} has another scale than its input: not tileable")
            offset = float(size.get("offset") or 0)
            if offset % 2:
                raise TensorError(f"output {t['id']!r} axis {aid!r}: odd size offset, the crop is not centred")
            found[t["id"]] = (k, offset, int(a.get("halo") or 0))
    return found


def plan_axes(runner: ModelRunner, shape: tuple[int, ...], block: dict[str, int] | None) -> list[TiledAxis]:
    """The tiled axes of the first input: parameterized space/time axes."""
    primary = runner.inputs[0]
    plan = []
    for k, a in enumerate(primary["axes"]):
        size = a.get("size")
        if a.get("type") not in TILE_TYPES or not (isinstance(size, dict) and "min" in size):
            continue
        offs = output_offsets(runner, primary, axis_ids(primary)[k])
        context = max([0] + [int(halo - off / 2) for (_, off, halo) in offs.values()])
        block = block or {}
        want = block.get(axis_ids(primary)[k]) or block.get("*") or max(int(size["min"]), 2 * context + 64)
        want = min(want, shape[k] + 2 * context)  # no block larger than the padded image
        blk = _valid_block(size, max(want, 2 * context + 1))
        plan.append(TiledAxis(axis_ids(primary)[k], k, shape[k], context, blk))
    return plan


def _follow_primary(runner: ModelRunner, plan: list[TiledAxis]) -> dict[str, dict[str, int]]:
    """Axis index of each tiled axis in every input; other inputs must reference the first with offset 0."""
    primary = runner.inputs[0]
    where = {primary["id"]: {p.aid: p.index for p in plan}}
    for t in runner.inputs[1:]:
        where[t["id"]] = {}
        for k, a in enumerate(t["axes"]):
            size = a.get("size")
            if isinstance(size, dict) and size.get("tensor_id") == primary["id"] and not size.get("offset"):
                where[t["id"]][size["axis_id"]] = k
        if set(where[t["id"]]) != {p.aid for p in plan}:
            raise TensorError(f"input {t['id']!r} does not follow the tiled axes of {primary['id']!r}")
    return where


def _pad(x: np.ndarray, axes: dict[str, int], pads: dict[str, tuple[int, int]]) -> np.ndarray:
    width = [(0, 0)] * x.ndim
    for aid, k in axes.items():
        width[k] = pads[aid]
    return np.pad(x, width, mode="reflect") if any(w != (0, 0) for w in width) else x


def predict_tiled(runner: ModelRunner, sample: dict[str, np.ndarray], block: dict[str, int] | None = None
                  ) -> dict[str, np.ndarray]:
    """Whole-sample preprocessing, blockwise network, whole-sample postprocessing."""
    pre = runner.preprocess(sample)
    primary = runner.inputs[0]
    plan = plan_axes(runner, pre[primary["id"]].shape, block)
    if not plan:
        return runner.postprocess(runner.network(pre), sample)
    where = _follow_primary(runner, plan)
    offsets = {p.aid: output_offsets(runner, primary, p.aid) for p in plan}
    # positions (in input pixels) every output needs: [lo, hi) per tiled axis
    span = {p.aid: (min([0] + [-o / 2 for (_, o, _) in offsets[p.aid].values()]),
                    max([p.size] + [p.size + o / 2 for (_, o, _) in offsets[p.aid].values()])) for p in plan}
    counts = {p.aid: max(1, math.ceil((span[p.aid][1] - span[p.aid][0]) / p.core)) for p in plan}
    pads = {p.aid: (int(p.context - span[p.aid][0]),
                    int(span[p.aid][0] + counts[p.aid] * p.core + p.context - p.size)) for p in plan}
    padded = {tid: _pad(x, where[tid], pads) for tid, x in pre.items()}
    assembled: dict[str, np.ndarray] = {}
    for grid in itertools.product(*[range(counts[p.aid]) for p in plan]):
        starts = {p.aid: g * p.core for p, g in zip(plan, grid)}
        blocks = {}
        for tid, x in padded.items():
            idx = [slice(None)] * x.ndim
            for p in plan:
                idx[where[tid][p.aid]] = slice(starts[p.aid], starts[p.aid] + p.block)
            blocks[tid] = x[tuple(idx)]
        outs = runner.network(blocks)
        for t in runner.outputs:
            _write_block(assembled, t, outs[t["id"]], plan, offsets, starts, counts)
    result = {}
    for t in runner.outputs:
        idx = [slice(None)] * assembled[t["id"]].ndim
        for p in plan:
            if t["id"] in offsets[p.aid]:
                k, off, _ = offsets[p.aid][t["id"]]
                lo = int(-off / 2 - span[p.aid][0])
                idx[k] = slice(lo, lo + int(p.size + off))
        result[t["id"]] = assembled[t["id"]][tuple(idx)]
    return runner.postprocess(result, sample)


def _write_block(assembled: dict, t: dict, out: np.ndarray, plan: list[TiledAxis], offsets: dict,
                 starts: dict, counts: dict) -> None:
    src = [slice(None)] * out.ndim
    dst = [slice(None)] * out.ndim
    shape = list(out.shape)
    for p in plan:
        if t["id"] not in offsets[p.aid]:
            raise TensorError(f"output {t['id']!r} has no axis following input axis {p.aid!r}: not tileable")
        k, off, _ = offsets[p.aid][t["id"]]
        first = int(p.context + off / 2)
        src[k] = slice(first, first + p.core)
        dst[k] = slice(starts[p.aid], starts[p.aid] + p.core)
        shape[k] = counts[p.aid] * p.core
    if t["id"] not in assembled:
        assembled[t["id"]] = np.zeros(shape, dtype=out.dtype)
    assembled[t["id"]][tuple(dst)] = out[tuple(src)]


def describe_plan(plan: list[TiledAxis]) -> str:
    return ", ".join(f"{p.aid}: block {p.block} (context {p.context})" for p in plan) or "untiled"


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
