"""Where an RDF's relative paths resolve: a local folder, a zip package, or an http(s) URL.

Paths named inside an RDF are untrusted: absolute paths, `..` escapes, `file://` and other
schemes are refused; symlinks leading out of a folder root are refused when read. An http(s)
URL inside an RDF stays a URL and is fetched with the bounded HTTP client.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import posixpath
import shutil
import tempfile
import zipfile
import zlib
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator
from urllib.parse import quote, urlsplit, urlunsplit

from pipeline.errors import BadInput

if TYPE_CHECKING:
    from pipeline.base.http import HttpPolicy


def http() -> Any:
    """The HTTP client, imported on the first fetch: it pulls in requests (~0.1 s), which
    format-only validation of local files never needs."""
    from pipeline.base import http as client

    return client

MiB = 1024 * 1024
DEFAULT_FILE_LIMIT = 2048 * MiB
MAX_ZIP_MEMBERS = 10_000  # a real package has tens of files; millions would exhaust memory while listing
_CHUNK = 1024 * 1024


def is_url(value: str) -> bool:
    """True for http(s) URLs, the only URLs an RDF may name."""
    return value.startswith(("http://", "https://"))


def check_relative(rel: str, *, source: str | None = None) -> str:
    """Return the normalised relative path `rel`, or raise BadInput if it could leave a root."""
    if not isinstance(rel, str) or not rel.strip():
        raise BadInput("expected a relative path or an http(s) URL, got an empty value", source=source)
    scheme = urlsplit(rel).scheme
    if scheme and len(scheme) > 1:  # one letter is a Windows drive, refused below as absolute
        raise BadInput(f"only relative paths and http(s) URLs are allowed, got scheme {scheme!r}: {rel!r}",
                       source=source)
    if "\\" in rel:
        raise BadInput(f"use '/' as path separator, got {rel!r}", source=source)
    if rel.startswith("/") or (len(rel) > 1 and rel[1] == ":"):
        raise BadInput(f"absolute paths are not allowed, got {rel!r}", source=source)
    normal = posixpath.normpath(rel)
    if normal == ".." or normal.startswith("../"):
        raise BadInput(f"path escapes the resource's root: {rel!r}", source=source)
    if normal == ".":
        raise BadInput(f"path names the root itself, not a file: {rel!r}", source=source)
    return normal


def _hash_stream(chunks) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def _verify(path: Path, sha256: str | None, label: str) -> None:
    if sha256 is None:
        return
    with open(path, "rb") as f:
        actual = _hash_stream(iter(lambda: f.read(_CHUNK), b""))
    if actual != sha256.lower():
        path.unlink(missing_ok=True)
        raise BadInput(f"sha256 mismatch: expected {sha256}, got {actual}", source=label)


class Root(ABC):
    """Base of the three root kinds; `rel` arguments are paths or http(s) URLs from an RDF."""

    def __init__(self, policy: HttpPolicy | None = None):
        self._policy = policy

    @property
    def policy(self) -> HttpPolicy:
        """The HTTP policy for remote files (the default one unless given)."""
        if self._policy is None:
            self._policy = http().HttpPolicy()
        return self._policy

    def is_remote(self, rel: str) -> bool:
        """True when `rel` would be fetched over HTTP."""
        return is_url(rel)

    def resolve(self, rel: str) -> str:
        """An absolute URL or a display string for `rel`; BadInput if it could leave the root."""
        if is_url(rel):
            return rel
        return self._resolve_local(check_relative(rel, source=self.display))

    def exists(self, rel: str) -> bool:
        """True when `rel` names a readable file (remote URLs are probed with a tiny GET)."""
        if is_url(rel):
            return _url_exists(rel, self.policy)
        return self._exists_local(check_relative(rel, source=self.display))

    def why_missing(self, rel: str) -> str:
        """Why `exists(rel)` is False, in words (a symlink out of the root or a refused URL says so)."""
        if is_url(rel):
            return _url_problem(rel, self.policy) or f"file not found: {rel}"
        return f"file not found: {rel}"

    def read_bytes(self, rel: str, *, max_bytes: int) -> bytes:
        """The bytes of `rel`, at most `max_bytes` (BadInput beyond)."""
        if is_url(rel):
            return http().fetch_bytes(rel, policy=self.policy, max_bytes=max_bytes)
        return self._read_local(check_relative(rel, source=self.display), max_bytes)

    def chunks(self, rel: str, *, max_bytes: int) -> Iterator[bytes]:
        """The bytes of `rel` in pieces of at most a MiB, at most `max_bytes` in all (BadInput beyond):
        memory stays bounded whatever the file's size."""
        if is_url(rel):
            return _url_chunks(rel, self.policy, max_bytes)
        return self._chunks_local(check_relative(rel, source=self.display), max_bytes)

    def _chunks_local(self, rel: str, max_bytes: int) -> Iterator[bytes]:
        yield self._read_local(rel, max_bytes)  # small roots may read whole; the file roots stream

    def materialize(self, rel: str, dest_dir: Path, *, sha256: str | None = None,
                    max_bytes: int = DEFAULT_FILE_LIMIT) -> Path:
        """Put `rel` into `dest_dir` (keeping its relative path), verify sha256, return the path."""
        name = posixpath.basename(urlsplit(rel).path) if is_url(rel) else check_relative(rel)
        name = check_relative(name or "download", source=self.display)
        dest = Path(dest_dir) / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".part")
        try:
            if is_url(rel):
                http().download(rel, tmp, policy=self.policy, max_bytes=max_bytes)
            else:
                self._copy_local(check_relative(rel), tmp, max_bytes)
            _verify(tmp, sha256, self.resolve(rel))
            os.replace(tmp, dest)
        finally:
            tmp.unlink(missing_ok=True)
        return dest

    def sha256(self, rel: str, *, max_bytes: int = DEFAULT_FILE_LIMIT) -> str:
        """Hex sha256 of `rel`'s content."""
        if is_url(rel):
            return _url_sha256(rel, self.policy, max_bytes)
        return self._sha256_local(check_relative(rel, source=self.display), max_bytes)

    @property
    @abstractmethod
    def display(self) -> str:
        """How the root is named in messages."""

    @abstractmethod
    def _resolve_local(self, rel: str) -> str: ...

    @abstractmethod
    def _exists_local(self, rel: str) -> bool: ...

    @abstractmethod
    def _read_local(self, rel: str, max_bytes: int) -> bytes: ...

    @abstractmethod
    def _copy_local(self, rel: str, dest: Path, max_bytes: int) -> None: ...

    def _sha256_local(self, rel: str, max_bytes: int) -> str:
        return hashlib.sha256(self._read_local(rel, max_bytes)).hexdigest()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.display!r})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.display == self.display  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.display))


