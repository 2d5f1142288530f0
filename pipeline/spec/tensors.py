"""Test tensor checks: `.npy` files load without pickle and fit the declared axes and dtypes (docs/format.md §4).

They read what one streamed pass over each file found (`base.npy.scan`: header, size, largest
value), never the arrays: six 512 MiB test tensors cost no more memory than one chunk.
"""

from __future__ import annotations

import math
from typing import Any

from pipeline.base import npy
from pipeline.spec.values import axis_id_of as axis_id
from pipeline.spec.files import TensorScan
from pipeline.spec.report import Issue, error

FLOAT_TYPES = {"float32", "float64"}
USELESS_RANGE = 1e-4


def as_list(value: Any) -> list:
    """value if it is a list, else an empty list (the structure check reports the rest)."""
    return value if isinstance(value, list) else []


def tensor_id(group: str, tensor: dict) -> str:
    """A 0.5 tensor's id, defaulted as the format defaults it."""
    value = tensor.get("id")
    return value if isinstance(value, str) else ("input" if group == "inputs" else "output")


def _dtype_ok(declared: Any, facts: npy.Facts) -> bool:
    if not isinstance(declared, str):
        return True
    if declared in FLOAT_TYPES:
        return facts.dtype.kind in "fiu"
    return facts.dtype.name == declared


def _content_issue(facts: npy.Facts, loc: list) -> list[Issue]:
    if facts.max_abs is not None and facts.max_abs <= USELESS_RANGE:
        return [error(loc, f"all values are within +-{USELESS_RANGE:g}; useless as a test tensor", "test_tensor")]
    return []


def _arrays(pairs: list[tuple[list, str]], scans: dict[str, TensorScan]) -> tuple[dict[int, npy.Facts], list[Issue]]:
    arrays, issues = {}, []
    for n, (loc, source) in enumerate(pairs):
        if source not in scans:
            continue
        scan = scans[source]
        if isinstance(scan, str):
            issues.append(error(loc, f"cannot load {source} as .npy without pickle: {scan}", "test_tensor"))
        else:
            arrays[n] = scan
    return arrays, issues


def check_tensors05(data: dict, raws: dict[str, TensorScan]) -> list[Issue]:
    """Shapes and dtypes of model 0.5 test tensors against axes, sizes and data."""
    entries = []  # (group, index, tensor, loc, source)
    for group in ("inputs", "outputs"):
        for i, tensor in enumerate(as_list(data.get(group))):
            test = tensor.get("test_tensor") if isinstance(tensor, dict) else None
            if isinstance(test, dict) and isinstance(test.get("source"), str):
                entries.append((group, i, tensor, [group, i, "test_tensor"], test["source"]))
    arrays, issues = _arrays([(e[3], e[4]) for e in entries], raws)
    shapes = {}
    for n, (group, _, tensor, _, _) in enumerate(entries):
        if n in arrays:
            axes = [a for a in as_list(tensor.get("axes")) if isinstance(a, dict)]
            shapes[tensor_id(group, tensor)] = {axis_id(a): (a, d) for a, d in zip(axes, arrays[n].shape)}
    for n, (group, i, tensor, loc, source) in enumerate(entries):
        if n in arrays:
            issues += _check05(tensor, arrays[n], shapes, loc)
    return issues


def _check05(tensor: dict, array: npy.Facts, shapes: dict, loc: list) -> list[Issue]:
    axes = [a for a in as_list(tensor.get("axes")) if isinstance(a, dict)]
    if array.ndim != len(axes):
        return [error(loc, f"test tensor has {array.ndim} dimensions, the tensor declares {len(axes)} axes", "shape")]
    issues = []
    for j, (axis, actual) in enumerate(zip(axes, array.shape)):
        problem = _size_problem(axis, actual, shapes)
        if problem:
            issues.append(error(loc, f"axis {axis_id(axis)!r} (index {j}) has size {actual}: {problem}", "shape"))
    descr = tensor.get("data")
    first = descr[0] if isinstance(descr, list) and descr else descr
    declared = first.get("type", "float32") if isinstance(first, dict) else "float32"
    if not _dtype_ok(declared, array):
        issues.append(error(loc, f"test tensor has dtype {array.dtype.name}, the tensor declares {declared}",
                            "dtype"))
    return issues + _content_issue(array, loc)


