"""Sources: the Zenodo client and partner collections; `harvest` fills the store from them."""

from pipeline.sources.harvesting import harvest
from pipeline.sources.summary import HarvestSummary, SourceSummary

__all__ = ["HarvestSummary", "SourceSummary", "harvest"]
