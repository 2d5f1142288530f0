"""A small store on disk, pointing at copies of the example resources, for build tests."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from pipeline.spec import yamlio


class StoreFixture:
    """Writes resource.yaml files whose versions point at RDF folders under `tmp/records`."""

    def __init__(self, root: Path):
        self.root = root
        self.store = root / "collection"
        self.records = root / "records"
        self.store.mkdir(parents=True)

    def record(self, name: str, rdf: dict | None = None, copy_from: Path | None = None) -> Path:
        folder = self.records / name
        if copy_from is not None:
            shutil.copytree(copy_from, folder)
        else:
            folder.mkdir(parents=True)
        if rdf is not None:
            (folder / "rdf.yaml").write_text(yamlio.dumps(rdf))
        return folder / "rdf.yaml"

    def add(self, rid: str, rdf_path: Path, *, type: str = "model", versions: list[str] = ("1",),
            status: str = "accepted", version_status: str = "accepted", **extra) -> Path:
        sha = hashlib.sha256(rdf_path.read_bytes()).hexdigest() if rdf_path.exists() else ""
        resource = {
            "id": rid, "type": type, "source": "zenodo", "status": status, "nickname": f"nick-{rid[-3:]}",
            "nickname_icon": "🦈", "owners": [1], "name": rid, **extra,
            "versions": [{"version_id": v, "rdf_source": str(rdf_path), "rdf_sha256": sha,
                          "created": f"2024-01-0{i + 1}T00:00:00Z", "status": version_status,
                          "doi": f"10.5281/zenodo.{v}"} for i, v in enumerate(versions)],
        }
        path = self.store / rid / "resource.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yamlio.dumps(resource, sort_keys=True))
        return path


@pytest.fixture
def store(tmp_path):
    return StoreFixture(tmp_path)
