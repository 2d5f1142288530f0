"""Model 0.4 rules beyond the schema: names, shapes, halos, ops, test files, weights (FORMAT.md §3)."""

from __future__ import annotations

import re
from typing import Any, Iterator

from pipeline.spec.load import is_rdf_name
from pipeline.spec.report import Issue, error, warning
from pipeline.spec.rules_common import as_list

_ARCH_FILE = re.compile(r"^[^:]+\.py:[A-Za-z_][A-Za-z0-9_]*$")
_ARCH_IMPORT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")


def tensors04(data: dict) -> Iterator[tuple[str, int, dict]]:
    """(group, index, tensor) for every well-formed input and output."""
    for group in ("inputs", "outputs"):
        for i, tensor in enumerate(as_list(data.get(group))):
            if isinstance(tensor, dict):
                yield group, i, tensor


def _axes(tensor: dict) -> str:
    axes = tensor.get("axes")
    return axes if isinstance(axes, str) else ""


def check_names_and_axes(data: dict) -> list[Issue]:
    """Tensor names unique across inputs and outputs; axis letters unique per tensor."""
    issues, seen = [], set()
    for group, i, tensor in tensors04(data):
        name = tensor.get("name")
        if isinstance(name, str):
            if name in seen:
                issues.append(error([group, i, "name"], f"duplicate tensor name {name!r}", "duplicate_id"))
            seen.add(name)
        axes = _axes(tensor)
        repeated = sorted({a for a in axes if axes.count(a) > 1})
        if repeated:
            issues.append(error([group, i, "axes"], f"axis letters must be unique, repeated: {''.join(repeated)}",
                                "axes"))
    return issues


def _length_issue(loc: list, values: Any, axes: str) -> list[Issue]:
    if isinstance(values, list) and axes and len(values) != len(axes):
        return [error(loc, f"expected {len(axes)} values (one per axis of '{axes}'), got {len(values)}", "shape")]
    return []


def min_shape(tensors: dict[str, dict], name: str, depth: int = 0) -> list[float] | None:
    """Smallest valid shape of the named tensor, following output references; None if unknown."""
    tensor = tensors.get(name) if isinstance(name, str) else None
    if tensor is None or depth > 4:
        return None
    shape = tensor.get("shape")
    if isinstance(shape, list):
        return shape if all(isinstance(s, int) for s in shape) else None
    if not isinstance(shape, dict):
        return None
    if "min" in shape:
        return shape["min"] if isinstance(shape["min"], list) else None
    ref = min_shape(tensors, shape.get("reference_tensor"), depth + 1)
    scale, offset = shape.get("scale"), shape.get("offset")
    if ref is None or not isinstance(scale, list) or not isinstance(offset, list) \
            or not len(ref) == len(scale) == len(offset):
        return None
    try:
        return [(r * s if s is not None else 0) + 2 * o for r, s, o in zip(ref, scale, offset)]
    except TypeError:
        return None


def check_shapes(data: dict) -> list[Issue]:
    """Shape, scale, offset and halo lengths fit the axes; references exist; halos leave output."""
    issues = []
    by_name = {t.get("name"): t for _, _, t in tensors04(data) if isinstance(t.get("name"), str)}
    for group, i, tensor in tensors04(data):
        axes, shape, loc = _axes(tensor), tensor.get("shape"), [group, i, "shape"]
        issues += _length_issue(loc, shape, axes)
        if isinstance(shape, dict):
            for key in ("min", "step", "scale", "offset"):
                issues += _length_issue(loc + [key], shape.get(key), axes)
            ref = shape.get("reference_tensor")
            if isinstance(ref, str) and ref not in by_name:
                issues.append(error(loc + ["reference_tensor"], f"unknown tensor {ref!r}", "reference_tensor"))
            issues += _batch_issues(group, axes, shape, loc)
            for k, offset in enumerate(as_list(shape.get("offset"))):
                if isinstance(offset, (int, float)) and not float(2 * offset).is_integer():
                    issues.append(error(loc + ["offset", k], f"expected a multiple of 0.5, got {offset}", "shape"))
        elif isinstance(shape, list):
            issues += _batch_issues(group, axes, shape, loc)
        halo = tensor.get("halo")
        issues += _length_issue([group, i, "halo"], halo, axes)
        if isinstance(halo, list) and group == "outputs":
            issues += _check_halo(by_name, tensor, halo, [group, i, "halo"])
    return issues


