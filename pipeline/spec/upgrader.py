"""`upgrade`: an RDF converted to the latest format of its type (FORMAT.md §5, §11)."""

from __future__ import annotations

import copy
from typing import Any

from pipeline.errors import BadInput
from pipeline.spec.versions import classify, latest_version

REMOVED_IN_03 = ("download_url", "rdf_source", "version_number")
WEIGHTS_RENAMED_03 = {"pytorch_script": "torchscript"}


CONVERSION_ERRORS = (TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError)


def upgrade(data: dict) -> dict:
    """A new dict: `data` in the latest format of its type (the input is not modified).

    Meant for format-valid RDFs; data too malformed to convert raises BadInput.
    """
    if not isinstance(data, dict):
        raise BadInput(f"cannot upgrade: expected a mapping, got {type(data).__name__}")
    try:
        return _upgrade(copy.deepcopy(data))
    except CONVERSION_ERRORS as e:
        raise BadInput(f"cannot upgrade this RDF, it is not format-valid ({type(e).__name__}: {e}); "
                       "run `zoo validate` for the details") from None


def _upgrade(data: dict) -> dict:
    kind, _ = classify(data)
    if kind.type == "model":
        from pipeline.spec.upgrade_model import model04_to_05

        if kind.minor == 3:
            data = model03_to_04(data)
        if kind.minor in (3, 4):
            return model04_to_05(data)
        return file_objects(dict(data, format_version=latest_version("model")))
    if kind.type == "collection":
        return data
    if kind.minor == 2:
        data = general02_to_03(data)
    data["format_version"] = latest_version(kind.type)
    return file_objects(data)


def as_person(value: Any) -> Any:
    """0.2 allowed plain author names; 0.3 wants {name}."""
    return {"name": value} if isinstance(value, str) else value


def general02_to_03(data: dict) -> dict:
    """General fields from 0.2 to 0.3 (authors, attachments, removed fields)."""
    for key in ("authors", "packaged_by", "maintainers"):
        if isinstance(data.get(key), list):
            data[key] = [as_person(p) for p in data[key]]
    attachments = data.get("attachments")
    if isinstance(attachments, dict):
        files = attachments.get("files")
        data["attachments"] = [{"source": f} for f in files if isinstance(f, str)] if isinstance(files, list) else []
    if "version" not in data and data.get("version_number") is not None:
        data["version"] = str(data["version_number"])
    for key in REMOVED_IN_03:
        data.pop(key, None)
    return data


def file_objects(data: dict) -> dict:
    """At the latest patch documentation and covers are {source, sha256} objects (FORMAT.md §11)."""
    if isinstance(data.get("documentation"), str):
        data["documentation"] = {"source": data["documentation"]}
    if isinstance(data.get("covers"), list):
        data["covers"] = [{"source": c} if isinstance(c, str) else c for c in data["covers"]]
    return data


def model03_to_04(data: dict) -> dict:
    """Model 0.3 to 0.4: the architecture moves into pytorch_state_dict, weights formats renamed."""
    data = copy.deepcopy(data)
    data["format_version"] = "0.4.10"
    for key in ("language", "framework"):
        data.pop(key, None)
    weights = data.get("weights")
    if isinstance(weights, dict):
        data["weights"] = {WEIGHTS_RENAMED_03.get(k, k): v for k, v in weights.items()}
        weights = data["weights"]
    source, sha, kwargs = data.pop("source", None), data.pop("sha256", None), data.pop("kwargs", None)
    state = weights.get("pytorch_state_dict") if isinstance(weights, dict) else None
    if isinstance(state, dict) and source is not None:
        state.setdefault("architecture", source)
        if sha is not None:
            state.setdefault("architecture_sha256", sha)
        if kwargs is not None:
            state.setdefault("kwargs", kwargs)
    dependencies = data.pop("dependencies", None)
    if dependencies is not None and isinstance(weights, dict):
        for entry in weights.values():
            if isinstance(entry, dict):
                entry.setdefault("dependencies", dependencies)
    return data
