"""Structural validation against the JSON Schema files, with errors turned into located Issues."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from pipeline.spec.report import Issue, error

SCHEMA_DIR = Path(__file__).parent / "schemas"
_REQUIRED = re.compile(r"^'(.+)' is a required property$")
_TYPE_NAMES = {"string": "a string", "integer": "an integer", "number": "a number", "array": "a list",
               "object": "a mapping", "boolean": "a boolean", "null": "null"}


def schema_names() -> list[str]:
    """File names of every published schema."""
    return sorted(p.name for p in SCHEMA_DIR.glob("*.json"))


@lru_cache(maxsize=None)
def _registry() -> Registry:
    resources = []
    for path in SCHEMA_DIR.glob("*.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], DRAFT202012.create_resource(schema)))
    return Registry().with_resources(resources)


@lru_cache(maxsize=None)
def validator(name: str) -> Draft202012Validator:
    """The compiled validator for one schema file (cached: compile once per process)."""
    registry = _registry()
    schema = registry.contents(name)
    return Draft202012Validator(schema, registry=registry)


def describe(value: Any) -> str:
    """A short description of a value for 'got ...' messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "...'"


def check(name: str, data: Any) -> list[Issue]:
    """All structural errors of `data` against schema `name`, each with its loc."""
    issues: list[Issue] = []
    seen: set[tuple] = set()
    for err in validator(name).iter_errors(data):
        for issue in _convert(err):
            key = (issue.loc, issue.msg)
            if key not in seen:
                seen.add(key)
                issues.append(issue)
    return issues


def _convert(err: ValidationError) -> Iterable[Issue]:
    loc = list(err.absolute_path)
    kind, schema, instance = err.validator, err.schema, err.instance
    expected = schema.get("x-expected") if isinstance(schema, dict) else None
    if kind == "required":
        match = _REQUIRED.match(err.message)
        field = match.group(1) if match else str(err.validator_value)
        yield error(loc + [field], "field required", "missing")
    elif kind in ("additionalProperties", "unevaluatedProperties"):
        known = set(schema.get("properties", {}))
        msg = f"unknown key; expected {expected}" if expected else \
            "unknown field (free-form data belongs under config)"
        for key in instance:
            if key not in known:
                yield error(loc + [key], msg, "extra_forbidden")
    elif kind in ("anyOf", "oneOf"):
        yield from _convert_alternatives(err, loc, expected)
    elif expected:
        yield error(loc, f"expected {expected}, got {describe(instance)}", _kind_name(kind))
    else:
        yield error(loc, _message(kind, err.validator_value, instance), _kind_name(kind))


def _convert_alternatives(err: ValidationError, loc: list, expected: str | None) -> Iterable[Issue]:
    # When the value has the right shape for one alternative, the deepest error inside it is
    # the useful one; otherwise say what was expected.
    deeper = [e for e in err.context if len(e.absolute_path) > len(loc) or e.validator in (
        "required", "additionalProperties")]
    same_type = [e for e in deeper if isinstance(e.instance, type(err.instance)) or len(e.absolute_path) > len(loc)]
    if same_type and isinstance(err.instance, (dict, list)):
        best = best_match(same_type, key=lambda e: (len(e.absolute_path), e.validator != "additionalProperties"))
        if best is not None:
            yield from _convert(best)
            return
    text = expected or " or ".join(sorted({_expected_of(e) for e in err.context}))
    yield error(loc, f"expected {text}, got {describe(err.instance)}", "type")


def _expected_of(err: ValidationError) -> str:
    if err.validator == "type":
        return _type_text(err.validator_value)
    return err.schema.get("x-expected", "a valid value") if isinstance(err.schema, dict) else "a valid value"


def _type_text(value: Any) -> str:
    names = value if isinstance(value, list) else [value]
    return " or ".join(_TYPE_NAMES.get(n, n) for n in names)


def _kind_name(kind: str) -> str:
    return {"type": "type", "enum": "enum", "const": "const", "pattern": "pattern"}.get(kind, f"value_{kind}".lower())


def _message(kind: str, value: Any, instance: Any) -> str:
    got = describe(instance)
    if kind == "type":
        return f"expected {_type_text(value)}, got {got}"
    if kind == "enum":
        options = ", ".join("null" if v is None else str(v) for v in value)
        return f"expected one of {options}, got {got}"
    if kind == "const":
        return f"expected {value!r}, got {got}"
    if kind == "pattern":
        return f"expected a string matching {value}, got {got}"
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        op = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}[kind]
        return f"expected a value {op} {value}, got {got}"
    if kind in ("minItems", "maxItems"):
        word = "at least" if kind == "minItems" else "at most"
        return f"expected {word} {value} item(s), got {len(instance)}"
    if kind in ("minLength", "maxLength"):
        word = "at least" if kind == "minLength" else "at most"
        return f"expected {word} {value} character(s), got {len(instance)}"
    if kind in ("minProperties", "maxProperties"):
        word = "at least" if kind == "minProperties" else "at most"
        return f"expected {word} {value} entries, got {len(instance)}"
    return f"invalid value {got} ({kind} {value})"
