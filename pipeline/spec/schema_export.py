"""The published JSON Schema files (`schemas/`), rendered from the descriptions the validator uses.

They describe the canonical forms (a number where a number is expected); the validator also
takes the lax forms the reference takes (numbers as text, a plain name for an author in 0.2)
and checks the cross-field rules no schema can express. Regenerate with
`python -m pipeline.spec.schema_export` (a test fails when the files drift).
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.spec.versions import LATEST_PATCH, description

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_DIR = Path(__file__).parent / "schemas"
PUBLISHED = [(family, minor) for family in ("generic", "application", "dataset", "notebook") for minor in (2, 3)] \
    + [("model", 4), ("model", 5)]


def document(family: str, minor: int) -> dict:
    """The schema document of one type and minor format version."""
    defs: dict = {}
    model = description(family, minor)
    root = model.json_schema(defs)
    if set(root) == {"$ref"}:  # the description itself at the top, so `properties` name its fields
        root = defs.pop(root["$ref"].rsplit("/", 1)[-1])
    patch = LATEST_PATCH[family][minor]
    name = f"{family}-0.{minor}.json"
    return {"$schema": DRAFT, "$id": name, "title": f"{family} RDF 0.{minor} (latest patch 0.{minor}.{patch})",
            "description": "Canonical forms; the validator also accepts the reference's lax forms "
                           "(see docs/format.md).", **root, "$defs": defs}


def all_schemas() -> dict[str, dict]:
    """Every published schema file name mapped to its content."""
    return {f"{family}-0.{minor}.json": document(family, minor) for family, minor in PUBLISHED}


def render(schema: dict) -> str:
    """The file text of a schema (stable key order)."""
    return json.dumps(schema, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_all(folder: Path = SCHEMA_DIR) -> list[Path]:
    """Write every schema file into `folder` and remove files no longer published."""
    folder.mkdir(parents=True, exist_ok=True)
    schemas = all_schemas()
    for stale in folder.glob("*.json"):
        if stale.name not in schemas:
            stale.unlink()
    written = []
    for name, schema in schemas.items():
        path = folder / name
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_all():
        print(written_path)