def _batch_issues(group: str, axes: str, shape: Any, loc: list) -> list[Issue]:
    """A 0.4 input's batch axis has size 1 (explicit shapes, `min`) and step 0."""
    if group != "inputs" or "b" not in axes:
        return []
    k = axes.index("b")
    checks = [([], shape, 1)] if isinstance(shape, list) else [(["min"], shape.get("min"), 1),
                                                               (["step"], shape.get("step"), 0)]
    for sub, values, expected in checks:
        if isinstance(values, list) and len(values) == len(axes) and values[k] != expected:
            return [error(loc + sub + [k], f"the batch axis must have {'step' if sub == ['step'] else 'size'} "
                          f"{expected}, got {values[k]}", "shape")]
    return []


def _check_halo(by_name: dict, tensor: dict, halo: list, loc: list) -> list[Issue]:
    smallest = min_shape(by_name, tensor.get("name"))
    if smallest is None or len(smallest) != len(halo):
        return []
    for k, (size, h) in enumerate(zip(smallest, halo)):
        if isinstance(h, int) and h > 0 and size - 2 * h < 1:
            return [error(loc + [k], f"halo {h} leaves nothing of the smallest output size {size:g} "
                          f"(size - 2*halo must be >= 1)", "halo")]
    return []


def check_processing04(data: dict) -> list[Issue]:
    """Op axes are letters of the tensor; zero_mean_unit_variance mean/std iff fixed; references."""
    issues = []
    input_names = {t["name"] for g, _, t in tensors04(data) if g == "inputs" and isinstance(t.get("name"), str)}
    for group, i, tensor in tensors04(data):
        key = "preprocessing" if group == "inputs" else "postprocessing"
        for k, step in enumerate(as_list(tensor.get(key))):
            if isinstance(step, dict) and isinstance(step.get("kwargs"), dict):
                loc = [group, i, key, k, "kwargs"]
                allowed = input_names - {tensor.get("name") if isinstance(tensor.get("name"), str) else ""} \
                    if group == "inputs" else input_names
                issues += _check_op04(step.get("name"), step["kwargs"], _axes(tensor), allowed, loc)
    return issues


def _check_op04(op: Any, kwargs: dict, axes: str, refs: set, loc: list) -> list[Issue]:
    issues = []
    op_axes = kwargs.get("axes")
    if isinstance(op_axes, str):
        missing = sorted({a for a in op_axes if a not in axes})
        if missing:
            issues.append(error(loc + ["axes"], f"the tensor has no axes {''.join(missing)!r} (axes: {axes!r})",
                                "processing_axes"))
    if op == "zero_mean_unit_variance":
        fixed = kwargs.get("mode", "fixed") == "fixed"
        for key in ("mean", "std"):
            if fixed and key not in kwargs:
                issues.append(error(loc + [key], f"field required when mode is fixed", "missing"))
            if not fixed and key in kwargs:
                issues.append(error(loc + [key], f"only allowed when mode is fixed", "processing_kwargs"))
    if op == "scale_range":
        lo, hi = kwargs.get("min_percentile", 0), kwargs.get("max_percentile", 100)
        if isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and lo >= hi:
            issues.append(error(loc + ["max_percentile"], f"expected max_percentile > min_percentile ({lo}), "
                                f"got {hi}", "processing_kwargs"))
    if op == "clip" and isinstance(kwargs.get("min"), (int, float)) and isinstance(kwargs.get("max"), (int, float)) \
            and kwargs["min"] >= kwargs["max"]:
        issues.append(error(loc + ["max"], f"expected max > min ({kwargs['min']}), got {kwargs['max']}",
                            "processing_kwargs"))
    if op == "scale_linear" and kwargs.get("gain", 1) in (1, [1]) and kwargs.get("offset", 0) in (0, [0]):
        issues.append(error(loc, "scale_linear with gain 1 and offset 0 does nothing", "processing_kwargs"))
    ref = kwargs.get("reference_tensor")
    if isinstance(ref, str) and ref not in refs:
        issues.append(error(loc + ["reference_tensor"], f"expected the name of another input, got {ref!r}",
                            "reference_tensor"))
    return issues


