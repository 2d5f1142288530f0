"""`normalized_model`: one in-memory model description (0.5 shape, defaults filled) for the runner.

Any model RDF (0.3, 0.4, 0.5) comes out the same way, so the runner needs no version branches:
every axis has `type` and `id` (and `size`, `scale`, `halo`, `channel_names` where they apply),
every tensor has `id`, `data` and its processing as `{id, kwargs}` steps, and every weights
entry has `source`, `sha256` and `parent` keys. The 0.4 semantics (tolerances, input casting,
dataset statistics) are made explicit by the upgrade, not by flags.
"""

from __future__ import annotations

import copy
from typing import Any

from pipeline.errors import BadInput
from pipeline.spec.values import DEFAULT_AXIS_ID
from pipeline.spec.upgrader import CONVERSION_ERRORS, canonical, upgrade_canonical

VERSION_FIELDS = ("pytorch_version", "tensorflow_version", "opset_version", "keras_version")


def normalized_model(data: dict) -> dict:
    """The model in 0.5 shape with defaults filled in (a new dict; the input is untouched).

    Meant for format-valid model RDFs; anything else raises BadInput.
    """
    if not isinstance(data, dict) or data.get("type") != "model":
        raise BadInput("normalized_model needs a model RDF (type: model)")
    try:
        return _normalized(data)
    except CONVERSION_ERRORS as e:
        raise BadInput(f"cannot normalise this model, it is not format-valid ({type(e).__name__}: {e}); "
                       "run `zoo validate` for the details") from None


def _normalized(data: dict) -> dict:
    kind, checked = canonical(copy.deepcopy(data))
    model = upgrade_canonical(checked, kind)
    model["inputs"] = [_tensor(t, "input", "preprocessing", False) for t in _list(model.get("inputs"))]
    model["outputs"] = [_tensor(t, "output", "postprocessing", True) for t in _list(model.get("outputs"))]
    model["weights"] = {fmt: _weights_entry(entry) for fmt, entry in (model.get("weights") or {}).items()
                        if isinstance(entry, dict)}
    return model


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _tensor(tensor: Any, default_id: str, steps_key: str, output: bool) -> dict:
    tensor = dict(tensor) if isinstance(tensor, dict) else {}
    tensor.setdefault("id", default_id)
    tensor["axes"] = [_axis(a, output) for a in _list(tensor.get("axes")) if isinstance(a, dict)]
    tensor.setdefault("data", {"type": "float32"})
    if isinstance(tensor["data"], dict):
        tensor["data"] = {"type": "float32", **tensor["data"]}
    test = tensor.get("test_tensor")
    if isinstance(test, str):
        tensor["test_tensor"] = {"source": test}
    tensor[steps_key] = [{"id": s.get("id"), "kwargs": dict(s.get("kwargs") or {})}
                         for s in _list(tensor.get(steps_key)) if isinstance(s, dict)]
    return tensor


def _axis(axis: dict, output: bool) -> dict:
    axis = dict(axis)
    kind = axis.get("type")
    axis.setdefault("id", DEFAULT_AXIS_ID.get(kind, "x"))
    if kind == "batch":
        axis.setdefault("size", None)
    elif kind == "channel":
        names = _list(axis.get("channel_names"))
        if not names and isinstance(axis.get("size"), int):
            names = [f"channel{i}" for i in range(axis["size"])]
        axis["channel_names"] = names
        axis["size"] = len(names)
    if kind in ("time", "space"):
        axis.setdefault("scale", 1.0)
        if output:
            axis.setdefault("halo", 0)
    if isinstance(axis.get("size"), dict) and "tensor_id" in axis["size"]:
        axis["size"] = {"offset": 0, **axis["size"]}
    return axis


def _weights_entry(entry: dict) -> dict:
    entry = dict(entry)
    entry.setdefault("sha256", None)
    entry.setdefault("parent", None)
    arch = entry.get("architecture")
    if isinstance(arch, dict):
        entry["architecture"] = {"kwargs": {}, **arch}
        if "source" in arch:
            entry["architecture"].setdefault("sha256", None)
    deps = entry.get("dependencies")
    if isinstance(deps, str):
        entry["dependencies"] = {"source": deps.split(":", 1)[-1]}
    return entry
