"""Model 0.5 rules beyond the schema: ids, axis and size references, halos, ops, weights (FORMAT.md §4)."""

from __future__ import annotations

import math
from typing import Any, Iterator

from pipeline.spec.load import is_rdf_name
from pipeline.spec.report import Issue, error, warning
from pipeline.spec.rules_common import as_list

DEFAULT_AXIS_ID = {"batch": "batch", "channel": "channel", "index": "index", "time": "time", "space": "x"}
PER_AXIS_KWARGS = ("gain", "offset", "mean", "std", "threshold")


def axis_id(axis: dict) -> str | None:
    """The axis' id, defaulted by its type."""
    value = axis.get("id")
    if isinstance(value, str):
        return value
    kind = axis.get("type")
    return DEFAULT_AXIS_ID.get(kind) if isinstance(kind, str) else None


def tensors(data: dict) -> Iterator[tuple[str, int, dict]]:
    """(group, index, tensor) for every well-formed input and output."""
    for group in ("inputs", "outputs"):
        for i, tensor in enumerate(as_list(data.get(group))):
            if isinstance(tensor, dict):
                yield group, i, tensor


def tensor_id(group: str, tensor: dict) -> str:
    value = tensor.get("id")
    return value if isinstance(value, str) else ("input" if group == "inputs" else "output")


def axes_of(tensor: dict) -> list[dict]:
    return [a for a in as_list(tensor.get("axes")) if isinstance(a, dict)]


def _axis_map(data: dict) -> dict[str, tuple[str, dict[str, dict]]]:
    out: dict[str, tuple[str, dict[str, dict]]] = {}
    for group, _, tensor in tensors(data):
        out.setdefault(tensor_id(group, tensor), (group, {axis_id(a) or "": a for a in axes_of(tensor)}))
    return out


def check_ids(data: dict) -> list[Issue]:
    """Tensor ids unique across inputs and outputs; axis ids unique; at most one batch axis."""
    issues, seen = [], set()
    for group, i, tensor in tensors(data):
        tid = tensor_id(group, tensor)
        if tid in seen:
            issues.append(error([group, i, "id"], f"duplicate tensor id {tid!r}", "duplicate_id"))
        seen.add(tid)
        axis_ids, batches = set(), 0
        for j, axis in enumerate(as_list(tensor.get("axes"))):
            if not isinstance(axis, dict):
                continue
            aid = axis_id(axis)
            if aid in axis_ids:
                issues.append(error([group, i, "axes", j, "id"], f"duplicate axis id {aid!r}", "duplicate_id"))
            axis_ids.add(aid)
            if axis.get("type") == "batch":
                batches += 1
                if batches > 1:
                    issues.append(error([group, i, "axes", j, "type"], "at most one batch axis", "batch_axis"))
            names = axis.get("channel_names")
            if axis.get("type") == "channel" and isinstance(names, list) and isinstance(axis.get("size"), int) \
                    and axis["size"] != len(names):
                issues.append(error([group, i, "axes", j, "size"], f"expected {len(names)} (the number of "
                                    f"channel_names), got {axis['size']}", "channel_size"))
    return issues


def check_sizes(data: dict) -> list[Issue]:
    """Size references point at existing, non-batch, non-reference axes; inputs only at inputs."""
    issues = []
    axis_map = _axis_map(data)
    for group, i, tensor in tensors(data):
        for j, axis in enumerate(axes_of(tensor)):
            size = axis.get("size")
            if isinstance(size, dict) and "tensor_id" in size:
                issues += _check_reference(axis_map, group, tensor_id(group, tensor), axis, size,
                                           [group, i, "axes", j, "size"])
            issues += _check_halo(axis_map, axis, [group, i, "axes", j])
    return issues


def _check_reference(axis_map: dict, group: str, tid: str, axis: dict, size: dict, loc: list) -> list[Issue]:
    ref_tensor, ref_axis = size.get("tensor_id"), size.get("axis_id")
    if not isinstance(ref_tensor, str) or not isinstance(ref_axis, str):
        return []  # the schema reports the wrong type
    if ref_tensor not in axis_map:
        return [error(loc + ["tensor_id"], f"unknown tensor {ref_tensor!r}", "size_reference")]
    ref_group, ref_axes = axis_map[ref_tensor]
    if group == "inputs" and ref_group != "inputs":
        return [error(loc + ["tensor_id"], f"inputs may only reference inputs, {ref_tensor!r} is an output",
                      "size_reference")]
    if ref_axis not in ref_axes:
        return [error(loc + ["axis_id"], f"tensor {ref_tensor!r} has no axis {ref_axis!r}", "size_reference")]
    if ref_tensor == tid and ref_axis == axis_id(axis):
        return [error(loc, "an axis cannot reference itself", "size_reference")]
    target = ref_axes[ref_axis]
    if target.get("type") == "batch":
        return [error(loc + ["axis_id"], "a size may not reference a batch axis", "size_reference")]
    if isinstance(target.get("size"), dict) and "tensor_id" in target["size"]:
        return [error(loc, f"{ref_tensor}.{ref_axis} is itself a reference; reference its source instead",
                      "size_reference")]
    return []


