"""The project's small exception tree; only the CLI turns these into messages and exit codes."""

from __future__ import annotations

from typing import Sequence


def format_loc(loc: Sequence[str | int]) -> str:
    """A path of keys and list indices as `inputs[0].axes[2].size` ("" for the root)."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


MAX_DESCRIBED = 500


def describe(error: BaseException) -> str:
    """An exception as one bounded line for a report: our own errors as they are, any other with
    its type (it is a bug or a hostile input no check anticipated; the item fails, the stage goes on)."""
    text = str(error) if isinstance(error, ZooError) else f"{type(error).__name__}: {error}"
    text = " ".join(text.split())
    return text if len(text) <= MAX_DESCRIBED else text[:MAX_DESCRIBED] + "..."


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
        where = format_loc(self.loc)
        prefix = f"{self.source}: " if self.source else ""
        return f"{prefix}{where + ': ' if where else ''}{self.msg}"


class StageFailed(ZooError):
    """A stage ran but what it checked failed (exit code 1)."""


class ExternalToolFailed(ZooError):
    """pip, uv, conda, git or another external program failed or timed out."""
