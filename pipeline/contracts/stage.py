"""What every stage returns: `run(config) -> StageResult`, with the problems it met item by item."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, Sequence

from pipeline.errors import BadInput, format_loc


@dataclass(frozen=True)
class Problem:
    """One item a stage could not handle: the file, URL or resource, where in it, and what."""

    source: str
    message: str
    loc: tuple[str | int, ...] = ()

    @classmethod
    def of(cls, error: BadInput, *, source: str = "") -> "Problem":
        """A problem from an error, which names its own source when it knows one."""
        return cls(error.source or source, error.msg, error.loc)

    def format_text(self) -> str:
        return ": ".join(part for part in (self.source, format_loc(self.loc), self.message) if part)

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "loc": list(self.loc), "message": self.message}


class StageResult(Protocol):
    """A stage's summary: `ok` is False when an item or source failed (exit status 1)."""

    @property
    def ok(self) -> bool: ...

    @property
    def problems(self) -> Sequence[Problem]: ...

    def to_json(self) -> dict[str, Any]: ...

    def format_text(self) -> str: ...
