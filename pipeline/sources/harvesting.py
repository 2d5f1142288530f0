"""The harvest stage: Zenodo and partner collections into the store, reporting per source."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pipeline import defaults
from pipeline.base.http import HttpPolicy
from pipeline.errors import BadInput
from pipeline.sources.harvest_partners import harvest_partners
from pipeline.sources.harvest_zenodo import harvest_zenodo
from pipeline.sources.summary import HarvestSummary, SourceSummary
from pipeline.sources.transport import open_transport
from pipeline.sources.zenodo import PAGE_SIZE, ZenodoClient
from pipeline.store import Store

Progress = Callable[[str], None]


@dataclass(frozen=True)
class HarvestConfig:
    """Where harvest reads and writes; `zenodo` or `partners` None skips that source.

    New versions are `pending` (a contribution PR accepts them) unless `accept` is set, which is
    meant for trusted offline sets such as the embedded default.
    """

    zenodo: str | None = defaults.ZENODO  # API base URL or a record-set folder
    partners: Path | None = defaults.PARTNERS
    store: Path = defaults.STORE
    policy: HttpPolicy | None = None
    page_size: int | None = None
    validate: bool = True  # format-validate harvested RDFs (their failures are listed, not fatal)
    accept: bool = False
    progress: Progress | None = None


def run(config: HarvestConfig) -> HarvestSummary:
    """Pull new resources/versions into the store; all that succeeded is written even if a source fails."""
    target = Store(Path(config.store))
    summary = HarvestSummary()
    with target.lock():
        taken = taken_nicknames(target)
        if config.zenodo:
            try:
                client = ZenodoClient(open_transport(config.zenodo, config.policy),
                                      page_size=config.page_size or PAGE_SIZE)
            except BadInput as e:
                summary.sources.append(SourceSummary("zenodo", error=str(e)))
            else:
                summary.sources.append(harvest_zenodo(client, target, taken, validate=config.validate,
                                                      accept=config.accept, progress=config.progress))
        if config.partners is not None:
            summary.sources += harvest_partners(Path(config.partners), target, taken, policy=config.policy,
                                                validate=config.validate, accept=config.accept,
                                                progress=config.progress)
        target.save_index()
    return summary


def taken_nicknames(store: Store) -> set[str]:
    """Nicknames of every stored resource, blocked ones included (a damaged file is skipped here)."""
    taken = set()
    for rid in store.ids():
        try:
            resource = store.get(rid)
        except Exception:  # a damaged or unreadable file is reported where it is harvested
            continue
        if resource is not None and resource.nickname:
            taken.add(resource.nickname)
    return taken