class FolderRoot(Root):
    """A local folder; reads follow symlinks only while they stay inside the folder."""

    def __init__(self, folder: str | os.PathLike, policy: HttpPolicy | None = None):
        super().__init__(policy)
        self.folder = Path(folder).resolve()

    @property
    def display(self) -> str:
        return str(self.folder)

    def _resolve_local(self, rel: str) -> str:
        return str(self.folder / rel)

    def _inside(self, rel: str) -> Path:
        path = (self.folder / rel).resolve()
        if path != self.folder and self.folder not in path.parents:
            raise BadInput(f"{rel!r} leads out of the resource's folder (symlink)", source=self.display)
        return path

    def _exists_local(self, rel: str) -> bool:
        try:
            return self._inside(rel).is_file()
        except (BadInput, OSError):
            return False

    def why_missing(self, rel: str) -> str:
        if is_url(rel):
            return super().why_missing(rel)
        try:
            self._inside(check_relative(rel))
        except BadInput as e:
            return e.msg
        return super().why_missing(rel)

    def _open(self, rel: str, max_bytes: int):
        path = self._inside(rel)
        if not path.is_file():
            raise BadInput(f"file not found: {rel}", source=self.display)
        size = path.stat().st_size
        if size > max_bytes:
            raise BadInput(f"{rel} has {size} bytes, more than the limit of {max_bytes}", source=self.display)
        return open(path, "rb")

    def _read_local(self, rel: str, max_bytes: int) -> bytes:
        with self._open(rel, max_bytes) as f:
            data = f.read(max_bytes + 1)
        if len(data) > max_bytes:  # the file grew after stat
            raise BadInput(f"{rel} is larger than the limit of {max_bytes} bytes", source=self.display)
        return data

    def _copy_local(self, rel: str, dest: Path, max_bytes: int) -> None:
        with self._open(rel, max_bytes) as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out, _CHUNK)

    def _sha256_local(self, rel: str, max_bytes: int) -> str:
        with self._open(rel, max_bytes) as f:
            return _hash_stream(iter(lambda: f.read(_CHUNK), b""))

    def _chunks_local(self, rel: str, max_bytes: int) -> Iterator[bytes]:
        total = 0
        with self._open(rel, max_bytes) as f:
            while chunk := f.read(_CHUNK):
                total += len(chunk)
                if total > max_bytes:  # the file grew after stat
                    raise BadInput(f"{rel} is larger than the limit of {max_bytes} bytes", source=self.display)
                yield chunk


