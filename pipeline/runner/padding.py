"""Blocks cut from a virtually padded array: only the block is ever materialised, never the padded image.

The index arithmetic reproduces numpy.pad for every mode the format names (constant, edge, reflect,
symmetric), including pads wider than the array. Only numpy is imported: the worker uses this.
"""

from __future__ import annotations

from typing import Any

import numpy as np

PAD_MODES = ("constant", "edge", "reflect", "symmetric")
DEFAULT_PAD = {"mode": "symmetric"}  # what the reference runner uses when an input declares no `pad`


def source_indices(start: int, length: int, size: int, mode: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Indices into an axis of `size` for virtual positions start..start+length-1, and the mask of
    positions outside the array (only for constant padding, else None)."""
    pos = np.arange(start, start + length)
    outside = (pos < 0) | (pos >= size)
    if mode == "constant":
        return np.clip(pos, 0, size - 1), outside if outside.any() else None
    if mode == "edge" or size == 1:
        return np.clip(pos, 0, size - 1), None
    if mode == "reflect":
        period = 2 * (size - 1)
        r = np.mod(pos, period)
        return np.where(r < size, r, period - r), None
    if mode == "symmetric":
        period = 2 * size
        r = np.mod(pos, period)
        return np.where(r < size, r, period - 1 - r), None
    raise ValueError(f"unknown padding mode {mode!r} (expected one of {', '.join(PAD_MODES)})")


def cut(x: np.ndarray, windows: dict[int, tuple[int, int]], pad: dict[str, Any]) -> np.ndarray:
    """The block of `x` at `windows` {axis: (start, length)} in padded coordinates; other axes whole."""
    mode = str(pad.get("mode") or "symmetric")
    block = x
    masks = []
    for axis, (start, length) in sorted(windows.items()):
        if start >= 0 and start + length <= x.shape[axis]:
            block = block[(slice(None),) * axis + (slice(start, start + length),)]
            continue
        idx, outside = source_indices(start, length, x.shape[axis], mode)
        block = np.take(block, idx, axis=axis)
        if outside is not None:
            masks.append((axis, outside))
    if masks:
        block = np.array(block, copy=True)
        value = pad.get("value", 0)
        for axis, outside in masks:
            sel = [slice(None)] * block.ndim
            sel[axis] = outside
            block[tuple(sel)] = value
    return np.ascontiguousarray(block)
