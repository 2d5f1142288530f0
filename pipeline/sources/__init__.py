"""Sources: the Zenodo client, partner collections and bounded HTTP; `harvest` fills the store."""

from __future__ import annotations

from typing import Any

__all__ = ["HarvestSummary", "SourceSummary", "harvest"]


def __getattr__(name: str) -> Any:
    # Lazy, so `pipeline.sources.http` stays importable without pulling the format library in.
    if name == "harvest":
        from pipeline.sources.harvesting import harvest

        return harvest
    if name in ("HarvestSummary", "SourceSummary"):
        from pipeline.sources import summary

        return getattr(summary, name)
    raise AttributeError(f"module 'pipeline.sources' has no attribute {name!r}")
