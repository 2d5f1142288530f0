"""The store: one `resource.yaml` per resource under a root folder, replaced atomically under a lock."""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any, Iterator

from filelock import FileLock

from pipeline.base.atomic import replace_file
from pipeline.errors import BadInput
from pipeline.store import yaml
from pipeline.store.model import Resource, valid_id

RESOURCE_FILE = "resource.yaml"
STATE_DIR = ".state"  # caches keyed by content hashes or file stats; safe to delete
INDEX_FILE = "index.json"
# Download counts harvested from the sources' statistics, by resource id: they change every day,
# so they live beside the resources rather than in them (a count is never a reason for a PR).
DOWNLOADS_FILE = "download_counts.json"
MAX_INDEX_BYTES = 512 * 1024 * 1024


class Store:
    """`collection/<resource id>/resource.yaml` files; one writer at a time across processes."""

    def __init__(self, root: Path, *, lock_timeout: float = 600.0):
        self.root = Path(root)
        # The lock lives outside the store so it never shows up in the committed collection.
        digest = hashlib.sha256(str(self.root.resolve()).encode()).hexdigest()[:16]
        self._lock = FileLock(Path(tempfile.gettempdir()) / f"zoo-store-{digest}.lock", timeout=lock_timeout)
        # Parsed resource files keyed by their stat, so an unchanged rerun parses no YAML.
        self._index: dict[str, list[Any]] | None = None
        self._index_dirty = False

    def lock(self) -> FileLock:
        """The store's inter-process lock (reentrant); hold it for a whole harvest."""
        return self._lock

    def path(self, resource_id: str) -> Path:
        check_id(resource_id, source=str(self.root / resource_id))
        return self.root.joinpath(*resource_id.split("/"), RESOURCE_FILE)

    def ids(self) -> list[str]:
        """Ids of all stored resources, sorted."""
        if not self.root.is_dir():
            return []
        found = []
        for path in self.root.rglob(RESOURCE_FILE):
            rel = path.parent.relative_to(self.root).as_posix()
            # An id the store cannot hold is still listed: reading it names the problem.
            if rel != "." and not rel.startswith(STATE_DIR):
                found.append(rel)
        return sorted(found)

    def resources(self) -> Iterator[Resource]:
        """Every stored resource, sorted by id; a damaged file raises BadInput naming it."""
        for rid in self.ids():
            resource = self.get(rid)
            if resource is not None:
                yield resource

    def get(self, resource_id: str) -> Resource | None:
        path = self.path(resource_id)
        try:
            stamp = _stamp(path)
        except OSError:
            return None
        index = self._load_index()
        cached = index.get(resource_id)
        if cached is not None and cached[0] == stamp:
            data = cached[1]
        else:
            data = yaml.read(path)
            index[resource_id] = [stamp, data]
            self._index_dirty = True
        resource = Resource.from_dict(data, source=str(path))
        if resource.id != resource_id:
            raise BadInput(f"id {resource.id!r} does not match its folder", source=str(path), loc=("id",))
        return resource

    def put(self, resource: Resource) -> bool:
        """Write `resource` atomically; returns False when the file already holds exactly that."""
        path = self.path(resource.id)
        data = resource.to_dict()
        written = self.write_file(path, yaml.dumps(data).encode())
        self._load_index()[resource.id] = [_stamp(path), json.loads(json.dumps(data))]
        self._index_dirty = True
        return written

    def save_index(self) -> None:
        """Persist the parse cache (call once at the end of a run)."""
        if self._index_dirty and self._index is not None:
            live = {rid: entry for rid, entry in self._index.items() if self.path(rid).is_file()}
            self.write_file(self.root / STATE_DIR / INDEX_FILE, json.dumps(live, sort_keys=True).encode())
            self._index_dirty = False

    def _load_index(self) -> dict[str, list[Any]]:
        if self._index is None:
            self._index = {}
            path = self.root / STATE_DIR / INDEX_FILE
            try:
                if path.stat().st_size <= MAX_INDEX_BYTES:
                    loaded = json.loads(path.read_bytes())
                    self._index = loaded if isinstance(loaded, dict) else {}
            except (OSError, ValueError):
                pass  # no or damaged cache: parse files as needed
        return self._index

    def download_counts(self) -> dict[str, int]:
        """Harvested download counts by resource id ({} when none were harvested)."""
        try:
            data = json.loads((self.root / DOWNLOADS_FILE).read_bytes())
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): v for k, v in data.items() if isinstance(v, int) and not isinstance(v, bool) and v >= 0}

    def write_download_counts(self, counts: dict[str, int]) -> bool:
        """Merge `counts` into the stored ones (atomically; False when nothing changed)."""
        merged = {**self.download_counts(), **counts}
        return self.write_file(self.root / DOWNLOADS_FILE,
                               (json.dumps(merged, indent=1, sort_keys=True) + "\n").encode())

    def read_state(self, name: str) -> Any:
        path = self.root / STATE_DIR / f"{name}.yaml"
        try:
            return yaml.read(path) if path.is_file() else None
        except BadInput:
            return None  # a damaged cache is a cache miss

    def write_state(self, name: str, data: Any) -> None:
        self.write_file(self.root / STATE_DIR / f"{name}.yaml", yaml.dumps(data).encode())

    def write_file(self, path: Path, data: bytes) -> bool:
        """Atomically replace any file under the store (temp file + rename, under the lock)."""
        with self._lock:
            try:
                if path.read_bytes() == data:
                    return False
            except OSError:
                pass
            replace_file(path, data)
            return True


def check_id(resource_id: str, *, source: str | None = None) -> None:
    """Refuse ids that are not valid or would leave the store folder."""
    if not valid_id(resource_id):
        raise BadInput(f"invalid resource id {resource_id!r}", source=source)


def _stamp(path: Path) -> list[int]:
    # An atomic replace changes the inode and ctime, so a rewrite is never mistaken for the old file.
    st = path.stat()
    return [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
