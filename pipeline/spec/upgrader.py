"""`upgrade`: an RDF converted to the latest format of its type (docs/format.md §5, §11).

It starts from what validation reads (older patches converted, lax values made canonical,
explicit nulls dropped) and never invents a value the source does not give: a model 0.4
without `pytorch_version` stays without one, and `zoo upgrade` says what to fill in.
"""

from __future__ import annotations

import copy
from typing import Any

from pipeline.errors import BadInput
from pipeline.spec.fieldtypes import FAIL
from pipeline.spec.versions import Kind, latest_version

CONVERSION_ERRORS = (TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError)


def canonical(data: dict) -> tuple[Kind, dict]:
    """(kind, the RDF as validation reads it); BadInput when it is not format-valid."""
    from pipeline.spec.validator import check_structure

    if not isinstance(data, dict):
        raise BadInput(f"cannot upgrade: expected a mapping, got {type(data).__name__}")
    kind, checked, issues = check_structure(data)
    if kind is None or checked is FAIL:
        first = next((i for i in issues if i.severity >= 50), None)
        where = f" ({first.loc_text()}: {first.msg})" if first else ""
        raise BadInput(f"the RDF is not format-valid{where}; run `zoo validate` for the details")
    return kind, plain(checked)


def plain(value: Any) -> Any:
    """Checked data as plain dicts and lists."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def upgrade(data: dict) -> dict:
    """A new dict: `data` in the latest format of its type (the input is not modified).

    Meant for format-valid RDFs; anything else raises BadInput.
    """
    kind, data = canonical(copy.deepcopy(data))
    try:
        return upgrade_canonical(data, kind)
    except CONVERSION_ERRORS as e:
        raise BadInput(f"cannot upgrade this RDF ({type(e).__name__}: {e}); run `zoo validate` for the details") \
            from None


def upgrade_canonical(data: dict, kind: Kind) -> dict:
    """The upgrade of already checked data of `kind`."""
    if kind.type == "model":
        if kind.minor == 5:
            return data
        from pipeline.spec.upgrade_model import model04_to_05

        return model04_to_05(data)
    if kind.minor == 2:
        data = file_objects(general02_to_03(data))
    data["format_version"] = latest_version(kind.type)
    return data


def as_person(value: Any) -> Any:
    """0.2 allowed plain author names; 0.3 wants {name}."""
    return {"name": value} if isinstance(value, str) else value


REMOVED_IN_03 = ("download_url", "rdf_source", "version_number")


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
    """At the latest patch documentation, covers and file icons are {source, sha256} objects."""
    if isinstance(data.get("documentation"), str):
        data["documentation"] = {"source": data["documentation"]}
    if isinstance(data.get("covers"), list):
        data["covers"] = [{"source": c} if isinstance(c, str) else c for c in data["covers"]]
    if isinstance(data.get("icon"), str) and len(data["icon"]) > 2:
        data["icon"] = {"source": data["icon"]}
    return data
