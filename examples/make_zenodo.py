"""Pack the example resources into a Zenodo-shaped record set under examples/zenodo/ (deterministic).

Run: .venv/bin/python examples/make_zenodo.py [OUT_DIR]   (default examples/zenodo)
Every model folder in examples/models/ (except broken/) and every folder in examples/resources/
becomes one Zenodo concept; a model with both `v0_4.bioimageio.yaml` and `rdf.yaml` gets two
versions (the 0.4 description first), the dataset gets an older 1.0.0 version, and one record is
a `backup.bioimage.io` copy the harvest must skip. Ids, dates and ordering are fixed, so
re-running on unchanged inputs rewrites identical bytes.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from pipeline.sources.recordset import record_json, write_record_set  # noqa: E402
from pipeline.store.yaml import loads  # noqa: E402

OUT = HERE / "zenodo"
PAGE_SIZE = 10
FIRST_CONCEPT = 8_100_000
START = datetime(2024, 2, 1, 9, 0, tzinfo=timezone.utc)
OWNER_IDS = {"model": 101, "dataset": 102, "notebook": 103, "application": 104}


def sources() -> list[Path]:
    """Folders to pack: every model (not broken/) and resource folder holding an rdf.yaml."""
    models = sorted(p for p in (HERE / "models").iterdir() if p.is_dir() and p.name != "broken")
    folders = models + sorted(p for p in (HERE / "resources").iterdir() if p.is_dir())
    for folder in folders:
        if not (folder / "rdf.yaml").is_file():
            print(f"skipping {folder.relative_to(HERE)}: no rdf.yaml", file=sys.stderr)
    return [f for f in folders if (f / "rdf.yaml").is_file()]


def versions_of(folder: Path) -> list[tuple[str, dict[str, bytes]]]:
    """(rdf file name, files) per version, oldest first."""
    files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
    rdf = files.get("rdf.yaml")
    if "v0_4.bioimageio.yaml" in files and rdf is not None:
        old = {k: v for k, v in files.items() if k != "rdf.yaml"}
        new = {k: v for k, v in files.items() if k != "v0_4.bioimageio.yaml"}
        return [("v0_4.bioimageio.yaml", old), ("rdf.yaml", new)]
    if rdf is not None and b"\nversion: 1.1.0\n" in rdf:
        old = dict(files, **{"rdf.yaml": rdf.replace(b"\nversion: 1.1.0\n", b"\nversion: 1.0.0\n")})
        return [("rdf.yaml", old), ("rdf.yaml", files)]
    return [("rdf.yaml", files)]


def record(rid: int, cid: int, created: datetime, rdf: dict, files: dict[str, bytes],
           keywords: list[str]) -> dict:
    return record_json(
        rid, cid, created, files, title=str(rdf.get("name", "")), description=str(rdf.get("description", "")),
        version=str(rdf.get("version", "")), keywords=keywords, license=str(rdf.get("license", "")),
        creators=[{"name": a.get("name", ""), "affiliation": a.get("affiliation")} for a in rdf.get("authors", [])],
        owner=OWNER_IDS.get(str(rdf.get("type")), 100),
    )


def concept_id(name: str) -> int:
    """A concept record id derived from the folder name, so adding a model never renumbers others."""
    return FIRST_CONCEPT + 10 * (int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big") % 80_000)


def build() -> list[dict]:
    records = []
    folders = sources()
    ids = [concept_id(f.name) for f in folders]
    if len(set(ids)) != len(ids):
        raise SystemExit("two example folders hash to the same concept id; rename one")
    for i, (folder, cid) in enumerate(zip(folders, ids)):
        for j, (rdf_name, files) in enumerate(versions_of(folder)):
            rdf = loads(files[rdf_name], source=str(folder / rdf_name))
            created = START + timedelta(days=7 * i + 45 * j)
            kind = str(rdf.get("type", "generic"))
            records.append((record(cid + 1 + j, cid, created, rdf, files, ["bioimage.io", f"bioimage.io:{kind}"]), files))
    # A backup copy, as the paper-era zoo kept on Zenodo: tagged so every harvest skips it.
    last, files = records[-1]
    backup = json.loads(json.dumps(last))
    backup_id = FIRST_CONCEPT + 899_990
    backup.update(id=backup_id, recid=str(backup_id), conceptrecid=str(backup_id),
                  doi=f"10.5281/zenodo.{backup_id}", conceptdoi=f"10.5281/zenodo.{backup_id}")
    backup["metadata"]["keywords"] = ["bioimage.io", "backup.bioimage.io"]
    text = json.dumps(backup).replace(f"/records/{last['id']}/", f"/records/{backup_id}/")
    records.append((json.loads(text.replace(f"/records/{last['id']}\"", f"/records/{backup_id}\"")), files))
    return records


def write(records: list[tuple[dict, dict[str, bytes]]], out: Path = OUT) -> None:
    write_record_set(out, records, page_size=PAGE_SIZE)


if __name__ == "__main__":
    target = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else OUT
    write(build(), target)
    print(f"wrote {target}")
