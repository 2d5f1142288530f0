"""Model 0.4 to 0.5 (docs/format.md §5), keeping what the reference converter loses.

Kept on purpose: scale_range/scale_mean_variance mode (per_dataset becomes `axes` including the
batch axis) and reference_tensor; legacy test tolerances become an explicit
`config.bioimageio.reproducibility_tolerance` with 0.4's 0-ppm default, so a test of the upgraded
model compares as strictly as a test of the source. An input of another type than float32 ends
its preprocessing with `ensure_dtype: float32` (0.4 fed float32 to the network; the start of the
steps casts to the declared type by itself in 0.5). Nothing is invented: weights without a
framework version stay without one (0.5 requires it: validation of the result names the field).
"""

from __future__ import annotations

import string
from typing import Any

from pipeline.spec.upgrader import as_person, file_objects, general02_to_03
from pipeline.spec.versions import latest_version

LETTER_TYPE = {"b": "batch", "i": "index", "t": "time", "c": "channel", "z": "space", "y": "space", "x": "space"}
LETTER_ID = {"b": "batch", "i": "index", "t": "time", "c": "channel", "z": "z", "y": "y", "x": "x"}
NAME_CHARS = frozenset(string.ascii_letters + string.digits + "_+- ()")
DEPENDENCIES_05 = ("pytorch_state_dict", "tensorflow_saved_model_bundle")  # the formats 0.5 gives `dependencies`
LEGACY_TOLERANCE = {"relative_tolerance": 1e-3, "absolute_tolerance": 1e-3, "mismatched_elements_per_million": 0}


def model04_to_05(data: dict) -> dict:
    """A 0.4 model dict (already a copy) in the latest 0.5 shape."""
    tensors04 = {t.get("name"): t for t in _list(data.get("inputs")) + _list(data.get("outputs"))
                 if isinstance(t, dict)}
    min_shapes = {name: _min_shape(tensors04, name) for name in tensors04}
    inputs = [_input(t, i, data, min_shapes) for i, t in enumerate(_list(data.get("inputs")))]
    outputs = [_output(t, i, data, tensors04, min_shapes) for i, t in enumerate(_list(data.get("outputs")))]
    attachments = _weights_attachments(data.get("weights"))
    out = general02_to_03({k: v for k, v in data.items() if k not in (
        "inputs", "outputs", "test_inputs", "test_outputs", "sample_inputs", "sample_outputs")})
    if isinstance(out.get("name"), str):  # 0.5 names allow fewer characters: others become spaces
        out["name"] = "".join(c if c in NAME_CHARS else " " for c in out["name"])[:128]
    if attachments:
        out["attachments"] = _list(out.get("attachments")) + attachments
    out.update(format_version=latest_version("model"), inputs=inputs, outputs=outputs,
               weights=_weights(data.get("weights")), config=_config(data.get("config"), data.get("weights")))
    return file_objects(out)


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _at(values: Any, k: int) -> Any:
    return values[k] if isinstance(values, list) and k < len(values) else None


def _min_shape(tensors: dict, name: Any, depth: int = 0) -> list | None:
    tensor = tensors.get(name)
    shape = tensor.get("shape") if isinstance(tensor, dict) else None
    if isinstance(shape, list):
        return shape
    if not isinstance(shape, dict) or depth > 4:
        return None
    if "min" in shape:
        return _list(shape.get("min"))
    ref = _min_shape(tensors, shape.get("reference_tensor"), depth + 1)
    if ref is None:
        return None
    return [(_at(ref, k) or 0) * (s or 0) + 2 * (_at(shape.get("offset"), k) or 0)
            for k, s in enumerate(_list(shape.get("scale")))]


def _axis_ids(axes: str) -> list[str]:
    return [LETTER_ID.get(a, a) for a in axes]


def _channel_names(count: Any) -> list[str]:
    n = int(count) if isinstance(count, (int, float)) and count >= 1 else 1
    return [f"channel{i}" for i in range(n)]


def _base_axis(letter: str, size_hint: Any) -> dict:
    kind = LETTER_TYPE.get(letter, "space")
    axis: dict[str, Any] = {"type": kind}
    if kind == "space" or letter not in LETTER_ID:
        axis["id"] = LETTER_ID.get(letter, letter)
    if kind == "channel":
        axis["channel_names"] = _channel_names(size_hint)
    return axis


