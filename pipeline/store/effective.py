"""The effective RDF of a stored version: its source RDF with what the store lays over it.

The build validates, tests and publishes this document and a contribution PR shows its
validation, so all of them see the same RDF. Each layer replaces whole fields, as collection
overlays do (docs/format.md §8). From the bottom: the resource's own RDF fields (the base of every
version), the source RDF, the partner collection's overlay, the version's own RDF fields and
name (as the paper-era store wrote corrections), then the maintainers' overrides.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pipeline.base.http import HttpPolicy
from pipeline.errors import BadInput
from pipeline.spec import LoadedRdf, load_rdf
from pipeline.store.model import Resource, Version, data_digest, rdf_location


@dataclass(frozen=True)
class EffectiveRdf:
    """The document (`loaded.sha256` is its own hash) and the hash harvest recorded."""

    loaded: LoadedRdf
    # The RDF file's sha256, or for a partner entry the digest of its data with the
    # collection's overlay: what `Version.rdf_sha256` holds when nothing changed upstream.
    source_sha256: str


def layers(version: Version) -> list[dict[str, Any]]:
    """What a version lays over its source RDF, lowest first: the partner collection's fields,
    the version's own fields (with its name), then the maintainers' overrides."""
    own = {**({"name": version.name} if version.name else {}), **(version.fields or {})}
    return [version.partner_overlay or {}, own, version.overrides or {}]


def effective_rdf(loaded: LoadedRdf, resource: Resource, version: Version) -> EffectiveRdf:
    """`loaded` (the version's source RDF) with the resource's base and the version's layers applied."""
    overlay, *maintained = layers(version)
    source = {**loaded.data, **copy.deepcopy(overlay)}
    # A partner entry's published form is its RDF with the collection's fields, not a file.
    source_sha256 = data_digest(source) if resource.source.startswith("partner:") else loaded.sha256
    data = {**copy.deepcopy(resource.fields or {}), **source}
    for layer in maintained:
        data.update(copy.deepcopy(layer))
    sha256 = source_sha256 if data == source else data_digest(data)
    return EffectiveRdf(replace(loaded, data=data, sha256=sha256), source_sha256)


def load_effective(store_root: Path, resource: Resource, version: Version, *,
                   policy: HttpPolicy | None = None) -> EffectiveRdf:
    """Load a stored version's RDF and apply its layers; BadInput when it cannot be loaded."""
    if not version.rdf_source:
        raise BadInput("the store names no rdf_source", source=f"{resource.id}/{version.version_id}")
    loaded = load_rdf(rdf_location(store_root, version.rdf_source), policy=policy)
    return effective_rdf(loaded, resource, version)
