"""Self-contained, hash-checked zip packages: the RDF plus every file it references, streamed.

Remote files are downloaded into the package and their references rewritten to the local name,
so a package works offline. Zips are written deterministically (sorted members, fixed times),
so an unchanged version repackages to the same bytes.
"""

from __future__ import annotations

import copy
import hashlib
import os
import posixpath
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pipeline.base.atomic import FILE_MODE
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


def write_package(loaded: LoadedRdf, target: Path, *, max_bytes: int = MAX_PACKAGE_BYTES) -> PackageInfo:
    """Write the package of `loaded` to `target`, streamed: every member is read, hashed and
    compressed piece by piece into a temporary file beside `target`, so memory stays at a few MiB
    whatever the package's size. An unchanged package leaves `target` untouched (written False)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as out:
            members = _write_zip(loaded, out, max_bytes)
        digest = _file_sha256(tmp)
        if target.is_file() and target.stat().st_size == tmp.stat().st_size and _file_sha256(target) == digest:
            tmp.unlink()
            return PackageInfo(target, tuple(members), digest, False)
        os.replace(tmp, target)
        return PackageInfo(target, tuple(members), digest, True)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_zip(loaded: LoadedRdf, out: BinaryIO, max_bytes: int) -> list[str]:
    """The zip into `out`: the rewritten RDF plus each bundled file; returns the member names."""
    from pipeline.spec import referenced_files

    rdf = copy.deepcopy(loaded.data)
    sources: dict[str, Any] = {}  # member name -> the first reference naming it
    checks: list[tuple[str, Any]] = []
    for ref in referenced_files(loaded.data):
        if not _bundled(ref, loaded.data):
            continue
        name = _member_name(ref.source, sources)
        sources.setdefault(name, ref)
        checks.append((name, ref))
        if name != ref.source:
            replace_reference(rdf, ref.loc, ref.source, name)
    digests: dict[str, str] = {}
    total = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted([*sources, "rdf.yaml"]):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            if name == "rdf.yaml":
                archive.writestr(info, yamlio.dumps(rdf, fast=True).encode())
                continue
            digest = hashlib.sha256()
            with archive.open(info, "w", force_zip64=True) as member:
                for chunk in loaded.root.chunks(sources[name].source, max_bytes=max_bytes - total):
                    digest.update(chunk)
                    member.write(chunk)
                    total += len(chunk)
            digests[name] = digest.hexdigest()
    for name, ref in checks:
        if ref.sha256 and digests[name] != ref.sha256.lower():
            raise BadInput(f"sha256 mismatch for {ref.source!r}", source=loaded.source, loc=ref.loc)
    return sorted([*sources, "rdf.yaml"])


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _bundled(ref: Any, data: dict[str, Any]) -> bool:
    """Local files always; remote ones too, except a dataset's or application's `source`, which
    points at the data or app itself (often gigabytes, or a web page), not at a file of the RDF."""
    if not is_url(ref.source):
        return True
    return not (ref.role == "source" and data.get("type") != "notebook")


def _member_name(source: str, taken: dict[str, Any]) -> str:
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