def minimal_size(axis_map: dict, axis: dict, depth: int = 0) -> float | None:
    """Smallest valid size of an axis, following size references; None when unknown."""
    size = axis.get("size")
    if depth > 8:  # a reference cycle, reported by check_sizes
        return None
    if isinstance(size, int) and not isinstance(size, bool):
        return size
    if not isinstance(size, dict):
        return None
    if "tensor_id" in size:
        ref_tensor, ref_axis = size.get("tensor_id"), size.get("axis_id")
        if not isinstance(ref_tensor, str) or not isinstance(ref_axis, str):
            return None
        ref = axis_map.get(ref_tensor, (None, {}))[1].get(ref_axis)
        base = minimal_size(axis_map, ref, depth + 1) if isinstance(ref, dict) and ref is not axis else None
        if base is None:
            return None
        ref_scale, scale = _num(ref.get("scale"), 1.0), _num(axis.get("scale"), 1.0)
        return math.floor(base * ref_scale / scale + _num(size.get("offset"), 0))
    min_size = size.get("min")
    return min_size if isinstance(min_size, int) else None


def _num(value: Any, default: float) -> float:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) and value > -math.inf \
        else default


def _check_halo(axis_map: dict, axis: dict, loc: list) -> list[Issue]:
    halo = axis.get("halo")
    if not isinstance(halo, int) or halo <= 0:
        return []
    if not (isinstance(axis.get("size"), dict) and "tensor_id" in axis["size"]):
        return [error(loc + ["halo"], "an axis with a halo needs a size reference {tensor_id, axis_id}", "halo")]
    smallest = minimal_size(axis_map, axis)
    if smallest is not None and smallest - 2 * halo < 1:
        return [error(loc + ["halo"], f"halo {halo} leaves nothing of the smallest output size {smallest} "
                      f"(size - 2*halo must be >= 1)", "halo")]
    return []


def check_processing(data: dict) -> list[Issue]:
    """Op kwargs refer to this tensor's axes, per-axis lists fit, reference tensors exist."""
    issues = []
    axis_map = _axis_map(data)
    input_ids = {tensor_id(g, t) for g, _, t in tensors(data) if g == "inputs"}
    for group, i, tensor in tensors(data):
        key = "preprocessing" if group == "inputs" else "postprocessing"
        allowed_refs = input_ids if group == "inputs" else set(axis_map)
        axes = {axis_id(a): a for a in axes_of(tensor)}
        for k, step in enumerate(as_list(tensor.get(key))):
            if isinstance(step, dict) and isinstance(step.get("kwargs"), dict):
                issues += _check_op(step.get("id"), step["kwargs"], axes, allowed_refs, [group, i, key, k, "kwargs"])
    return issues


def _check_op(op: Any, kwargs: dict, axes: dict, refs: set, loc: list) -> list[Issue]:
    issues = []
    for m, name in enumerate(as_list(kwargs.get("axes"))):
        if isinstance(name, str) and name not in axes:
            issues.append(error(loc + ["axes", m], f"the tensor has no axis {name!r}", "processing_axes"))
    axis = kwargs.get("axis")
    if isinstance(axis, str) and axis not in axes:
        issues.append(error(loc + ["axis"], f"the tensor has no axis {axis!r}", "processing_axes"))
    for name in PER_AXIS_KWARGS:
        values = kwargs.get(name)
        if isinstance(values, list):
            issues += _check_per_axis(name, values, axes.get(axis) if isinstance(axis, str) else None, axis, loc)
    ref = kwargs.get("reference_tensor")
    if isinstance(ref, str) and ref not in refs:
        issues.append(error(loc + ["reference_tensor"], f"unknown or not allowed reference tensor {ref!r}",
                            "reference_tensor"))
    issues += _check_bounds(op, kwargs, loc)
    return issues


def _check_per_axis(name: str, values: list, axis: dict | None, axis_name: Any, loc: list) -> list[Issue]:
    if axis_name is None:
        return [error(loc + ["axis"], f"a list of {name} values needs 'axis'", "processing_axes")]
    if axis is None:
        return []
    expected = len(axis["channel_names"]) if isinstance(axis.get("channel_names"), list) else axis.get("size")
    if isinstance(expected, int) and len(values) != expected:
        return [error(loc + [name], f"expected {expected} values (one per {axis_name} index), got {len(values)}",
                      "processing_kwargs")]
    return []


