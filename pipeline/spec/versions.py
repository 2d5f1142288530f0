"""Which description class applies: `type` plus the major.minor of `format_version` (FORMAT.md §1)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pipeline.spec.report import INFO, WARNING, Issue, error, warning
from pipeline.spec.schema import describe

# Latest known patch per (type, minor); FORMAT.md §1 and §11.
LATEST_PATCH: dict[str, dict[int, int]] = {
    "generic": {2: 4, 3: 4},
    "application": {2: 4, 3: 4},
    "dataset": {2: 4, 3: 4},
    "notebook": {2: 4, 3: 4},
    "collection": {2: 4, 3: 4},
    "model": {3: 6, 4: 10, 5: 14},
}
KNOWN_TYPES = tuple(LATEST_PATCH)
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_NO_PATCH = re.compile(r"^(\d+)\.(\d+)$")


@dataclass(frozen=True)
class Kind:
    """The description class chosen for an RDF."""

    type: str  # the schema family: generic, application, dataset, notebook, collection, model
    minor: int  # 2, 3 (0.x types) or 3, 4, 5 (model)
    patch: int

    @property
    def schema(self) -> str:
        minor = 4 if self.type == "model" and self.minor == 3 else self.minor
        return f"{self.type}-0.{minor}.json"

    @property
    def version(self) -> str:
        return f"0.{self.minor}.{self.patch}"

    @property
    def is_latest_patch(self) -> bool:
        return self.patch >= LATEST_PATCH[self.type][self.minor]


def latest_version(kind: str) -> str:
    """The latest known format_version of a type, e.g. '0.5.14' for models."""
    family = kind if kind in LATEST_PATCH else "generic"
    minor = max(LATEST_PATCH[family])
    return f"0.{minor}.{LATEST_PATCH[family][minor]}"


def classify(data: dict) -> tuple[Kind, list[Issue]]:
    """Choose the description class; issues for a missing/odd type or format_version."""
    issues: list[Issue] = []
    raw_type = data.get("type")
    family = raw_type if isinstance(raw_type, str) and raw_type in KNOWN_TYPES else "generic"
    if isinstance(raw_type, str) and raw_type not in KNOWN_TYPES:
        issues.append(warning(["type"], f"unknown type {raw_type!r}, validated as generic", "type_unknown", INFO))
    minors = LATEST_PATCH[family]
    latest_minor = max(minors)
    raw = data.get("format_version")
    if not isinstance(raw, str):
        if raw is not None:
            issues.append(error(["format_version"], f"expected a version string like '{latest_version(family)}', "
                                f"got {describe(raw)}", "type"))
        return Kind(family, latest_minor, minors[latest_minor]), issues
    match = _VERSION.match(raw.strip())
    if match is None:
        short = _NO_PATCH.match(raw.strip())
        if short:
            issues.append(error(["format_version"], f"expected major.minor.patch like '{raw.strip()}.0', got {raw!r}",
                                "format_version"))
            major, minor, patch = int(short.group(1)), int(short.group(2)), 0
        else:
            issues.append(error(["format_version"], f"expected a version like '{latest_version(family)}', got {raw!r}",
                                "format_version"))
            return Kind(family, latest_minor, minors[latest_minor]), issues
    else:
        major, minor, patch = (int(g) for g in match.groups())
    return _known(family, major, minor, patch, raw, issues)


def _known(family: str, major: int, minor: int, patch: int, raw: str,
           issues: list[Issue]) -> tuple[Kind, list[Issue]]:
    minors = LATEST_PATCH[family]
    latest_minor = max(minors)
    if major > 0 or minor > latest_minor:
        issues.append(warning(["format_version"], f"{raw} is newer than any known {family} format; "
                              f"validated as {latest_version(family)}", "format_version_newer", WARNING))
        return Kind(family, latest_minor, minors[latest_minor]), issues
    if minor not in minors:
        known = ", ".join(f"0.{m}" for m in sorted(minors))
        issues.append(error(["format_version"], f"unsupported {family} format {raw}; known: {known}",
                            "format_version"))
        return Kind(family, latest_minor, minors[latest_minor]), issues
    if patch > minors[minor]:
        issues.append(warning(["format_version"], f"{raw} is a newer patch than the known "
                              f"0.{minor}.{minors[minor]}; validated by its rules", "format_version_newer"))
        patch = minors[minor]
    return Kind(family, minor, patch), issues


def field(data: Any, *path: Any) -> Any:
    """data[path...] or None when any step is missing or of the wrong type."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(data, list) or not -len(data) <= step < len(data):
                return None
        elif not isinstance(data, dict):
            return None
        data = data[step] if isinstance(step, int) else data.get(step)
    return data
