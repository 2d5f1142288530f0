"""The project's small exception tree; only the CLI turns these into messages and exit codes."""

from __future__ import annotations

from typing import Sequence


class ZooError(Exception):
    """Base of every error the pipeline raises on purpose."""


class BadInput(ZooError):
    """Input that cannot be read or accepted: names the source and, where known, the field."""

    def __init__(self, msg: str, *, source: str | None = None, loc: Sequence[str | int] = ()):
        self.msg = msg
        self.source = source
        self.loc = tuple(loc)
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in self.loc).replace(".[", "[")
        prefix = f"{self.source}: " if self.source else ""
        return f"{prefix}{where + ': ' if where else ''}{self.msg}"


class StageFailed(ZooError):
    """A stage ran but what it checked failed (exit code 1)."""


class ExternalToolFailed(ZooError):
    """pip, uv, conda, git or another external program failed or timed out."""
