"""Writing a Zenodo-shaped record-set folder (the shape `transport.FolderTransport` and
`zenodo_server.ZenodoServer` read): used by the examples' generator, the tests and the benchmark."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from pipeline.sources.transport import FOLDER_BASE

QUERY = {"q": "keywords:bioimage.io", "all_versions": 1, "sort": "newest"}


def record_json(rid: int, cid: int, created: datetime, files: dict[str, bytes], *, title: str = "",
                description: str = "", version: str = "", keywords: list[str] | None = None,
                creators: list[dict[str, Any]] | None = None, license: str = "", owner: int = 100) -> dict[str, Any]:
    """One record as `GET /api/records/<id>` answers it (links under FOLDER_BASE)."""
    stamp = created.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00")
    return {
        "id": rid, "recid": str(rid), "conceptrecid": str(cid),
        "doi": f"10.5281/zenodo.{rid}", "conceptdoi": f"10.5281/zenodo.{cid}",
        "doi_url": f"https://doi.org/10.5281/zenodo.{rid}",
        "created": stamp, "updated": stamp, "status": "published", "state": "done",
        "metadata": {
            "title": title, "description": description, "version": version,
            "keywords": keywords if keywords is not None else ["bioimage.io"],
            "creators": creators or [], "license": {"id": license.lower()},
            "resource_type": {"title": "Other", "type": "other"},
            "publication_date": created.date().isoformat(), "access_right": "open",
        },
        "files": [
            {"id": hashlib.md5(f"{rid}/{key}".encode()).hexdigest(), "key": key, "size": len(data),
             "checksum": "md5:" + hashlib.md5(data).hexdigest(),
             "links": {"self": f"{FOLDER_BASE}/records/{rid}/files/{key}/content"}}
            for key, data in sorted(files.items())
        ],
        "owners": [{"id": owner}],
        "links": {"self": f"{FOLDER_BASE}/records/{rid}", "self_html": f"https://zenodo.org/records/{rid}"},
        "stats": {"downloads": 0, "unique_downloads": 0, "views": 0, "version_views": 0},
    }


def write_record_set(folder: Path, records: list[tuple[dict[str, Any], dict[str, bytes]]], *,
                     page_size: int = 10, clean: bool = True) -> None:
    """Write records, their files and the search pages (newest first) into `folder`."""
    folder = Path(folder)
    if clean and folder.exists():
        shutil.rmtree(folder)
    for rec, files in records:
        target = folder / "records" / str(rec["id"]) / "files"
        target.mkdir(parents=True, exist_ok=True)
        for key, data in files.items():
            (target / key).write_bytes(data)
        _json(folder / "records" / f"{rec['id']}.json", rec)
    ordered = sorted((r for r, _ in records), key=lambda r: (r["created"], r["id"]), reverse=True)
    pages = [ordered[i:i + page_size] for i in range(0, len(ordered), page_size)] or [[]]
    (folder / "search").mkdir(parents=True, exist_ok=True)
    for n, hits in enumerate(pages, start=1):
        links = {"self": page_url(n, page_size)}
        if n < len(pages):
            links["next"] = page_url(n + 1, page_size)
        _json(folder / "search" / f"page-{n:04d}.json",
              {"hits": {"hits": hits, "total": len(ordered)}, "links": links, "aggregations": {}})


def page_url(page: int, size: int) -> str:
    return f"{FOLDER_BASE}/records?{urlencode(QUERY | {'size': size, 'page': page})}"


def _json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
