"""The RDF format library: load, validate, upgrade and normalise resource descriptions.

Public API (imported lazily so `import pipeline.spec` stays cheap):
load_rdf, LoadedRdf, Root, yamlio, validate, Report, Issue, upgrade, normalized_model,
resolve_collection, CollectionEntry, referenced_files, FileRef, find_rdf_name, is_rdf_name.
"""

from __future__ import annotations

import importlib
from typing import Any

from pipeline.spec import yamlio
from pipeline.spec.load import LoadedRdf, find_rdf_name, is_rdf_name, load_rdf, parse_rdf
from pipeline.spec.root import FolderRoot, Root, UrlRoot, ZipRoot

_LAZY = {
    "validate": "pipeline.spec.validator",
    "Report": "pipeline.spec.report",
    "Issue": "pipeline.spec.report",
    "upgrade": "pipeline.spec.upgrader",
    "normalized_model": "pipeline.spec.normalize",
    "resolve_collection": "pipeline.spec.collection",
    "CollectionEntry": "pipeline.spec.collection",
    "referenced_files": "pipeline.spec.files",
    "FileRef": "pipeline.spec.files",
}

__all__ = [
    "FolderRoot", "LoadedRdf", "Root", "UrlRoot", "ZipRoot", "find_rdf_name", "is_rdf_name",
    "load_rdf", "parse_rdf", "yamlio", *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'pipeline.spec' has no attribute {name!r}")