def check_tests04(data: dict) -> list[Issue]:
    """One .npy test input per input and test output per output, in order."""
    issues = []
    for group, key in (("inputs", "test_inputs"), ("outputs", "test_outputs")):
        files, tensors = data.get(key), data.get(group)
        if isinstance(files, list) and isinstance(tensors, list) and len(files) != len(tensors):
            issues.append(error([key], f"expected {len(tensors)} file(s), one per {group[:-1]}, got {len(files)}",
                                "test_tensors"))
        for n, name in enumerate(as_list(files)):
            if isinstance(name, str) and not name.lower().endswith(".npy"):
                issues.append(error([key, n], f"expected a .npy file, got {name!r}", "test_tensor"))
    return issues


def check_weights04(data: dict) -> list[Issue]:
    """Parents exist; architecture strings have a valid form and file architectures a sha256."""
    weights = data.get("weights")
    issues: list[Issue] = []
    if not isinstance(weights, dict):
        return issues
    for fmt, entry in weights.items():
        if not isinstance(entry, dict):
            continue
        parent = entry.get("parent")
        if isinstance(parent, str) and parent not in weights:
            issues.append(error(["weights", fmt, "parent"], f"parent {parent!r} is not among the weights",
                                "weights_parent"))
        if isinstance(entry.get("source"), str) and is_rdf_name(entry["source"]):
            issues.append(error(["weights", fmt, "source"], f"{entry['source']!r} is an RDF file name, not weights",
                                "weights_source"))
        arch = entry.get("architecture")
        if isinstance(arch, str):
            if _ARCH_FILE.match(arch):
                if "architecture_sha256" not in entry:
                    issues.append(error(["weights", fmt, "architecture_sha256"],
                                        "field required for an architecture from a file", "missing"))
            elif not _ARCH_IMPORT.match(arch):
                issues.append(error(["weights", fmt, "architecture"],
                                    f"expected 'file.py:Callable' or 'package.module.Callable', got {arch!r}",
                                    "architecture"))
    return issues


def check_test_kwargs(data: dict) -> list[Issue]:
    """Legacy config.bioimageio.test_kwargs tolerances are non-negative numbers."""
    issues = []
    config = data.get("config")
    test_kwargs = config.get("bioimageio", {}).get("test_kwargs") if isinstance(config, dict) and \
        isinstance(config.get("bioimageio"), dict) else None
    if not isinstance(test_kwargs, dict):
        return issues
    for fmt, kwargs in test_kwargs.items():
        for key in ("relative_tolerance", "absolute_tolerance"):
            value = kwargs.get(key) if isinstance(kwargs, dict) else None
            if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0):
                issues.append(error(["config", "bioimageio", "test_kwargs", fmt, key],
                                    f"expected a non-negative number, got {value!r}", "tolerance"))
            elif key == "relative_tolerance" and isinstance(value, (int, float)) and value > 0.01:
                issues.append(warning(["config", "bioimageio", "test_kwargs", fmt, key],
                                      f"relative tolerance {value} is above 0.01", "tolerance"))
    return issues


def check_model04(data: dict) -> list[Issue]:
    """Every model 0.4 code rule."""
    return [*check_names_and_axes(data), *check_shapes(data), *check_processing04(data), *check_tests04(data),
            *check_weights04(data), *check_test_kwargs(data)]
