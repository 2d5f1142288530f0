"""The harvest stage: Zenodo and partner collections into the store, reporting per source."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from pipeline.errors import BadInput
from pipeline.base.http import HttpPolicy
from pipeline.sources.summary import HarvestSummary, SourceSummary
from pipeline.store import Store

Progress = Callable[[str], None]


def harvest(zenodo: str | None, partners: Path | None, store: Path, *, policy: HttpPolicy | None = None,
            page_size: int | None = None, validate: bool = True, accept: bool = False,
            progress: Progress | None = None) -> HarvestSummary:
    """Pull new resources/versions into `store`; everything that succeeded is written even if a source fails.

    New versions are `pending` (a contribution PR accepts them) unless `accept` is set, which is
    meant for trusted offline sets such as the embedded default.
    """
    from pipeline.sources.harvest_partners import harvest_partners
    from pipeline.sources.harvest_zenodo import harvest_zenodo
    from pipeline.sources.transport import open_transport
    from pipeline.sources.zenodo import PAGE_SIZE, ZenodoClient

    target = Store(store)
    summary = HarvestSummary()
    with target.lock():
        taken = taken_nicknames(target)
        if zenodo:
            try:
                client = ZenodoClient(open_transport(zenodo, policy), page_size=page_size or PAGE_SIZE)
            except BadInput as e:
                summary.sources.append(SourceSummary("zenodo", error=str(e)))
            else:
                summary.sources.append(harvest_zenodo(client, target, taken, validate=validate, accept=accept,
                                                      progress=progress))
        if partners is not None:
            summary.sources += harvest_partners(Path(partners), target, taken, policy=policy,
                                                validate=validate, accept=accept, progress=progress)
        target.save_index()
    return summary


def taken_nicknames(store: Store) -> set[str]:
    """Nicknames of every stored resource, blocked ones included (a damaged file is skipped here)."""
    taken = set()
    for rid in store.ids():
        try:
            resource = store.get(rid)
        except BadInput:
            continue
        if resource is not None and resource.nickname:
            taken.add(resource.nickname)
    return taken
