"""Self-contained, hash-checked zip packages: the RDF plus every file it references.

Remote files are downloaded into the package and their references rewritten to the local name,
so a package works offline. Zips are written deterministically (sorted members, fixed times),
so an unchanged version repackages to the same bytes.
"""

from __future__ import annotations

import copy
import hashlib
import io
import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.build.files import write_if_changed
from pipeline.errors import BadInput
from pipeline.spec import LoadedRdf, yamlio
from pipeline.spec.files import replace_reference
from pipeline.spec.root import is_url

MiB = 1024 * 1024
MAX_PACKAGE_BYTES = 4096 * MiB
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class PackageInfo:
    """Where a package went, what it holds, and its hash."""

    path: Path
    members: tuple[str, ...]
    sha256: str
    written: bool


def package_bytes(loaded: LoadedRdf, *, max_bytes: int = MAX_PACKAGE_BYTES) -> tuple[bytes, list[str]]:
    """The zip package of `loaded` as bytes, and its member names."""
    from pipeline.spec import referenced_files

    rdf = copy.deepcopy(loaded.data)
    members: dict[str, bytes] = {}
    total = 0
    for ref in referenced_files(loaded.data):
        if not _bundled(ref, loaded.data):
            continue
        name = _member_name(ref.source, members)
        data = loaded.root.read_bytes(ref.source, max_bytes=max_bytes - total)
        if ref.sha256 and hashlib.sha256(data).hexdigest() != ref.sha256.lower():
            raise BadInput(f"sha256 mismatch for {ref.source!r}", source=loaded.source, loc=ref.loc)
        total += len(data)
        if name not in members:
            members[name] = data
        if name != ref.source:
            replace_reference(rdf, ref.loc, ref.source, name)
    members["rdf.yaml"] = yamlio.dumps(rdf, fast=True).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, members[name])
    return out.getvalue(), sorted(members)


def write_package(loaded: LoadedRdf, target: Path) -> PackageInfo:
    """Write the package of `loaded` to `target` (only if its bytes changed)."""
    data, members = package_bytes(loaded)
    written = write_if_changed(target, data)
    return PackageInfo(target, tuple(members), hashlib.sha256(data).hexdigest(), written)


def _bundled(ref: Any, data: dict[str, Any]) -> bool:
    """Local files always; remote ones too, except a dataset's or application's `source`, which
    points at the data or app itself (often gigabytes, or a web page), not at a file of the RDF."""
    if not is_url(ref.source):
        return True
    return not (ref.role == "source" and data.get("type") != "notebook")


def _member_name(source: str, taken: dict[str, bytes]) -> str:
    """Local files keep their relative path; URLs become their last path segment."""
    if not is_url(source):
        return posixpath.normpath(source)
    base = posixpath.basename(source.split("?", 1)[0].rstrip("/"))
    if base == "content":  # Zenodo file URLs end in /files/<name>/content
        base = posixpath.basename(posixpath.dirname(source.split("?", 1)[0]))
    base = "".join(c for c in base if c.isalnum() or c in "._-") or "file"
    name, n = base, 1
    while name in taken or name == "rdf.yaml":
        n += 1
        name = f"{n}_{base}"
    return name

