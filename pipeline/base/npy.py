""".npy reading that trusts nothing in the file: the header is checked before any allocation.

numpy allocates the whole array its header declares before reading the data, so a 100-byte
file claiming 10^10 elements asks for tens of GB; and object dtypes would unpickle. Both are
refused here from the header alone. Only numpy is imported: the worker uses this in per-model
environments.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np
from numpy.lib import format as npformat

MAX_HEADER_BYTES = 10_000  # numpy's own default cap on header length


class NpyError(ValueError):
    """A .npy file that is malformed, pickled, or larger than allowed."""


def _header(f: io.BufferedIOBase) -> tuple[tuple[int, ...], bool, np.dtype]:
    try:
        version = npformat.read_magic(f)
        if version == (1, 0):
            return npformat.read_array_header_1_0(f, max_header_size=MAX_HEADER_BYTES)
        if version in ((2, 0), (3, 0)):
            return npformat.read_array_header_2_0(f, max_header_size=MAX_HEADER_BYTES)
    except (ValueError, EOFError, SyntaxError, TypeError) as e:
        raise NpyError(f"not a valid .npy header ({e})") from None
    raise NpyError(f"unsupported .npy format version {version}")


def header(f: io.BufferedIOBase) -> tuple[tuple[int, ...], bool, np.dtype]:
    """(shape, fortran_order, dtype) from an open .npy file, leaving it at the start of the data."""
    return _header(f)


def declared_bytes(shape: tuple[int, ...], dtype: np.dtype) -> int:
    """Bytes of data a header declares (exact Python integers, no overflow)."""
    return math.prod(shape) * dtype.itemsize


def _check(shape: tuple[int, ...], dtype: np.dtype, max_bytes: int, have: int) -> None:
    if any(d < 0 for d in shape):
        raise NpyError(f"not a valid .npy header (negative dimension in shape {shape})")
    if dtype.hasobject:
        raise NpyError(f"dtype {dtype} holds Python objects (would need pickle)")
    need = declared_bytes(shape, dtype)
    if need > max_bytes:
        raise NpyError(f"header declares shape {shape} of {dtype} = {need} bytes, more than the limit of {max_bytes}")
    if have < need:
        raise NpyError(f"header declares shape {shape} of {dtype} = {need} bytes, but the file holds only {have}")


def open_mapped(path: Path, *, max_bytes: int) -> np.ndarray:
    """A read-only memory map of a .npy file, checked like `loads`: its size never counts as memory."""
    with open(path, "rb") as f:
        shape, _, dtype = _header(f)
        _check(shape, dtype, max_bytes, os.fstat(f.fileno()).st_size - f.tell())
    if math.prod(shape) == 0:
        return np.zeros(shape, dtype)  # numpy cannot map an empty file region
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise NpyError(str(e)) from None


def loads(raw: bytes, *, max_bytes: int) -> np.ndarray:
    """An array from .npy bytes: no pickle, the data really present, at most `max_bytes` of it."""
    f = io.BytesIO(raw)
    shape, _, dtype = _header(f)
    _check(shape, dtype, max_bytes, len(raw) - f.tell())
    try:
        array = np.load(io.BytesIO(raw), allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise NpyError(str(e)) from None
    if not isinstance(array, np.ndarray):
        raise NpyError("not a single .npy array")
    return array


@dataclass(frozen=True)
class Facts:
    """What checks need of a .npy file, gathered in one streamed pass (memory: one chunk)."""

    shape: tuple[int, ...]
    dtype: np.dtype
    max_abs: float | None  # the largest absolute finite value of a numeric array; None if it has none

    @property
    def ndim(self) -> int:
        return len(self.shape)


def scan(chunks: Iterable[bytes], *, max_bytes: int) -> Facts:
    """Header, size and largest value of a .npy file given as a stream of byte pieces; NpyError as
    `loads` would raise it. Never holds more than one piece and one header in memory."""
    stream = iter(chunks)
    head = b""
    for piece in stream:
        head += piece
        if len(head) >= 12 + MAX_HEADER_BYTES:
            break
    f = io.BytesIO(head)
    shape, _, dtype = _header(f)
    need = declared_bytes(shape, dtype)
    _check(shape, dtype, max_bytes, need)  # the length is checked after the stream ends
    numeric = dtype.kind in "iuf"
    largest: float | None = None
    have, rest = 0, b""
    for piece in _then(head[f.tell():], stream):
        used = piece[:max(0, need - have)]  # bytes past the declared data are not part of the array
        have += len(piece)
        if not numeric or not used:
            continue
        data = rest + used
        usable = len(data) - len(data) % dtype.itemsize
        rest = data[usable:]
        values = np.frombuffer(data[:usable], dtype=dtype)
        if values.size:
            largest = _max_abs(values, largest)
    if have < need:
        raise NpyError(f"header declares shape {shape} of {dtype} = {need} bytes, but the file holds only {have}")
    return Facts(tuple(shape), dtype, largest)


def _then(first: bytes, rest: Iterable[bytes]) -> Iterable[bytes]:
    if first:
        yield first
    yield from rest


def _max_abs(values: np.ndarray, largest: float | None) -> float | None:
    if values.dtype.kind == "f":
        values = values[np.isfinite(values)]
    if not values.size:
        return largest
    here = float(max(abs(float(values.max())), abs(float(values.min()))))
    return here if largest is None else max(largest, here)
