"""Validation reports: issues with a `loc` path into the RDF, and their text and JSON forms."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

INFO, WARNING, ALERT, ERROR = 20, 30, 35, 50
SEVERITY_NAMES = {INFO: "INFO", WARNING: "WARNING", ALERT: "ALERT", ERROR: "ERROR"}

Loc = tuple  # tuple[str | int, ...]


@dataclass(frozen=True)
class Issue:
    """One finding: where (`loc`), what (`msg`), its kind (`type`) and severity."""

    loc: Loc
    msg: str
    type: str
    severity: int = ERROR
    follows: str | None = None  # the loc of the root cause this error follows from (guidance)

    @property
    def severity_name(self) -> str:
        return SEVERITY_NAMES.get(self.severity, str(self.severity))

    def loc_text(self) -> str:
        """The loc as `inputs[0].axes[2].size`."""
        text = ""
        for part in self.loc:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
        return text or "(root)"


def error(loc: Sequence[Any], msg: str, kind: str) -> Issue:
    """An error Issue."""
    return Issue(tuple(loc), msg, kind, ERROR)


def warning(loc: Sequence[Any], msg: str, kind: str, severity: int = WARNING) -> Issue:
    """A warning Issue (INFO, WARNING or ALERT)."""
    return Issue(tuple(loc), msg, kind, severity)


@dataclass
class Report:
    """The outcome of validating one source (and, for collections, each of its entries)."""

    source: str
    type: str | None = None
    format_version: str | None = None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    entries: list["Report"] = field(default_factory=list)
    id: str | None = None

    @property
    def status(self) -> str:
        failed = self.errors or any(e.status == "failed" for e in self.entries)
        return "failed" if failed else "passed"

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def add(self, issues: Sequence[Issue]) -> None:
        """File each issue under errors or warnings by its severity."""
        for issue in issues:
            (self.errors if issue.severity >= ERROR else self.warnings).append(issue)

    def to_json(self) -> dict:
        """The JSON shape `zoo validate --json` prints (plus `entries` for collections)."""
        out: dict[str, Any] = {
            "source": self.source,
            "type": self.type,
            "format_version": self.format_version,
            "status": self.status,
            "errors": [_error_json(e) for e in self.errors],
            "warnings": [
                {"loc": list(w.loc), "msg": w.msg, "type": w.type, "severity": w.severity_name}
                for w in self.warnings
            ],
        }
        if self.entries:
            out["entries"] = [dict(e.to_json(), id=e.id) for e in self.entries]
        return out

    def format_text(self, indent: str = "") -> str:
        """A readable multi-line report."""
        mark = "passed" if self.passed else "FAILED"
        kind = f"{self.type or '?'} {self.format_version or '?'}"
        lines = [f"{indent}{self.source}: {mark} ({kind}, {len(self.errors)} error(s), "
                 f"{len(self.warnings)} warning(s))"]
        folded = [e for e in self.errors if e.follows]
        for e in self.errors:
            if not e.follows:
                lines.append(f"{indent}  error   {e.loc_text()}: {e.msg} [{e.type}]")
        if folded:
            lines.append(f"{indent}  ... {len(folded)} error(s) that follow from the above:")
            lines += [f"{indent}      {e.loc_text()}: {e.msg} [{e.type}]" for e in folded]
        for w in self.warnings:
            lines.append(f"{indent}  {w.severity_name.lower():<7} {w.loc_text()}: {w.msg} [{w.type}]")
        for entry in self.entries:
            lines.append(entry.format_text(indent + "  "))
        return "\n".join(lines)


def _error_json(issue: Issue) -> dict:
    out: dict[str, Any] = {"loc": list(issue.loc), "msg": issue.msg, "type": issue.type}
    if issue.follows:
        out["follows"] = issue.follows
    return out
