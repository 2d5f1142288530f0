"""The RDF format library: load, validate, upgrade and normalise resource descriptions."""

from pipeline.spec import yamlio
from pipeline.spec.collection import CollectionEntry, resolve_collection
from pipeline.spec.files import FileRef, referenced_files
from pipeline.spec.load import LoadedRdf, find_rdf_name, is_rdf_name, load_rdf, parse_rdf
from pipeline.spec.normalize import normalized_model
from pipeline.spec.report import Issue, Report
from pipeline.spec.root import FolderRoot, Root, UrlRoot, ZipRoot
from pipeline.spec.upgrader import upgrade
from pipeline.spec.validator import validate

__all__ = [
    "CollectionEntry", "FileRef", "FolderRoot", "Issue", "LoadedRdf", "Report", "Root", "UrlRoot", "ZipRoot",
    "find_rdf_name", "is_rdf_name", "load_rdf", "normalized_model", "parse_rdf", "referenced_files",
    "resolve_collection", "upgrade", "validate", "yamlio",
]
