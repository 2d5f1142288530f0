"""What a harvest did, per source: new, updated, unchanged, deleted, failed items."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.contracts.stage import Problem


@dataclass
class SourceSummary:
    """One source (Zenodo or one partner); `error` is set when the source as a whole failed."""

    name: str
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    deleted: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    invalid: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.failed

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "new": self.new, "updated": self.updated, "unchanged": self.unchanged,
            "deleted": self.deleted, "skipped": self.skipped,
            "failed": [{"item": i, "error": m} for i, m in self.failed],
            "invalid": [{"item": i, "error": m} for i, m in self.invalid], "error": self.error,
        }


@dataclass
class HarvestSummary:
    """The harvest stage's result: one summary per source."""

    sources: list[SourceSummary] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.sources)

    @property
    def problems(self) -> list[Problem]:
        """Sources that failed as a whole, and items that failed (invalid RDFs are not problems)."""
        found = [Problem(s.name, s.error) for s in self.sources if s.error]
        return found + [Problem(item, msg) for s in self.sources for item, msg in s.failed]

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "sources": [s.to_json() for s in self.sources],
                "problems": [p.to_json() for p in self.problems]}

    def format_text(self) -> str:
        lines = []
        for s in self.sources:
            state = f"FAILED: {s.error}" if s.error else "ok" if s.ok else "with failures"
            skipped = f", {len(s.skipped)} skipped" if s.skipped else ""
            invalid = f", {len(s.invalid)} invalid" if s.invalid else ""
            lines.append(f"{s.name}: {len(s.new)} new, {len(s.updated)} updated, {s.unchanged} unchanged, "
                         f"{len(s.deleted)} deleted{skipped}{invalid}, {len(s.failed)} failed ({state})")
            lines += [f"  failed  {item}: {msg}" for item, msg in s.failed]
            lines += [f"  invalid {item}: {msg}" for item, msg in s.invalid]
        return "\n".join(lines)
