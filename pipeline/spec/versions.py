"""Which description applies: `type` plus the major.minor of `format_version` (docs/format.md §1).

The rules are the reference's: an unknown `type` is validated as generic; a version without a
patch is refused; an older patch is converted; a newer patch of a known minor (or a newer minor
of the latest format) is validated by the latest known rules with an ALERT; an unknown minor
falls back to the latest format.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pipeline.spec.fieldtypes import Model, describe
from pipeline.spec.report import ALERT, INFO, Issue, error, warning

# Latest known patch per (type, minor), docs/format.md §1 and §11.
LATEST_PATCH: dict[str, dict[int, int]] = {
    "generic": {2: 4, 3: 4},
    "application": {2: 4, 3: 4},
    "dataset": {2: 4, 3: 4},
    "notebook": {2: 4, 3: 4},
    "collection": {2: 4, 3: 4},
    "model": {3: 6, 4: 10, 5: 14},
}
FAMILIES = ("generic", "application", "dataset", "notebook", "model")
KNOWN_TYPES = tuple(LATEST_PATCH)


@dataclass(frozen=True)
class Kind:
    """The description class chosen for an RDF."""

    type: str  # the family: generic, application, dataset, notebook, model (collections validate as generic)
    minor: int  # 2, 3 (0.x types) or 3, 4, 5 (model; 0.3 uses the 0.4 description after conversion)
    patch: int

    @property
    def version(self) -> str:
        return f"0.{self.minor}.{self.patch}"

    @property
    def is_latest_patch(self) -> bool:
        return self.patch >= LATEST_PATCH[self.type][self.minor]

    @property
    def description(self) -> Model:
        """The Model that checks RDFs of this kind."""
        return description(self.type, 4 if self.type == "model" and self.minor == 3 else self.minor)

    @property
    def implemented(self) -> str:
        """The format_version the description implements (older patches are converted into it)."""
        minor = 4 if self.type == "model" and self.minor == 3 else self.minor
        return f"0.{minor}.{LATEST_PATCH[self.type][minor]}"


@lru_cache(maxsize=None)
def description(family: str, minor: int) -> Model:
    """The Model of one family and minor format version (built on first use)."""
    if family == "model":
        if minor == 5:
            from pipeline.spec.descr_model05 import MODEL05

            return MODEL05
        from pipeline.spec.descr_model04 import MODEL04

        return MODEL04
    from pipeline.spec.descr_general import resource02, resource03

    return resource02(family) if minor == 2 else resource03(family)


def latest_version(kind: str) -> str:
    """The latest known format_version of a type, e.g. '0.5.14' for models."""
    family = kind if kind in LATEST_PATCH else "generic"
    minor = max(LATEST_PATCH[family])
    return f"0.{minor}.{LATEST_PATCH[family][minor]}"


def _numbers(version: str) -> tuple[int, ...] | None:
    parts = version.split(".")
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else None


def classify(data: dict) -> tuple[Kind | None, list[Issue]]:
    """The description for `data`, plus issues; None when `type` or `format_version` is unusable.

    A newer patch than known is noted with an ALERT and validated as the latest known patch
    (the caller sets `format_version` to `kind.implemented`).
    """
    issues: list[Issue] = []
    for key in ("type", "format_version"):
        if key not in data:
            issues.append(error([key], f"field required: every RDF names its `{key}` "
                                f"(e.g. {'model' if key == 'type' else latest_version('model')!r})", "missing"))
        elif not isinstance(data[key], str):
            issues.append(error([key], f"expected a string, got {describe(data[key])}", "type"))
    if issues:
        return None, issues
    raw_type, raw = data["type"], data["format_version"]
    family = raw_type if raw_type in FAMILIES else "generic"
    if raw_type not in LATEST_PATCH:
        issues.append(warning(["type"], f"unknown type {raw_type!r}, validated as a generic resource", "type_unknown",
                              INFO))
    minors = LATEST_PATCH[family]
    latest_minor = max(minors)
    dots = raw.count(".")
    major_minor = raw if dots == 1 else raw + ".0" if dots == 0 else raw[: raw.rfind(".")]
    numbers = _numbers(major_minor)
    minor = numbers[1] if numbers is not None and len(numbers) == 2 and numbers[0] == 0 else None
    if minor not in minors:
        issues.append(warning(["format_version"], f"unknown {family} format version {raw!r}; validated by the "
                              f"rules of {latest_version(family)}", "format_version_unknown"))
        minor = latest_minor
    full = _numbers(raw) if dots == 2 else None
    patch = full[2] if full is not None and full[1] == minor else LATEST_PATCH[family][minor]
    kind = Kind(family, minor, min(patch, LATEST_PATCH[family][minor]))
    implemented = _numbers(kind.implemented)
    if full is not None and full[0] == implemented[0] and full[1:] > implemented[1:]:
        issues.append(warning(["format_version"], f"format_version {raw} is newer than this validator knows; "
                              f"validated as {kind.implemented}", "format_version_future", ALERT))
    return kind, issues


def future_patch(data: dict, kind: Kind) -> bool:
    """True when `format_version` is newer than `kind.implemented` (it is then validated as that)."""
    full = _numbers(data["format_version"]) if data["format_version"].count(".") == 2 else None
    implemented = _numbers(kind.implemented)
    return full is not None and full[0] == implemented[0] and full[1:] > implemented[1:]


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
