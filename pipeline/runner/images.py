"""Read and write the images `zoo predict` works on: .npy (no pickle), .tif/.tiff, .png, .jpg/.jpeg.

Every reader checks the size its header claims before anything is allocated. The file's axes come
from `--axes`, else from the file (TIFF series axes, RGB samples of PNG/JPEG), else the model's
order is assumed; they are then mapped onto the model's axes, adding size-1 batch/channel axes and
dropping size-1 axes the model lacks. Runs in the worker: numpy, tifffile and Pillow only.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.base import npy
from pipeline.runner.axes import axis_ids

MAX_IMAGE_ELEMENTS = 2**30  # 32768 x 32768: larger images are refused from the header alone
MAX_IMAGE_BYTES = 4 * 1024**3
SINGLETON_TYPES = ("batch", "channel", "index", "time")
READABLE = (".npy", ".tif", ".tiff", ".png", ".jpg", ".jpeg")
# file axis letters (ours, tifffile's) -> model axis ids; S = samples per pixel (RGB), I/Q = unknown
LETTERS = {"b": "batch", "c": "channel", "s": "channel", "t": "time", "z": "z", "y": "y", "x": "x", "i": "index"}


class ImageError(ValueError):
    """An input image that cannot be read, is too large, or does not fit the model's axes."""


def _check_claim(name: str, shape: tuple[int, ...], itemsize: int) -> None:
    elements = math.prod(shape)
    if elements > MAX_IMAGE_ELEMENTS or elements * itemsize > MAX_IMAGE_BYTES:
        raise ImageError(f"{name}: its header claims {' x '.join(map(str, shape))} values "
                         f"({elements * itemsize} bytes), more than the limit of {MAX_IMAGE_ELEMENTS} values "
                         f"or {MAX_IMAGE_BYTES} bytes")


def _read_npy(path: Path) -> tuple[np.ndarray, str | None]:
    try:
        with path.open("rb") as f:
            shape, _, dtype = npy.header(f)
            offset = f.tell()
    except npy.NpyError as e:
        raise ImageError(f"{path.name}: {e}") from None
    if dtype.hasobject:
        raise ImageError(f"{path.name}: dtype {dtype} holds Python objects (would need pickle)")
    _check_claim(path.name, shape, dtype.itemsize)
    if path.stat().st_size - offset < npy.declared_bytes(shape, dtype):
        raise ImageError(f"{path.name}: the header declares {shape} {dtype}, the file holds less data")
    # memory-mapped: only the parts that are read come into memory
    return np.load(path, mmap_mode="r", allow_pickle=False), None


def _read_tiff(path: Path) -> tuple[np.ndarray, str | None]:
    import tifffile

    try:
        with tifffile.TiffFile(path) as tif:
            if not tif.series:
                raise ImageError(f"{path.name}: the TIFF holds no image")
            series = tif.series[0]
            _check_claim(path.name, tuple(series.shape), series.dtype.itemsize)
            return series.asarray(), str(series.axes)
    except ImageError:
        raise
    except Exception as e:  # tifffile raises many types for broken files
        raise ImageError(f"{path.name} is not a readable TIFF ({type(e).__name__}: {e})") from None


def _read_pil(path: Path) -> tuple[np.ndarray, str | None]:
    from PIL import Image

    from pipeline.base.images import ImageRefused, open_image

    try:
        with open_image(path, max_pixels=MAX_IMAGE_ELEMENTS) as im:
            bands = len(im.getbands())
            _check_claim(path.name, (im.size[1], im.size[0], bands), 2 if im.mode.startswith("I;16") else 4)
            if im.mode in ("P", "PA"):
                im = im.convert("RGBA" if "transparency" in im.info or im.mode == "PA" else "RGB")
            arr = np.asarray(im)
    except ImageError:
        raise
    except ImageRefused as e:
        raise ImageError(f"{path.name}: {e}") from None
    except Image.DecompressionBombError as e:  # Pillow's own check on the header, before any pixel is read
        raise ImageError(f"{path.name}: its header claims more pixels than allowed ({e})") from None
    except Exception as e:  # Pillow raises many types for hostile files
        raise ImageError(f"{path.name} is not a readable image ({type(e).__name__}: {e})") from None
    return arr, "yx" if arr.ndim == 2 else "yxs"


def read_file(path: Path) -> tuple[np.ndarray, str | None]:
    """The array in a file and its axes as far as the file says (lower-case letters, or None)."""
    suffix = path.suffix.lower()
    readers = {".npy": _read_npy, ".tif": _read_tiff, ".tiff": _read_tiff, ".png": _read_pil,
               ".jpg": _read_pil, ".jpeg": _read_pil}
    if suffix not in readers:
        raise ImageError(f"{path.name}: inputs must be {', '.join(READABLE)}")
    arr, axes = readers[suffix](path)
    if arr.dtype.kind not in "biuf":
        raise ImageError(f"{path.name} holds dtype {arr.dtype}, not numbers")
    return arr, axes.lower() if axes else None