def _input_axes(tensor: dict) -> list[dict]:
    axes, shape = tensor.get("axes") or "", tensor.get("shape")
    out = []
    for k, letter in enumerate(axes):
        explicit = _at(shape, k) if isinstance(shape, list) else None
        lo = _at(shape.get("min"), k) if isinstance(shape, dict) else None
        step = _at(shape.get("step"), k) if isinstance(shape, dict) else None
        axis = _base_axis(letter, explicit if explicit is not None else lo)
        if axis["type"] == "channel" or axis["type"] == "batch":
            out.append(axis)
            continue
        if explicit is not None:
            axis["size"] = explicit
        elif lo is not None:
            axis["size"] = {"min": lo, "step": step} if isinstance(step, int) and step > 0 else lo
        out.append(axis)
    return out


def _output_axes(tensor: dict, tensors: dict, min_shapes: dict) -> list[dict]:
    axes, shape, halo = tensor.get("axes") or "", tensor.get("shape"), tensor.get("halo")
    implicit = isinstance(shape, dict) and "reference_tensor" in shape
    ref_name = shape.get("reference_tensor") if implicit else None
    ref_axes = _axis_ids(tensors.get(ref_name, {}).get("axes") or "") if implicit else []
    smallest = min_shapes.get(tensor.get("name")) or []
    out = []
    for k, letter in enumerate(axes):
        axis = _base_axis(letter, _at(smallest, k))
        if axis["type"] in ("channel", "batch"):
            out.append(axis)
            continue
        if not implicit:
            axis["size"] = _at(shape, k)
        else:
            scale, offset = _at(shape.get("scale"), k), _at(shape.get("offset"), k) or 0
            if not scale:
                axis["size"] = int(2 * offset)
            else:
                axis["size"] = {"tensor_id": ref_name, "axis_id": _at(ref_axes, k) or LETTER_ID.get(letter, letter),
                                "offset": int(2 * offset)}
                if scale != 1:
                    axis["scale"] = 1 / scale
        h = _at(halo, k)
        if isinstance(h, int) and h > 0 and isinstance(axis.get("size"), dict) and axis["type"] in ("space", "time"):
            axis["halo"] = h
        out.append(axis)
    return out


def _data(tensor: dict) -> dict:
    data: dict[str, Any] = {"type": tensor.get("data_type", "float32")}
    if data["type"] == "bool":
        data["values"] = [False, True]  # 0.5 describes booleans as nominal data
    elif isinstance(tensor.get("data_range"), list):
        # 0.5 writes an open bound as null; 0.4 RDFs used -inf/inf.
        data["range"] = [None if isinstance(v, float) and abs(v) == float("inf") else v
                         for v in tensor["data_range"]]
    return data


def _test_tensor(data: dict, key: str, i: int) -> dict | None:
    source = _at(data.get(key), i)
    return {"source": source} if isinstance(source, str) else None


def _input(tensor: Any, i: int, data: dict, min_shapes: dict) -> Any:
    if not isinstance(tensor, dict):
        return tensor
    axes = tensor.get("axes") or ""
    steps = [_op(p, axes) for p in _list(tensor.get("preprocessing"))]
    if tensor.get("data_type", "float32") != "float32":
        steps.append({"id": "ensure_dtype", "kwargs": {"dtype": "float32"}})
    out = {"id": tensor.get("name", "input"), "axes": _input_axes(tensor), "data": _data(tensor),
           "test_tensor": _test_tensor(data, "test_inputs", i), "preprocessing": steps}
    return _finish_tensor(out, tensor, data, "sample_inputs", i)


def _output(tensor: Any, i: int, data: dict, tensors: dict, min_shapes: dict) -> Any:
    if not isinstance(tensor, dict):
        return tensor
    axes = tensor.get("axes") or ""
    out = {"id": tensor.get("name", "output"), "axes": _output_axes(tensor, tensors, min_shapes),
           "data": _data(tensor), "test_tensor": _test_tensor(data, "test_outputs", i),
           "postprocessing": [_op(p, axes) for p in _list(tensor.get("postprocessing"))]}
    return _finish_tensor(out, tensor, data, "sample_outputs", i)


def _finish_tensor(out: dict, tensor: dict, data: dict, sample_key: str, i: int) -> dict:
    if tensor.get("description"):
        out["description"] = tensor["description"]
    sample = _test_tensor(data, sample_key, i)
    if sample:
        out["sample_tensor"] = sample
    if out["test_tensor"] is None:
        del out["test_tensor"]
    return out


