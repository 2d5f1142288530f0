"""The source of the JSON Schema files in `pipeline/spec/schemas/` (general fields and non-model types).

The JSON files are what the validator loads and what the website publishes; this module only
keeps the shared pieces in one place. Regenerate with `python -m pipeline.spec.schema_defs`
(a test fails when the files and this source disagree). `x-expected` is our annotation: how an
error at that node is worded ("expected <x-expected>, got ...").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_DIR = Path(__file__).parent / "schemas"
C = "common.json#/$defs/"


def ref(name: str) -> dict:
    """A reference to a shared definition in common.json."""
    return {"$ref": C + name}


def obj(props: dict, required: tuple = (), *, closed: bool = True, **extra: Any) -> dict:
    """An object schema with the given properties."""
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = list(required)
    if closed:
        out["additionalProperties"] = False
    out.update(extra)
    return out


def arr(items: dict, **extra: Any) -> dict:
    """An array schema."""
    return {"type": "array", "items": items, **extra}


NUMBER = {"type": "number"}
INT = {"type": "integer"}
STR = {"type": "string"}
BOOL = {"type": "boolean"}
ANY_OBJ = {"type": "object"}

COMMON_DEFS: dict[str, Any] = {
    "sha256": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$", "x-expected": "64 hexadecimal characters"},
    "path": {"type": "string", "minLength": 1, "x-expected": "a relative path or an http(s) URL"},
    "file": obj({"source": ref("path"), "sha256": ref("sha256")}, ("source",),
                **{"x-expected": "a file as a path/URL or {source, sha256}"}),
    "path_or_file": {"anyOf": [ref("path"), ref("file")], "x-expected": "a path/URL or {source, sha256}"},
    "http_url": {"type": "string", "pattern": "^https?://.+", "x-expected": "an http(s) URL"},
    "orcid": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]$",
              "x-expected": "an ORCID like 0000-0002-1825-0097"},
    "version": {"type": ["string", "integer", "number"]},
    "tags": arr(STR),
    "links": arr(STR),
    "config": ANY_OBJ,
    "resource_id": {"type": "string", "pattern": "^[a-z0-9_\\-.][a-z0-9_\\-/.]*(?<!/)$",
                    "x-expected": "an id of characters a-z 0-9 _ - / . not starting or ending with /"},
    "uploader": obj({"email": STR, "name": STR}, ("email",)),
    "badge": obj({"label": STR, "icon": STR, "url": STR}, ("label", "url")),
    "person_fields": {"type": "object"},
    "author02": {"anyOf": [STR, obj({"name": STR, "affiliation": STR, "email": STR, "orcid": ref("orcid"),
                                     "github_user": STR}, ("name",))],
                 "x-expected": "an author name or {name, affiliation, email, orcid, github_user}"},
    "author03": obj({"name": STR, "affiliation": STR, "email": STR, "orcid": ref("orcid"),
                     "github_user": STR}, ("name",)),
    "maintainer02": obj({"name": STR, "affiliation": STR, "email": STR, "orcid": ref("orcid"),
                         "github_user": STR}, ("github_user",)),
    "cite02": obj({"text": STR, "doi": STR, "url": STR}, ("text",)),
    "cite03": obj({"text": STR, "doi": STR, "url": ref("http_url")}, ("text",)),
    "cover02": {"type": "string", "pattern": "\\.(gif|jpe?g|png|svg|tiff?|GIF|JPE?G|PNG|SVG|TIFF?)$",
                "x-expected": "an image path ending in .gif .jpeg .jpg .png .svg or .tif"},
    "cover03": {"anyOf": [
        {"type": "string", "pattern": "\\.(gif|jpe?g|png|svg|GIF|JPE?G|PNG|SVG)$"},
        obj({"source": {"type": "string", "pattern": "\\.(gif|jpe?g|png|svg|GIF|JPE?G|PNG|SVG)$"},
             "sha256": ref("sha256")}, ("source",))],
        "x-expected": "an image (.gif .jpeg .jpg .png .svg) as a path/URL or {source, sha256}"},
    "documentation03": {"anyOf": [
        {"type": "string", "pattern": "\\.md$"},
        obj({"source": {"type": "string", "pattern": "\\.md$"}, "sha256": ref("sha256")}, ("source",))],
        "x-expected": "a markdown file (.md) as a path/URL or {source, sha256}"},
    "license03": {"anyOf": [STR, ref("file")], "x-expected": "an SPDX license id or {source, sha256}"},
    "attachments02": obj({"files": arr(STR)}, closed=False),
    "attachments03": arr(ref("file")),
    "timestamp": {"type": "string", "x-expected": "an ISO 8601 timestamp"},
}


def general_props(minor: int) -> dict:
    """The fields every type has, for format 0.2 (minor=2) or 0.3 and model 0.5 (minor=3)."""
    props: dict[str, Any] = {
        "format_version": {"type": "string", "x-expected": "a version string like '0.3.0'"},
        "type": STR,
        "name": STR,
        "description": STR,
        "authors": arr(ref("author02")),
        "maintainers": arr(ref("maintainer02")),
        "cite": arr(ref("cite02")),
        "license": STR,
        "tags": ref("tags"),
        "covers": arr(ref("cover02")),
        "documentation": STR,
        "attachments": ref("attachments02"),
        "badges": arr(ref("badge")),
        "links": ref("links"),
        "config": ref("config"),
        "id": ref("resource_id"),
        "id_emoji": STR,
        "version": ref("version"),
        "git_repo": ref("http_url"),
        "icon": STR,
        "uploader": ref("uploader"),
        "download_url": STR,
        "rdf_source": STR,
        "version_number": ref("version"),
        "source": STR,
    }
    if minor >= 3:
        for removed in ("download_url", "rdf_source", "version_number"):
            del props[removed]
        props.update({
            "name": {"type": "string", "pattern": "^[A-Za-z0-9_+\\- ()]{5,128}$",
                     "x-expected": "5 to 128 characters from A-Z a-z 0-9 _ + - space ( )"},
            "description": {"type": "string", "maxLength": 1024, "x-expected": "at most 1024 characters"},
            "authors": arr(ref("author03")),
            "cite": arr(ref("cite03")),
            "license": ref("license03"),
            "covers": arr(ref("cover03")),
            "documentation": ref("documentation03"),
            "attachments": ref("attachments03"),
            "icon": {"anyOf": [STR, ref("file")], "x-expected": "an emoji, a path/URL or {source, sha256}"},
            "parent": STR,
            "version_comment": {"type": "string", "maxLength": 512, "x-expected": "at most 512 characters"},
        })
    return props


def resource_schema(kind: str, minor: int) -> dict:
    """Schema of generic/application/dataset/notebook/collection at 0.<minor>."""
    props = general_props(minor)
    required = ["format_version", "type", "name"] + (["description"] if minor == 2 else [])
    if kind == "notebook":
        props["source"] = {"type": "string", "pattern": "\\.ipynb$", "x-expected": "a .ipynb path or URL"} \
            if minor == 2 else {"anyOf": [{"type": "string", "pattern": "\\.ipynb$"},
                                          obj({"source": {"type": "string", "pattern": "\\.ipynb$"},
                                               "sha256": ref("sha256")}, ("source",))],
                                "x-expected": "a .ipynb notebook as a path/URL or {source, sha256}"}
        required.append("source")
    elif kind == "application" and minor >= 3:
        props["source"] = ref("path_or_file")
    elif kind in ("dataset", "generic") and minor >= 3:
        props["source"] = ref("http_url")
    if kind == "collection":
        entry_props = {"id": STR, "rdf_source": STR} if minor == 2 else \
            {"id": STR, "entry_source": STR, "entry_sha256": ref("sha256")}
        props["collection"] = arr(obj(entry_props, ("id",), closed=False))
        required.append("collection")
    schema = obj(props, tuple(required), closed=kind not in ("generic", "collection"))
    schema["properties"]["type"] = {"const": kind} if kind != "generic" else STR
    return schema


def document(name: str, body: dict, title: str) -> dict:
    """A top-level schema document with its id, draft and title."""
    return {"$schema": DRAFT, "$id": name, "title": title, **body}


def all_schemas() -> dict[str, dict]:
    """Every schema file name mapped to its content."""
    from pipeline.spec.schema_model import model04_schema, model05_schema

    out = {"common.json": document("common.json", {"$defs": COMMON_DEFS}, "Shared definitions")}
    for kind in ("generic", "application", "dataset", "notebook", "collection"):
        for minor in (2, 3):
            name = f"{kind}-0.{minor}.json"
            out[name] = document(name, resource_schema(kind, minor), f"{kind} RDF 0.{minor}")
    out["model-0.4.json"] = document("model-0.4.json", model04_schema(), "model RDF 0.4")
    out["model-0.5.json"] = document("model-0.5.json", model05_schema(), "model RDF 0.5")
    return out


def render(schema: dict) -> str:
    """The canonical JSON text of one schema file."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_all(folder: Path = SCHEMA_DIR) -> list[Path]:
    """Write every schema file into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in all_schemas().items():
        path = folder / name
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_all():
        print(written_path)