class ZipRoot(Root):
    """A zip package (a local file); members are looked up by name, never extracted wholesale."""

    def __init__(self, zip_path: str | os.PathLike, policy: HttpPolicy | None = None,
                 *, display: str | None = None):
        super().__init__(policy)
        self.zip_path = Path(zip_path)
        self._display = display or str(self.zip_path)
        try:
            _check_member_count(self.zip_path, self._display)
            with zipfile.ZipFile(self.zip_path) as zf:
                self._members = {i.filename: i for i in zf.infolist() if not i.is_dir()}
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
            raise BadInput(f"not a readable zip file: {e}", source=self._display) from None

    @property
    def display(self) -> str:
        return self._display

    def names(self) -> list[str]:
        """Member file names in the zip."""
        return list(self._members)

    def _resolve_local(self, rel: str) -> str:
        return f"{self._display}/{rel}"

    def _exists_local(self, rel: str) -> bool:
        return rel in self._members

    def _info(self, rel: str, max_bytes: int) -> zipfile.ZipInfo:
        info = self._members.get(rel)
        if info is None:
            raise BadInput(f"file not found in zip: {rel}", source=self._display)
        if info.file_size > max_bytes:
            raise BadInput(f"{rel} has {info.file_size} bytes, more than the limit of {max_bytes}",
                           source=self._display)
        return info

    def _chunks(self, rel: str, max_bytes: int):
        info = self._info(rel, max_bytes)
        total = 0
        try:
            with zipfile.ZipFile(self.zip_path) as zf, zf.open(info) as f:
                # The declared size may lie (zip bombs); count what really comes out.
                while chunk := f.read(_CHUNK):
                    total += len(chunk)
                    if total > max_bytes:
                        raise BadInput(f"{rel} inflates beyond the limit of {max_bytes} bytes",
                                       source=self._display)
                    yield chunk
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError,
                zlib.error) as e:
            raise BadInput(f"cannot read {rel} from zip: {e}", source=self._display) from None

    def _read_local(self, rel: str, max_bytes: int) -> bytes:
        return b"".join(self._chunks(rel, max_bytes))

    def _copy_local(self, rel: str, dest: Path, max_bytes: int) -> None:
        with open(dest, "wb") as out:
            for chunk in self._chunks(rel, max_bytes):
                out.write(chunk)

    def _sha256_local(self, rel: str, max_bytes: int) -> str:
        return _hash_stream(self._chunks(rel, max_bytes))

    def _chunks_local(self, rel: str, max_bytes: int) -> Iterator[bytes]:
        return self._chunks(rel, max_bytes)


def _check_member_count(path: Path, display: str) -> None:
    """Refuse a zip declaring more than MAX_ZIP_MEMBERS entries before zipfile lists them all."""
    with open(path, "rb") as f:
        # zipfile's own end-of-central-directory reader (zip64 aware); private but stable for decades
        end = zipfile._EndRecData(f)  # type: ignore[attr-defined]
    if end is None:
        raise BadInput("not a readable zip file: no end of central directory", source=display)
    count = end[zipfile._ECD_ENTRIES_TOTAL]  # type: ignore[attr-defined]
    if count > MAX_ZIP_MEMBERS:
        raise BadInput(f"zip declares {count} members, more than the limit of {MAX_ZIP_MEMBERS}", source=display)


class UrlRoot(Root):
    """The parent of an http(s) RDF URL; Zenodo file URLs keep their `/files/<p>/content` form."""

    def __init__(self, rdf_url: str, policy: HttpPolicy | None = None):
        super().__init__(policy)
        if not is_url(rdf_url):
            raise BadInput("expected an http(s) URL", source=rdf_url)
        self.rdf_url = rdf_url
        parts = urlsplit(rdf_url)
        segments = parts.path.split("/")
        self._zenodo = len(segments) >= 3 and segments[-1] == "content" and segments[-3] == "files"
        if self._zenodo:
            base_path = "/".join(segments[:-2]) + "/"
        else:
            base_path = parts.path.rsplit("/", 1)[0] + "/"
        self._base = urlunsplit((parts.scheme, parts.netloc, base_path, "", ""))
        self._query = parts.query

    @property
    def display(self) -> str:
        return self._base

    def _resolve_local(self, rel: str) -> str:
        if self._zenodo:
            url = self._base + quote(rel, safe="") + "/content"
        else:
            url = self._base + quote(rel, safe="/")
        return url

    def is_remote(self, rel: str) -> bool:
        return True

    def _exists_local(self, rel: str) -> bool:
        return _url_exists(self._resolve_local(rel), self.policy)

    def why_missing(self, rel: str) -> str:
        url = rel if is_url(rel) else self._resolve_local(check_relative(rel))
        return _url_problem(url, self.policy) or f"file not found: {rel}"

    def _read_local(self, rel: str, max_bytes: int) -> bytes:
        return http().fetch_bytes(self._resolve_local(rel), policy=self.policy, max_bytes=max_bytes)

    def _copy_local(self, rel: str, dest: Path, max_bytes: int) -> None:
        http().download(self._resolve_local(rel), dest, policy=self.policy, max_bytes=max_bytes)

    def _sha256_local(self, rel: str, max_bytes: int) -> str:
        return _url_sha256(self._resolve_local(rel), self.policy, max_bytes)

    def _chunks_local(self, rel: str, max_bytes: int) -> Iterator[bytes]:
        return _url_chunks(self._resolve_local(rel), self.policy, max_bytes)