def _size_problem(axis: dict, actual: int, shapes: dict) -> str | None:
    size = axis.get("size")
    if axis.get("type") == "batch":
        return None if size is None or actual == size else f"expected {size}"
    if axis.get("type") == "channel" and isinstance(axis.get("channel_names"), list):
        size = len(axis["channel_names"])
    if isinstance(size, int) and not isinstance(size, bool):
        return None if actual == size else f"expected {size}"
    if not isinstance(size, dict):
        return None
    if "tensor_id" in size:
        ref_tensor, ref_axis = size.get("tensor_id"), size.get("axis_id")
        ref = shapes.get(ref_tensor, {}).get(ref_axis) if isinstance(ref_tensor, str) and \
            isinstance(ref_axis, str) else None
        if ref is None:
            return None
        ref_axis, ref_size = ref
        expected = math.floor(ref_size * _scale(ref_axis) / _scale(axis) + (size.get("offset") or 0))
        return None if actual == expected else f"expected {expected} from {size.get('tensor_id')}.{size.get('axis_id')}"
    lo, step, hi = size.get("min"), size.get("step"), size.get("max")
    if isinstance(lo, int) and isinstance(step, int):
        ok = actual == lo if step == 0 else actual >= lo and (actual - lo) % step == 0
        return None if ok else f"expected {lo} + n*{step}"
    if isinstance(lo, int) and actual < lo or isinstance(hi, int) and actual > hi:
        return f"expected between {lo} and {hi}"
    return None


def _scale(axis: dict) -> float:
    value = axis.get("scale")
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 else 1.0


def check_tensors04(data: dict, raws: dict[str, TensorScan]) -> list[Issue]:
    """Shapes and dtypes of model 0.4 test tensors against axes, shapes and data types."""
    issues = []
    named: dict[str, tuple] = {}
    for group, key in (("inputs", "test_inputs"), ("outputs", "test_outputs")):
        tensors, files = as_list(data.get(group)), as_list(data.get(key))
        pairs = [([key, n], f) for n, f in enumerate(files) if isinstance(f, str)]
        arrays, load_issues = _arrays(pairs, raws)
        issues += load_issues
        for n, tensor in enumerate(tensors):
            if n in arrays and isinstance(tensor, dict):
                issues += _check04(tensor, arrays[n], named, [key, n])
    return issues


def _check04(tensor: dict, array: npy.Facts, named: dict, loc: list) -> list[Issue]:
    axes = tensor.get("axes") if isinstance(tensor.get("axes"), str) else ""
    if isinstance(tensor.get("name"), str):
        named[tensor["name"]] = array.shape
    if array.ndim != len(axes):
        return [error(loc, f"test tensor has {array.ndim} dimensions, axes '{axes}' declare {len(axes)}", "shape")]
    issues = []
    shape = tensor.get("shape")
    expected = _expected04(shape, named)
    for j, actual in enumerate(array.shape):
        problem = expected(j, actual) if expected else None
        if problem:
            issues.append(error(loc, f"axis '{axes[j]}' (index {j}) has size {actual}: {problem}", "shape"))
    if not _dtype_ok(tensor.get("data_type"), array):
        issues.append(error(loc, f"test tensor has dtype {array.dtype.name}, data_type is {tensor.get('data_type')}",
                            "dtype"))
    return issues + _content_issue(array, loc)


def _expected04(shape: Any, named: dict):
    def at(values: Any, j: int) -> Any:
        return values[j] if isinstance(values, list) and j < len(values) else None

    if isinstance(shape, list):
        return lambda j, n: None if at(shape, j) in (None, n) else f"expected {at(shape, j)}"
    if not isinstance(shape, dict):
        return None
    if "min" in shape:
        def param(j: int, n: int) -> str | None:
            lo, step = at(shape.get("min"), j), at(shape.get("step"), j)
            if not isinstance(lo, int) or not isinstance(step, int):
                return None
            ok = n == lo if step == 0 else n >= lo and (n - lo) % step == 0
            return None if ok else f"expected {lo} + n*{step}"
        return param
    ref_name = shape.get("reference_tensor")
    ref_shape = named.get(ref_name) if isinstance(ref_name, str) else None

    def implicit(j: int, n: int) -> str | None:
        scale, offset = at(shape.get("scale"), j), at(shape.get("offset"), j)
        if ref_shape is None or j >= len(ref_shape) or not isinstance(offset, (int, float)):
            return None
        want = (ref_shape[j] * scale if isinstance(scale, (int, float)) else 0) + 2 * offset
        return None if math.isclose(n, want) else f"expected {want:g} from {shape.get('reference_tensor')}"
    return implicit
