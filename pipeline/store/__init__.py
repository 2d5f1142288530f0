"""The store: `collection/<resource id>/resource.yaml` per resource, and nicknames."""

from pipeline.store.model import Resource, Version
from pipeline.store.store import Store

__all__ = ["Resource", "Store", "Version"]
