"""Loading an RDF from a file, folder, zip package or http(s) URL into plain data plus its root."""

from __future__ import annotations

import hashlib
import os
import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable
from urllib.parse import unquote, urlsplit

from pipeline.errors import BadInput
from pipeline.spec import yamlio
from pipeline.spec.root import FolderRoot, Root, UrlRoot, ZipRoot, http, is_url, temp_zip_root

if TYPE_CHECKING:
    from pipeline.base.http import HttpPolicy

MiB = 1024 * 1024
MAX_RDF_BYTES = 16 * MiB
MAX_PACKAGE_BYTES = 1024 * MiB
MAX_RDF_NODES = 200_000  # real RDFs have at most a few thousand YAML nodes
RDF_NAMES = ("rdf.yaml", "bioimageio.yaml", "model.yaml")
RDF_SUFFIXES = (".rdf.yaml", ".bioimageio.yaml", ".model.yaml")


@dataclass(frozen=True)
class LoadedRdf:
    """A parsed RDF: plain `data`, the `root` its relative paths resolve against, and provenance."""

    data: dict
    root: Root
    source: str
    file_name: str
    sha256: str


def is_rdf_name(name: str) -> bool:
    """True if a file called `name` is recognised as an RDF (docs/format.md §1)."""
    base = posixpath.basename(name)
    return base in RDF_NAMES or base.endswith(RDF_SUFFIXES)


def find_rdf_name(names: Iterable[str]) -> str | None:
    """The RDF among file `names` by the recognised names' priority, or None."""
    names = sorted(set(names))
    for exact in RDF_NAMES:
        if exact in names:
            return exact
    for suffix in RDF_SUFFIXES:
        for name in names:
            if name.endswith(suffix):
                return name
    return None


def parse_rdf(raw: bytes, *, source: str, max_bytes: int = MAX_RDF_BYTES) -> dict:
    """Parse RDF bytes into a plain mapping; BadInput for anything that is not one."""
    if not raw.strip():
        raise BadInput("the RDF is empty", source=source)
    data = yamlio.loads(raw, source=source, max_bytes=max_bytes, max_nodes=MAX_RDF_NODES)
    if data is None:
        raise BadInput("the RDF is empty", source=source)
    if not isinstance(data, dict):
        raise BadInput(f"expected a YAML mapping at the top level, got {_kind(data)}", source=source)
    return data


def _kind(value: object) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def load_rdf(source: str | os.PathLike, *, policy: HttpPolicy | None = None,
             max_bytes: int = MAX_RDF_BYTES) -> LoadedRdf:
    """Load an RDF from a local file, folder, zip file, or http(s) URL; BadInput if unreadable."""
    text = os.fspath(source)
    if isinstance(source, str) and "://" in source and not is_url(source):
        raise BadInput(f"only local paths and http(s) URLs can be loaded, got {source.split('://')[0]}://",
                       source=text)
    if isinstance(source, str) and is_url(source):
        root, file_name, raw = _from_url(source, policy, max_bytes)
    else:
        root, file_name, raw = _from_path(Path(text), policy, max_bytes)
    data = parse_rdf(raw, source=text, max_bytes=max_bytes)
    return LoadedRdf(data=data, root=root, source=text, file_name=file_name,
                     sha256=hashlib.sha256(raw).hexdigest())


def _from_path(path: Path, policy: HttpPolicy | None, max_bytes: int) -> tuple[Root, str, bytes]:
    label = str(path)
    if path.is_dir():
        try:
            names = [p.name for p in path.iterdir() if p.is_file()]
        except OSError as e:
            raise BadInput(f"cannot list folder: {e.strerror}", source=label) from None
        name = find_rdf_name(names)
        if name is None:
            raise BadInput(f"no RDF found in folder (looked for {', '.join(RDF_NAMES)}, *{', *'.join(RDF_SUFFIXES)})",
                           source=label)
        root = FolderRoot(path, policy)
        return root, name, root.read_bytes(name, max_bytes=max_bytes)
    if not path.exists():
        raise BadInput("no such file or folder", source=label)
    if path.suffix.lower() == ".zip" or (path.is_file() and zipfile.is_zipfile(path) and not is_rdf_name(path.name)):
        return _from_zip(ZipRoot(path, policy), max_bytes)
    root = FolderRoot(path.parent, policy)
    try:
        size = path.stat().st_size
    except OSError as e:
        raise BadInput(f"cannot read: {e.strerror}", source=label) from None
    if size > max_bytes:
        raise BadInput(f"file has {size} bytes, more than the RDF limit of {max_bytes}", source=label)
    try:
        return root, path.name, path.read_bytes()[: max_bytes + 1]
    except OSError as e:
        raise BadInput(f"cannot read: {e.strerror}", source=label) from None


def _from_zip(root: ZipRoot, max_bytes: int) -> tuple[Root, str, bytes]:
    top_level = [n for n in root.names() if "/" not in n]
    name = find_rdf_name(top_level)
    if name is None:
        raise BadInput(f"no RDF at the top level of the zip (looked for {', '.join(RDF_NAMES)}, ...)",
                       source=root.display)
    return root, name, root.read_bytes(name, max_bytes=max_bytes)


def _from_url(url: str, policy: HttpPolicy | None, max_bytes: int) -> tuple[Root, str, bytes]:
    client = http()
    policy = policy or client.HttpPolicy()
    segments = urlsplit(url).path.split("/")
    zenodo = len(segments) >= 3 and segments[-1] == "content" and segments[-3] == "files"
    file_name = unquote(segments[-2] if zenodo else segments[-1])
    if file_name.lower().endswith(".zip"):
        data = client.fetch_bytes(url, policy=policy, max_bytes=min(policy.max_bytes, MAX_PACKAGE_BYTES))
        return _from_zip(temp_zip_root(data, url, policy), max_bytes)
    raw = client.fetch_bytes(url, policy=policy, max_bytes=max_bytes)
    return UrlRoot(url, policy), file_name or "rdf.yaml", raw
