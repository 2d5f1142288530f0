"""Errors that guide the fix: the root cause first, the errors that follow from it folded under it.

Two root causes are recognised from the shape of a failing RDF: a body written in another format
version than `format_version` declares (0.5 axes objects under a 0.4 version, or the reverse),
and a body of another `type` (a model's inputs/outputs/weights under `type: dataset`). Near-miss
keys ("did you mean `documentation`?") are worded by the checker itself; the `field required`
error of the key they were meant to be follows from them.
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.spec.report import INFO, Issue, error, warning
from pipeline.spec.versions import Kind

_DID_YOU_MEAN = re.compile(r"did you mean `([^`]+)`")
MODEL_KEYS = ("inputs", "outputs", "weights", "test_inputs", "test_outputs")


def _looks_05(data: dict) -> bool:
    tensors = [t for g in ("inputs", "outputs") for t in (data.get(g) or []) if isinstance(t, dict)]
    return bool(tensors) and all(isinstance(t.get("axes"), list) or "test_tensor" in t or "id" in t
                                 and "name" not in t for t in tensors)


def _looks_04(data: dict) -> bool:
    tensors = [t for g in ("inputs", "outputs") for t in (data.get(g) or []) if isinstance(t, dict)]
    return bool(tensors) and all(isinstance(t.get("axes"), str) or "data_type" in t for t in tensors) \
        or "test_inputs" in data


def root_cause(data: dict, kind: Kind, errors: list[Issue]) -> Issue | None:
    """An error naming what the failure most likely comes from, or None."""
    for issue in errors:
        if issue.loc == ("format_version",) and issue.type == "literal":
            return issue  # an unknown format_version: every other error may follow from it
    declared = data.get("format_version")
    if kind.type == "model" and kind.minor == 4 and _looks_05(data):
        return error(["format_version"], f"the body is written in model format 0.5 (axes are lists of objects, "
                     f"tensors have an `id`), but format_version says {declared}: set format_version to "
                     f"0.5.x (e.g. 0.5.4) or write the body in the 0.4 form", "format_version_mismatch")
    if kind.type == "model" and kind.minor == 5 and _looks_04(data):
        return error(["format_version"], f"the body is written in model format 0.4 (axes letters such as 'bcyx', "
                     f"`test_inputs`), but format_version says {declared}: set format_version to 0.4.10, "
                     f"then `zoo upgrade` writes it in format 0.5", "format_version_mismatch")
    stray = [k for k in MODEL_KEYS if k in data]
    if kind.type != "model" and data.get("type") != "model" and len(stray) >= 2 and any(
            e.loc[:1] == (k,) and e.type == "extra_forbidden" for e in errors for k in stray):
        return error(["type"], f"this looks like a model ({', '.join(stray)}), not a {data.get('type')}: "
                     f"set `type: model`", "type_mismatch")
    return None


def order(data: dict, kind: Kind, errors: list[Issue]) -> list[Issue]:
    """Errors with the root cause first and what follows from it after it, marked as following."""
    if not errors:
        return errors
    meant = {m.group(1) for e in errors if e.type == "extra_forbidden" and (m := _DID_YOU_MEAN.search(e.msg))}
    followers = [e for e in errors if e.type == "missing" and e.loc and e.loc[-1] in meant]
    if followers:
        errors = [e for e in errors if e not in followers] + [_follows(e, "a near-miss key above") for e in followers]
    cause = root_cause(data, kind, errors)
    if cause is None:
        return errors
    return [cause] + [_follows(e, cause.loc_text()) for e in errors if e is not cause]


def _follows(issue: Issue, cause: str) -> Issue:
    return Issue(issue.loc, issue.msg, issue.type, issue.severity, follows=cause)


def ignored_near_misses(data: dict, known: Any) -> list[Issue]:
    """Generic resources ignore unknown keys; a key close to a known field is still worth a note."""
    from pipeline.spec.fieldtypes import unknown_key_message

    notes = []
    for key in data:
        if key in known or not isinstance(key, str) or len(key) > 64:
            continue
        msg = unknown_key_message(key, known)
        if "did you mean" in msg:
            notes.append(warning([key], msg.replace("unknown field", "unknown field, ignored"), "near_miss", INFO))
            if len(notes) == 20:
                break
    return notes
