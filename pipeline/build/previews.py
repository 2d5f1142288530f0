"""PNG previews of a model's test tensors, so a page can show what the model does.

Each tensor becomes one 2D picture: batch/time/index axes take their first entry, extra space
axes (z) are max-projected, one channel is grey, two or three are colour (R, G[, B]), more
show the first three; every channel is stretched between its 1st and 99.8th percentile.
"""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np
from PIL import Image

from pipeline.errors import BadInput
from pipeline.base import npy

MiB = 1024 * 1024
MAX_TENSOR_BYTES = 64 * MiB  # previews are for small test tensors; larger ones are skipped
MAX_SIDE = 512
MIN_SIDE = 128  # tiny test tensors are enlarged (nearest neighbour) so pixels stay visible
LOW, HIGH = 1.0, 99.8


def tensor_previews(loaded: Any) -> dict[str, bytes]:
    """File name (`input-raw.png`, `output-mask.png`) -> PNG bytes, one per readable test tensor."""
    from pipeline.spec import normalized_model

    if loaded.data.get("type") != "model":
        return {}
    try:
        model = normalized_model(loaded.data)
    except (BadInput, ValueError, KeyError, TypeError):
        return {}
    previews: dict[str, bytes] = {}
    for kind, key in (("input", "inputs"), ("output", "outputs")):
        for index, tensor in enumerate(model.get(key) or []):
            source = (tensor.get("test_tensor") or {}).get("source") if isinstance(tensor, dict) else None
            if not isinstance(source, str):
                continue
            name = f"{kind}-{_safe(tensor.get('id'), index)}.png"
            try:
                array = _load(loaded, source)
                previews[name] = to_png(array, [a.get("type", "") for a in tensor.get("axes", [])
                                               if isinstance(a, dict)])
            except (BadInput, ValueError, OSError):
                continue  # a preview is decoration: an unreadable tensor is reported by validation
    return previews


def _safe(value: Any, index: int) -> str:
    text = re.sub(r"[^A-Za-z0-9_-]+", "_", str(value or "")).strip("_")[:64]
    return text or f"tensor{index}"


def _load(loaded: Any, source: str) -> np.ndarray:
    data = loaded.root.read_bytes(source, max_bytes=MAX_TENSOR_BYTES)
    try:
        array = npy.loads(data, max_bytes=MAX_TENSOR_BYTES)  # checks the header before allocating
    except (ValueError, OSError, EOFError) as e:
        raise BadInput(f"not a readable .npy file ({e})", source=source) from None
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "biuf" or array.size == 0:
        raise BadInput(f"cannot preview a {getattr(array, 'dtype', '?')} tensor", source=source)
    return array


def to_2d(array: np.ndarray, axis_types: list[str]) -> np.ndarray:
    """Reduce a tensor to (y, x, c) with c in 1..3 following its declared axis types."""
    if len(axis_types) != array.ndim:
        axis_types = ["batch"] * (array.ndim - 2) + ["space", "space"]  # unknown layout: last two are y, x
    array = array.astype(np.float32, copy=False)
    space = [i for i, t in enumerate(axis_types) if t == "space"]
    channel = next((i for i, t in enumerate(axis_types) if t == "channel"), None)
    if len(space) < 2:
        raise ValueError("a preview needs two space axes")
    y, x = space[-2], space[-1]
    keep = [i for i in (y, x, channel) if i is not None]
    for axis in sorted((i for i in range(array.ndim) if i not in keep), reverse=True):
        if axis_types[axis] == "space":
            array = array.max(axis=axis)  # z: maximum projection
        else:
            array = np.take(array, 0, axis=axis)  # batch, time, index: the first entry
        keep = [k - 1 if k > axis else k for k in keep]
    order = keep if len(keep) == 3 else keep + [array.ndim]
    if len(keep) == 2:
        array = array[..., np.newaxis]
    array = np.transpose(array, order[:3])
    return array[..., :3]


def _stretch(channel: np.ndarray) -> np.ndarray:
    finite = channel[np.isfinite(channel)]
    if finite.size == 0:
        return np.zeros(channel.shape, np.uint8)
    low, high = np.percentile(finite, [LOW, HIGH])
    if high <= low:
        return np.full(channel.shape, 0 if high == 0 else 255, np.uint8)
    scaled = (np.nan_to_num(channel, nan=low) - low) / (high - low)
    return (np.clip(scaled, 0, 1) * 255).round().astype(np.uint8)


def to_png(array: np.ndarray, axis_types: list[str]) -> bytes:
    """The tensor as a PNG (grey or RGB) of at most MAX_SIDE pixels per side."""
    plane = to_2d(array, axis_types)
    channels = [_stretch(plane[..., c]) for c in range(plane.shape[-1])]
    if len(channels) == 1:
        image = Image.fromarray(channels[0], mode="L")
    else:
        while len(channels) < 3:
            channels.append(np.zeros_like(channels[0]))
        image = Image.fromarray(np.stack(channels, axis=-1), mode="RGB")
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    elif max(image.size) < MIN_SIDE:
        factor = -(-MIN_SIDE // max(image.size))
        image = image.resize((image.width * factor, image.height * factor), Image.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