def _check_bounds(op: Any, kwargs: dict, loc: list) -> list[Issue]:
    lo_key, hi_key = ("min_percentile", "max_percentile") if op == "scale_range" else ("min", "max")
    lo, hi = kwargs.get(lo_key), kwargs.get(hi_key)
    if op == "scale_range":
        lo = 0 if lo is None else lo
        hi = 100 if hi is None else hi
    if _is_num(lo) and _is_num(hi) and lo >= hi:
        return [error(loc + [hi_key], f"expected {hi_key} > {lo_key} ({lo}), got {hi}", "processing_kwargs")]
    if op == "clip" and all(kwargs.get(k) is None for k in ("min", "max", "min_percentile", "max_percentile")):
        return [error(loc, "clip needs at least one of min, max, min_percentile, max_percentile",
                      "processing_kwargs")]
    if op == "clip" and (("min" in kwargs and "min_percentile" in kwargs) or ("max" in kwargs and "max_percentile" in kwargs)):
        return [error(loc, "give either a value or a percentile for each bound, not both", "processing_kwargs")]
    if op == "scale_linear" and kwargs.get("gain", 1) in (1, [1]) and kwargs.get("offset", 0) in (0, [0]):
        return [error(loc, "scale_linear with gain 1 and offset 0 does nothing", "processing_kwargs")]
    return []


def _is_num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_weights(data: dict) -> list[Issue]:
    """Parents name present formats without cycles; exactly one entry has no parent."""
    weights = data.get("weights")
    if not isinstance(weights, dict):
        return []
    issues, roots = [], []
    for fmt, entry in weights.items():
        if not isinstance(entry, dict):
            continue
        parent = entry.get("parent")
        if parent is None:
            roots.append(fmt)
        elif isinstance(parent, str) and parent not in weights:
            issues.append(error(["weights", fmt, "parent"], f"parent {parent!r} is not among the weights",
                                "weights_parent"))
        source = entry.get("source")
        if isinstance(source, str) and is_rdf_name(source):
            issues.append(error(["weights", fmt, "source"], f"{source!r} is an RDF file name, not weights",
                                "weights_source"))
        arch = entry.get("architecture")
        if isinstance(arch, dict) and "source" in arch and not arch.get("sha256"):
            issues.append(warning(["weights", fmt, "architecture", "sha256"],
                                  "an architecture file should have its sha256", "architecture_sha256"))
    issues += _parent_cycles(weights)
    if weights and len(roots) != 1:
        issues.append(warning(["weights"], f"exactly one weights entry should have no parent, got {len(roots)}",
                              "weights_parent"))
    return issues


def _parent_cycles(weights: dict) -> list[Issue]:
    issues = []
    for fmt in weights:
        seen, current = {fmt}, fmt
        while isinstance(weights.get(current), dict) and isinstance(weights[current].get("parent"), str):
            current = weights[current]["parent"]
            if current == fmt:
                issues.append(error(["weights", fmt, "parent"], "weights parents form a cycle", "weights_parent"))
                break
            if current in seen:
                break
            seen.add(current)
    return issues


def check_tolerances(data: dict) -> list[Issue]:
    """reproducibility_tolerance entries name existing outputs and weights formats."""
    issues = []
    tolerances = (data.get("config") or {}).get("bioimageio", {}) if isinstance(data.get("config"), dict) else {}
    entries = tolerances.get("reproducibility_tolerance") if isinstance(tolerances, dict) else None
    output_ids = {tensor_id(g, t) for g, _, t in tensors(data) if g == "outputs"}
    for n, entry in enumerate(as_list(entries)):
        if not isinstance(entry, dict):
            continue
        for m, oid in enumerate(as_list(entry.get("output_ids"))):
            if isinstance(oid, str) and oid not in output_ids:
                issues.append(error(["config", "bioimageio", "reproducibility_tolerance", n, "output_ids", m],
                                    f"unknown output {oid!r}", "tolerance"))
    return issues


def check_test_tensors(data: dict) -> list[Issue]:
    """test tensors are .npy files."""
    issues = []
    for group, i, tensor in tensors(data):
        source = (tensor.get("test_tensor") or {}).get("source") if isinstance(tensor.get("test_tensor"), dict) else None
        if isinstance(source, str) and not source.lower().endswith(".npy"):
            issues.append(error([group, i, "test_tensor", "source"], f"expected a .npy file, got {source!r}",
                                "test_tensor"))
    return issues


def check_model05(data: dict) -> list[Issue]:
    """Every model 0.5 code rule."""
    return [*check_ids(data), *check_sizes(data), *check_processing(data), *check_weights(data),
            *check_tolerances(data), *check_test_tensors(data), *_check_data(data)]


def _check_data(data: dict) -> list[Issue]:
    issues = []
    for group, i, tensor in tensors(data):
        descr = tensor.get("data")
        if not isinstance(descr, list):
            continue
        channels = [a for a in axes_of(tensor) if a.get("type") == "channel"]
        names = channels[0].get("channel_names") if channels else None
        if not channels:
            issues.append(error([group, i, "data"], "a per-channel data list needs a channel axis", "data"))
        elif isinstance(names, list) and len(names) != len(descr):
            issues.append(error([group, i, "data"], f"expected {len(names)} entries (one per channel), "
                                f"got {len(descr)}", "data"))
    return issues
