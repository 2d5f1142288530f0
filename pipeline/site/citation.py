"""Copyable citations of a resource: BibTeX and CITATION.cff text."""

from __future__ import annotations

import re
from typing import Any

import json


def _authors(rdf: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in rdf.get("authors", []) if isinstance(a, dict) and isinstance(a.get("name"), str)] \
        if isinstance(rdf.get("authors"), list) else []


def _bib_escape(text: str) -> str:
    return re.sub(r"([{}\\%&$#_^~])", r"\\\1", text.replace("\n", " "))


def bibtex(rdf: dict[str, Any], *, resource_id: str, doi: str | None, year: str | None) -> str:
    """A BibTeX `@misc` entry for the resource (the version DOI when there is one)."""
    key = re.sub(r"[^A-Za-z0-9]+", "_", resource_id).strip("_") or "resource"
    fields = [("title", str(rdf.get("name", resource_id))),
              ("author", " and ".join(a["name"] for a in _authors(rdf)) or "Unknown")]
    if year:
        fields.append(("year", year))
    if doi:
        fields += [("doi", doi), ("url", f"https://doi.org/{doi}")]
    fields.append(("publisher", "BioImage Model Zoo"))
    body = ",\n".join(f"  {name} = {{{_bib_escape(value)}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}\n"


def citation_cff(rdf: dict[str, Any], *, doi: str | None, version: str | None, date: str | None) -> str:
    """A CITATION.cff document (YAML) for the resource."""
    authors = []
    for author in _authors(rdf):
        entry: dict[str, Any] = {"name": author["name"]}
        if isinstance(author.get("orcid"), str):
            entry["orcid"] = f"https://orcid.org/{author['orcid']}"
        if isinstance(author.get("affiliation"), str):
            entry["affiliation"] = author["affiliation"]
        authors.append(entry)
    doc: dict[str, Any] = {
        "cff-version": "1.2.0",
        "message": "If you use this resource, please cite it as below.",
        "title": str(rdf.get("name", "")),
        "authors": authors or [{"name": "Unknown"}],
    }
    if isinstance(rdf.get("license"), str):
        doc["license"] = rdf["license"]
    if doi:
        doc["doi"] = doi
    if version:
        doc["version"] = version
    if date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", date[:10]):
        doc["date-released"] = date[:10]
    return _yaml(doc)


def _yaml(value: Any, indent: str = "") -> str:
    """Block-style YAML whose scalars are JSON-quoted (JSON strings are valid YAML), so any
    text an author wrote is safe; far cheaper than a full YAML emitter for this small shape."""
    lines = []
    for key, item in value.items():
        if isinstance(item, list):
            lines.append(f"{indent}{key}:")
            for element in item:
                body = _yaml(element, indent + "  ")
                lines.append(f"{indent}- " + body[len(indent) + 2:].rstrip("\n"))
        else:
            lines.append(f"{indent}{key}: {json.dumps(item, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"