def _op(step: Any, tensor_axes: str) -> Any:
    if not isinstance(step, dict):
        return step
    name, kwargs = step.get("name"), dict(step.get("kwargs") or {})
    axes = kwargs.pop("axes", None)
    ids = _axis_ids(axes) if isinstance(axes, str) else None
    mode = kwargs.pop("mode", None)
    if mode == "per_dataset" and ids is not None and "b" in tensor_axes and "batch" not in ids:
        ids = ["batch"] + ids  # a dataset statistic: reduce over the batch too
    if name == "zero_mean_unit_variance" and (mode or "fixed") == "fixed":
        kwargs.pop("eps", None)
        return {"id": "fixed_zero_mean_unit_variance", "kwargs": _along_axis(kwargs, ids, tensor_axes,
                                                                             ("mean", "std"))}
    if name == "scale_linear":
        return {"id": "scale_linear", "kwargs": _along_axis(kwargs, ids, tensor_axes, ("gain", "offset"))}
    if name in ("zero_mean_unit_variance", "scale_range", "scale_mean_variance") and ids is not None:
        kwargs["axes"] = ids
    if name == "sigmoid":
        return {"id": name}  # 0.5 refuses any kwargs key on sigmoid
    return {"id": name, "kwargs": kwargs}


def _along_axis(kwargs: dict, reduced: list[str] | None, tensor_axes: str, keys: tuple[str, str]) -> dict:
    # 0.4 gave per-channel values with `axes` naming the axes they do NOT vary along.
    if any(isinstance(kwargs.get(k), list) for k in keys):
        remaining = [a for a in _axis_ids(tensor_axes) if a not in (reduced or []) and a != "batch"]
        if len(remaining) == 1:
            kwargs["axis"] = remaining[0]
    return kwargs


def _architecture(entry: dict) -> Any:
    arch, kwargs = entry.pop("architecture", None), entry.pop("kwargs", {}) or {}
    sha = entry.pop("architecture_sha256", None)
    if not isinstance(arch, str):
        return arch
    if ":" in arch:
        source, name = arch.rsplit(":", 1)
        out: dict[str, Any] = {"source": source, "callable": name, "kwargs": kwargs}
        if sha:
            out["sha256"] = sha
        return out
    module, _, name = arch.rpartition(".")
    return {"import_from": module, "callable": name, "kwargs": kwargs}


def _weights(weights: Any) -> Any:
    if not isinstance(weights, dict):
        return weights
    out = {}
    for fmt, entry in weights.items():
        if not isinstance(entry, dict):
            out[fmt] = entry
            continue
        entry = dict(entry)
        entry.pop("attachments", None)
        if fmt == "pytorch_state_dict":
            entry["architecture"] = _architecture(entry)
        deps = entry.pop("dependencies", None)
        if isinstance(deps, str) and fmt in DEPENDENCIES_05:
            entry["dependencies"] = {"source": deps.split(":", 1)[-1]}
        if isinstance(entry.get("authors"), list):
            entry["authors"] = [as_person(a) for a in entry["authors"]]
        out[fmt] = entry
    return out


def _weights_attachments(weights: Any) -> list[dict]:
    found = []
    for entry in (weights.values() if isinstance(weights, dict) else []):
        attachments = entry.get("attachments") if isinstance(entry, dict) else None
        files = attachments.get("files") if isinstance(attachments, dict) else None
        found += [{"source": f} for f in _list(files) if isinstance(f, str)]
    return found


def _config(config: Any, weights: Any) -> Any:
    config = dict(config) if isinstance(config, dict) else {}
    zoo = dict(config.get("bioimageio") or {}) if isinstance(config.get("bioimageio"), dict) else {}
    if "reproducibility_tolerance" not in zoo:
        zoo["reproducibility_tolerance"] = _tolerances(zoo.pop("test_kwargs", None), weights)
    config["bioimageio"] = zoo
    return config


def _tolerances(test_kwargs: Any, weights: Any) -> list[dict]:
    entries = []
    for fmt, kwargs in (test_kwargs.items() if isinstance(test_kwargs, dict) else []):
        if not isinstance(kwargs, dict) or (isinstance(weights, dict) and fmt not in weights):
            continue
        entry = {key: kwargs.get(key, default) for key, default in LEGACY_TOLERANCE.items()}
        entry["weights_formats"] = [fmt]
        entries.append(entry)
    entries.append(dict(LEGACY_TOLERANCE))
    return entries
