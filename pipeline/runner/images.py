"""Read and write the images `zoo predict` works on: .npy (no pickle) and .tif via tifffile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from pipeline.runner.axes import axis_ids
from pipeline.runner.execute import TensorError, load_npy

MAX_IMAGE_BYTES = 4 * 1024**3
SINGLETON_TYPES = ("batch", "channel", "index", "time")


def read_image(path: Path, tensor: dict[str, Any]) -> np.ndarray:
    """An image mapped onto the tensor's axes; missing batch/channel axes are added as size 1."""
    suffix = path.suffix.lower()
    if suffix == ".npy":
        arr = load_npy(path, f"input {tensor['id']!r}")
    elif suffix in (".tif", ".tiff"):
        import tifffile

        if path.stat().st_size > MAX_IMAGE_BYTES:
            raise TensorError(f"{path.name} is larger than {MAX_IMAGE_BYTES} bytes")
        try:
            arr = tifffile.imread(path)
        except Exception as e:
            raise TensorError(f"{path.name} is not a readable TIFF ({e})") from None
    else:
        raise TensorError(f"{path.name}: only .npy and .tif inputs are supported")
    return add_singletons(np.asarray(arr), tensor)


def add_singletons(arr: np.ndarray, tensor: dict[str, Any]) -> np.ndarray:
    """Insert size-1 axes for declared batch/channel/index/time axes the array lacks (left to right)."""
    axes = tensor["axes"]
    missing = len(axes) - arr.ndim
    if missing < 0:
        raise TensorError(f"input {tensor['id']!r}: {arr.ndim}-D array for axes {axis_ids(tensor)}")
    for k, a in enumerate(axes):
        if missing == 0:
            break
        if a.get("type") in SINGLETON_TYPES and arr.ndim < len(axes):
            arr = np.expand_dims(arr, k)
            missing -= 1
    if arr.ndim != len(axes):
        raise TensorError(f"input {tensor['id']!r}: array of shape {arr.shape} does not fit axes {axis_ids(tensor)}")
    return arr


def write_image(path: Path, arr: np.ndarray) -> None:
    """Write .npy (no pickle) or .tif; the file is replaced atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    if arr.dtype == bool:
        arr = arr.astype(np.uint8)  # TIFF has no bool samples; keep .npy consistent with it
    if path.suffix.lower() in (".tif", ".tiff"):
        import tifffile

        tifffile.imwrite(tmp, arr, photometric="minisblack")
    else:
        with tmp.open("wb") as f:
            np.save(f, arr, allow_pickle=False)
    tmp.replace(path)