def _url_sha256(url: str, policy: HttpPolicy, max_bytes: int) -> str:
    """sha256 of a URL's body, streamed through a temporary file (weights may be gigabytes)."""
    return _hash_stream(_url_chunks(url, policy, max_bytes))


def _url_chunks(url: str, policy: HttpPolicy, max_bytes: int) -> Iterator[bytes]:
    """A URL's body in pieces, streamed through a temporary file (never whole in memory)."""
    with tempfile.TemporaryDirectory(prefix="zoo-stream-") as tmp:
        path = Path(tmp) / "body"
        http().download(url, path, policy=policy, max_bytes=max_bytes)
        with open(path, "rb") as f:
            yield from iter(lambda: f.read(_CHUNK), b"")


def _url_problem(url: str, policy: HttpPolicy) -> str | None:
    """None when `url` can be fetched, else why not (refused address, HTTP status, ...)."""
    try:
        http().fetch_bytes(url, policy=policy, max_bytes=0)
    except http().HttpError as e:
        # A body larger than the zero-byte cap proves the file is there.
        if e.status is None and "limit" in e.msg:
            return None
        return f"cannot fetch {url}: {e.msg}"
    return None


def _url_exists(url: str, policy: HttpPolicy) -> bool:
    return _url_problem(url, policy) is None


def temp_zip_root(data: bytes, display: str, policy: HttpPolicy | None = None) -> ZipRoot:
    """A ZipRoot over downloaded bytes (kept in a temporary file for the process' lifetime)."""
    handle = tempfile.NamedTemporaryFile(prefix="zoo-rdf-", suffix=".zip", delete=False)
    with handle:
        handle.write(data)
    _TEMP_FILES.append(handle.name)
    return ZipRoot(handle.name, policy, display=display)


_TEMP_FILES: list[str] = []


def _cleanup() -> None:
    for name in _TEMP_FILES:
        try:
            os.unlink(name)
        except OSError:
            pass


atexit.register(_cleanup)


class SubRoot(Root):
    """A folder inside another root (a collection entry's RDF in a zip or a subfolder)."""

    def __init__(self, parent: Root, prefix: str):
        super().__init__(parent._policy)
        self.parent = parent
        self.prefix = check_relative(prefix, source=parent.display).rstrip("/") + "/"

    @property
    def display(self) -> str:
        return self.parent.resolve(self.prefix.rstrip("/"))

    def _join(self, rel: str) -> str:
        return posixpath.normpath(self.prefix + rel)

    def is_remote(self, rel: str) -> bool:
        return is_url(rel) or self.parent.is_remote(self._join(check_relative(rel)))

    def _resolve_local(self, rel: str) -> str:
        return self.parent.resolve(self._join(rel))

    def _exists_local(self, rel: str) -> bool:
        return self.parent.exists(self._join(rel))

    def _read_local(self, rel: str, max_bytes: int) -> bytes:
        return self.parent.read_bytes(self._join(rel), max_bytes=max_bytes)

    def _copy_local(self, rel: str, dest: Path, max_bytes: int) -> None:
        dest.write_bytes(self._read_local(rel, max_bytes))

    def _sha256_local(self, rel: str, max_bytes: int) -> str:
        return self.parent.sha256(self._join(rel), max_bytes=max_bytes)


def sub_root(root: Root, rdf_path: str) -> Root:
    """The root of an RDF at relative path `rdf_path` inside `root`."""
    folder = posixpath.dirname(check_relative(rdf_path, source=root.display))
    if not folder:
        return root
    if isinstance(root, FolderRoot):
        inner = FolderRoot(root.folder / folder, root._policy)
        if root.folder not in inner.folder.parents:
            raise BadInput(f"{folder!r} leads out of the resource's folder (symlink)", source=root.display)
        return inner
    if isinstance(root, UrlRoot):
        return UrlRoot(root.resolve(rdf_path), root._policy)
    return SubRoot(root, folder)