def _expected(tensor: dict[str, Any]) -> str:
    return "(" + ", ".join(axis_ids(tensor)) + ")"


def _file_ids(letters: str, name: str, source: str) -> list[str] | None:
    """Model axis ids for file axis letters; None when the letters include unknown ones (I, Q, ...)."""
    ids = []
    for c in letters:
        if c not in LETTERS:
            if source == "--axes":
                raise ImageError(f"{name}: --axes letter {c!r} is not one of {''.join(LETTERS)}")
            return None
        ids.append(LETTERS[c])
    if len(set(ids)) != len(ids):
        if source == "--axes":
            raise ImageError(f"{name}: --axes {letters!r} names an axis twice")
        return None
    return ids


def _guess_ids(arr: np.ndarray, tensor: dict[str, Any]) -> list[str]:
    """No axes known: the model's axes in order, leaving out size-1 batch/channel axes the array lacks."""
    ids = axis_ids(tensor)
    drop = len(ids) - arr.ndim
    out = []
    for a, aid in zip(tensor["axes"], ids):
        if drop > 0 and a.get("type") in SINGLETON_TYPES and _declared_one(a):
            drop -= 1
            continue
        out.append(aid)
    return out


def _declared_one(axis: dict[str, Any]) -> bool:
    if axis.get("type") == "channel":
        return len(axis.get("channel_names") or [0]) == 1
    return axis.get("type") != "index" or axis.get("size") in (None, 1)


def fit_to_model(arr: np.ndarray, file_axes: str | None, tensor: dict[str, Any], name: str,
                 user_axes: str | None = None) -> np.ndarray:
    """The array transposed and expanded onto the tensor's axes."""
    model = axis_ids(tensor)
    letters = (user_axes or "").lower() or file_axes
    source = "--axes" if user_axes else "the file"
    ids = _file_ids(letters, name, source) if letters else None
    if ids is None and letters and len(letters) == arr.ndim and user_axes is None:
        ids = None  # the file names axes we cannot place: fall back to the model's order
    if ids is None:
        ids = _guess_ids(arr, tensor)
        source = "the model's order (no axes known; use --axes)"
    if len(ids) != arr.ndim:
        raise ImageError(f"{name}: an array of shape {arr.shape} cannot be read as axes ({', '.join(ids)}) "
                         f"from {source}; the model expects {_expected(tensor)}; say which axes the file has "
                         f"with --axes (letters of bctzyx)")
    for k in sorted(range(arr.ndim), reverse=True):  # size-1 axes the model has no place for go away
        if ids[k] not in model and arr.shape[k] == 1:
            arr = arr.squeeze(axis=k)
            ids = ids[:k] + ids[k + 1:]
    extra = [f"{i} ({arr.shape[k]})" for k, i in enumerate(ids) if i not in model]
    if extra:
        raise ImageError(f"{name}: the file's axes {', '.join(extra)} (read from {source}) are not axes of the "
                         f"model, which expects {_expected(tensor)}")
    order, shape_ids = [], []
    for aid in model:
        if aid in ids:
            order.append(ids.index(aid))
            shape_ids.append(aid)
    arr = np.transpose(arr, order) if order != sorted(order) else arr
    for k, (a, aid) in enumerate(zip(tensor["axes"], model)):
        if aid in shape_ids:
            continue
        if a.get("type") not in SINGLETON_TYPES:
            raise ImageError(f"{name}: the file has no {aid!r} axis (read as ({', '.join(ids)}) from {source}); "
                             f"the model expects {_expected(tensor)}")
        arr = np.expand_dims(arr, k)
    return arr


def read_image(path: Path, tensor: dict[str, Any], user_axes: str | None = None) -> np.ndarray:
    """An image file mapped onto the tensor's axes."""
    arr, file_axes = read_file(path)
    return fit_to_model(arr, file_axes, tensor, f"input {tensor['id']!r} ({path.name})", user_axes)


def tiff_axes(tensor: dict[str, Any]) -> str:
    """Axis letters for a TIFF written from this tensor (tifffile's letters; batch and index as Q)."""
    letters = {"batch": "Q", "channel": "C", "time": "T", "index": "Q", "z": "Z", "y": "Y", "x": "X"}
    return "".join(letters.get(i, "Q") for i in axis_ids(tensor))


def write_image(path: Path, arr: np.ndarray, tensor: dict[str, Any] | None = None) -> None:
    """Write .npy (no pickle) or .tif; the file is replaced atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    if arr.dtype == bool:
        arr = arr.astype(np.uint8)  # TIFF has no bool samples; keep .npy consistent with it
    if path.suffix.lower() in (".tif", ".tiff"):
        import tifffile

        metadata = {"axes": tiff_axes(tensor)} if tensor is not None else {}
        tifffile.imwrite(tmp, arr, photometric="minisblack", metadata=metadata)
    else:
        with tmp.open("wb") as f:
            np.save(f, arr, allow_pickle=False)
    tmp.replace(path)
