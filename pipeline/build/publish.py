"""Publishing one accepted version: its RDF with zoo fields, covers, files and zip package."""

from __future__ import annotations

import copy
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from pipeline.base.paths import joined
from pipeline.build.files import write_if_changed
from pipeline.contracts.stage import Problem
from pipeline.build.packages import write_package
from pipeline.build.svg_covers import is_svg, rasterise
from pipeline.build.thumbnails import cover_file_name, make_thumbnail, thumbnail_name
from pipeline.errors import BadInput
from pipeline.build.previews import tensor_previews
from pipeline.spec import LoadedRdf, yamlio
from pipeline.spec.files import replace_reference
from pipeline.spec.root import UrlRoot, is_url
from pipeline.spec.upgrader import as_person
from pipeline.store.nicknames import icon_of
from pipeline.store.model import Resource, Version

MiB = 1024 * 1024
# Files of local roots (the embedded examples) are copied next to the published RDF so its
# relative paths keep working from the site; above this size only the package carries them.
MAX_COPIED_FILE = 16 * MiB
# SVG covers are drawn to PNG first (svg_covers): never served as they came.
COVER_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".svg")
# Copied files are served from the zoo's own origin, where an HTML, SVG or script file from a
# stranger would be stored cross-site scripting; only inert kinds are copied (the package still
# holds every file).
SERVED_SUFFIXES = frozenset({
    ".npy", ".npz", ".pt", ".pth", ".ckpt", ".onnx", ".data", ".h5", ".hdf5", ".keras", ".pb",
    ".safetensors", ".bin", ".zip", ".gz", ".tar", ".tif", ".tiff", ".png", ".jpg", ".jpeg", ".gif",
    ".md", ".txt", ".yaml", ".yml", ".json", ".ipynb", ".py", ".ijm", ".csv", ".cff",
})


@dataclass
class Published:
    """Site-relative paths of what was written for one version, and problems met on the way."""

    covers: list[str] = field(default_factory=list)
    previews: list[str] = field(default_factory=list)
    package: str | None = None
    files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def version_dir(resource_id: str, version_id: str) -> str:
    """Site-relative folder of a version: the store checked both ids, and `joined` checks them again
    where they become a path (UnsafePath, never a folder outside `rdfs/`)."""
    return joined("rdfs", resource_id, version_id)


def published_rdf(data: dict[str, Any], resource: Resource, version: Version,
                  accepted_ids: Sequence[str]) -> dict[str, Any]:
    """The effective RDF as published: `id` = `<rid>/<vid>`, zoo fields under config.bioimageio."""
    rdf = copy.deepcopy(data)
    rdf["id"] = f"{resource.id}/{version.version_id}"
    for key in ("authors", "maintainers"):  # plain names, as format 0.2 allowed, written as {name}
        if isinstance(rdf.get(key), list):
            rdf[key] = [as_person(person) for person in rdf[key]]
    config = rdf.get("config") if isinstance(rdf.get("config"), dict) else {}
    zoo = config.get("bioimageio") if isinstance(config.get("bioimageio"), dict) else {}
    zoo.update({
        "resource_id": resource.id,
        "version_id": version.version_id,
        "nickname": resource.nickname,
        "nickname_icon": resource.nickname_icon or icon_of(resource.nickname),
        "concept_doi": resource.doi,
        "owners": list(resource.owners) or None,
        "doi": version.doi,
        "created": version.created,
        "status": version.status,
        "version_name": version.version_name or None,
        "version_ids": list(accepted_ids),
    })
    config["bioimageio"] = {k: v for k, v in zoo.items() if v is not None}
    rdf["config"] = config
    return rdf


def publish_version(loaded: LoadedRdf, rdf: dict[str, Any], site: Path, folder: str, *,
                    with_package: bool = True) -> Published:
    """Write rdf.yaml, cover thumbnails, local files and the package into `site/folder`."""
    from pipeline.spec import referenced_files

    out = Published()
    target = site / folder
    refs = referenced_files(loaded.data)
    for ref in refs:
        if is_url(ref.source) or not _servable(ref.source):
            continue
        try:
            data = loaded.root.read_bytes(ref.source, max_bytes=MAX_COPIED_FILE)
        except BadInput as e:
            out.problems.append(Problem(folder, str(e)))
            continue
        rel = posixpath.normpath(ref.source)
        if f"{folder}/files/{rel}" in out.files:
            continue  # the same file named in two places
        write_if_changed(target / "files" / rel, data)
        out.files.append(f"{folder}/files/{rel}")
    _rebase_local_refs(rdf, loaded, refs)
    for index, cover in enumerate(_covers(loaded.data)):
        try:
            image = loaded.root.read_bytes(cover, max_bytes=20 * MiB)
            if is_svg(cover_file_name(cover), image):
                image = rasterise(image, source=cover)
            thumb = make_thumbnail(image, source=cover)
        except BadInput as e:
            out.problems.append(Problem(folder, str(e), ("covers", index)))
            continue
        name = f"covers/{index}-{thumbnail_name(cover, thumb)}"
        write_if_changed(target / name, thumb)
        out.covers.append(f"{folder}/{name}")
    for name, png in sorted(tensor_previews(loaded).items()):
        write_if_changed(target / "previews" / name, png)
        out.previews.append(f"{folder}/previews/{name}")
    write_if_changed(target / "rdf.yaml", yamlio.dumps(rdf, sort_keys=True, fast=True).encode())
    if with_package:
        try:
            write_package(loaded, target / "package.zip")
            out.package = f"{folder}/package.zip"
        except BadInput as e:
            out.problems.append(Problem(folder, str(e), ("package",)))
    return out


def _covers(data: dict[str, Any]) -> list[str]:
    covers = data.get("covers")
    sources = []
    for cover in covers if isinstance(covers, list) else []:
        source = cover.get("source") if isinstance(cover, dict) else cover
        if isinstance(source, str) and cover_file_name(source).lower().endswith(COVER_SUFFIXES):
            sources.append(source)
    return sources


def _rebase_local_refs(rdf: dict[str, Any], loaded: LoadedRdf, refs: list[Any]) -> None:
    """Point the published RDF's local references at the copies under `files/`; a remote
    root's relative references become absolute URLs."""
    for ref in refs:
        if is_url(ref.source) or not (_is_remote_root(loaded) or _servable(ref.source)):
            continue
        try:
            value = loaded.root.resolve(ref.source) if _is_remote_root(loaded) else \
                "files/" + posixpath.normpath(ref.source)
        except BadInput:
            continue
        replace_reference(rdf, ref.loc, ref.source, value)


def _servable(source: str) -> bool:
    return posixpath.splitext(source.lower())[1] in SERVED_SUFFIXES


def _is_remote_root(loaded: LoadedRdf) -> bool:
    return isinstance(loaded.root, UrlRoot)
