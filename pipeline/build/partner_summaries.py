"""Partner tools' test results: fetched from where each partner registered them, checked
against the published schema, and merged into our summaries one whole section per partner."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from pipeline.base.http import HttpPolicy, fetch_bytes
from pipeline.contracts.results import TestEntry
from pipeline.errors import BadInput, format_loc

MAX_SUMMARY_BYTES = 32 * 1024 * 1024


@dataclass
class PartnerResults:
    """One partner's publication, indexed by (resource id, version id)."""

    tool: str
    tool_version: str
    tests: dict[tuple[str, str], list[TestEntry]] = field(default_factory=dict)


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The published JSON Schema of a partner's test-summary document."""
    text = resources.files("pipeline.build").joinpath("schemas/partner_test_summary.json").read_text()
    return json.loads(text)


def parse(document: Any, *, source: str, partner_id: str) -> PartnerResults:
    """Check a partner document against the schema (all errors at once) and index it."""
    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        details = "; ".join(
            f"{format_loc(list(e.absolute_path)) or '(document)'}: {e.message[:200]}" for e in errors[:10]
        )
        raise BadInput(f"partner test summary does not match the schema: {details}", source=source)
    if document["tool"] != partner_id:
        raise BadInput(f"summary is for tool {document['tool']!r}, expected {partner_id!r}",
                       source=source, loc=["tool"])
    results = PartnerResults(tool=partner_id, tool_version=document["tool_version"])
    for i, entry in enumerate(document["results"]):
        key = (entry["resource_id"], entry["version_id"])
        tests = [TestEntry.from_json(t, source=source, loc=("results", i, "tests", j)).stamped(document["tool_version"])
                 .bounded() for j, t in enumerate(entry["tests"])]
        results.tests.setdefault(key, []).extend(tests)
    return results


def load(location: str, *, base: Path, partner_id: str, policy: HttpPolicy | None = None) -> PartnerResults:
    """Fetch and parse a partner publication from a URL or a path relative to `base`."""
    if location.startswith(("http://", "https://")):
        raw = fetch_bytes(location, policy=policy, max_bytes=MAX_SUMMARY_BYTES)
    else:
        path = (base / location).resolve()
        if not path.is_relative_to(base.resolve()):
            raise BadInput("test summaries path leaves the partner folder", source=location)
        try:
            if path.stat().st_size > MAX_SUMMARY_BYTES:
                raise BadInput(f"test summaries exceed {MAX_SUMMARY_BYTES} bytes", source=location)
            raw = path.read_bytes()
        except OSError as e:
            raise BadInput(f"cannot read test summaries: {e.strerror}", source=location) from None
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError) as e:  # also numbers beyond Python's digit limit, deep nesting
        raise BadInput(f"test summaries are not valid JSON within bounds ({type(e).__name__}: {str(e)[:200]})",
                       source=location) from None
    return parse(document, source=location, partner_id=partner_id)
