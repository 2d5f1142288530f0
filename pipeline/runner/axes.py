"""Axis ids of tensor descriptions and the sizes they allow (model 0.5 shape, as normalised)."""

from __future__ import annotations

import math
from typing import Any

# 0.4 axis letters, in case a description reaches us with letters instead of axis objects
LETTER_IDS = {"b": "batch", "c": "channel", "i": "index", "t": "time", "z": "z", "y": "y", "x": "x"}
DEFAULT_IDS = {"batch": "batch", "channel": "channel", "index": "index", "time": "time", "space": "x"}


class NotRunnable(Exception):
    """The model uses something this runner cannot execute (reported as a skipped test)."""


def axis_id(axis: dict[str, Any]) -> str:
    """The id of one axis object, with the format's defaults per axis type."""
    return str(axis.get("id") or DEFAULT_IDS.get(axis.get("type", "space"), "x"))


def axis_ids(tensor: dict[str, Any]) -> list[str]:
    """Axis ids of a tensor description, in order."""
    axes = tensor["axes"]
    if isinstance(axes, str):
        return [LETTER_IDS[a] for a in axes]
    return [axis_id(a) for a in axes]


def reduce_axes(names: Any, ids: list[str], what: str) -> tuple[int, ...]:
    """Positions of the axes named by a processing op's `axes` (None: all axes incl. batch)."""
    if names is None:
        return tuple(range(len(ids)))
    if isinstance(names, str):  # 0.4 style "cyx"
        names = [LETTER_IDS.get(n, n) for n in names]
    missing = [n for n in names if n not in ids]
    if missing:
        raise ValueError(f"{what}: axes {missing} are not axes of the tensor ({ids})")
    return tuple(ids.index(n) for n in names)


def axis_scale(axis: dict[str, Any]) -> float:
    return float(axis.get("scale") or 1.0)


def find_axis(tensors: dict[str, dict], tensor_id: str, aid: str) -> dict[str, Any]:
    """The axis object `aid` of tensor `tensor_id` among the given tensor descriptions."""
    for a in tensors[tensor_id]["axes"]:
        if axis_id(a) == aid:
            return a
    raise ValueError(f"tensor {tensor_id!r} has no axis {aid!r}")


def input_sizes(inputs: list[dict], n: int, batch: int) -> dict[str, dict[str, int]]:
    """Concrete sizes of every input axis for parameter n (min + n*step) and a batch size."""
    by_id = {t["id"]: t for t in inputs}
    sizes: dict[str, dict[str, int]] = {t["id"]: {} for t in inputs}
    pending = []
    for t in inputs:
        for a in t["axes"]:
            size = a.get("size")
            aid = axis_id(a)
            if a.get("type") == "batch":
                sizes[t["id"]][aid] = batch
            elif a.get("type") == "channel" and size is None:
                sizes[t["id"]][aid] = len(a.get("channel_names") or [0])
            elif isinstance(size, int):
                sizes[t["id"]][aid] = size
            elif isinstance(size, dict) and "step" in size:
                sizes[t["id"]][aid] = int(size["min"]) + n * int(size.get("step") or 0)
            elif isinstance(size, dict) and "tensor_id" in size:
                pending.append((t["id"], a))
            else:
                raise NotRunnable(f"input {t['id']!r} axis {aid!r} has no usable size")
    for tid, a in pending:
        ref = a["size"]
        ref_axis = find_axis(by_id, ref["tensor_id"], ref["axis_id"])
        ref_size = sizes[ref["tensor_id"]][ref["axis_id"]]
        sizes[tid][axis_id(a)] = reference_size(ref_size, axis_scale(ref_axis), axis_scale(a), ref.get("offset", 0))
    return sizes


def reference_size(ref_size: int, ref_scale: float, scale: float, offset: float) -> int:
    """floor(ref_size * ref_scale / scale + offset), the format's size-reference rule."""
    return int(math.floor(ref_size * ref_scale / scale + float(offset or 0)))


def expected_output_shape(output: dict, inputs: list[dict], actual_inputs: dict[str, tuple[int, ...]],
                          batch: int) -> list[int | None]:
    """The output shape the description promises for the given input shapes (None: data dependent)."""
    by_id = {t["id"]: t for t in inputs}
    shape: list[int | None] = []
    for a in output["axes"]:
        size = a.get("size")
        if a.get("type") == "batch":
            shape.append(batch)
        elif a.get("type") == "channel" and size is None:
            shape.append(len(a.get("channel_names") or [0]))
        elif isinstance(size, int):
            shape.append(size)
        elif isinstance(size, dict) and "tensor_id" in size and size["tensor_id"] in by_id:
            ref_t = by_id[size["tensor_id"]]
            ref_axis = find_axis(by_id, size["tensor_id"], size["axis_id"])
            ref_size = actual_inputs[size["tensor_id"]][axis_ids(ref_t).index(size["axis_id"])]
            shape.append(reference_size(ref_size, axis_scale(ref_axis), axis_scale(a), size.get("offset", 0)))
        else:
            shape.append(None)
    return shape
