"""Notebook resources: a rendered preview page of a notebook the site holds, and for notebooks on
GitHub the nbviewer preview and "open in" links for Colab and Binder.

The preview is built from the notebook's JSON without running it: markdown cells sanitised like
every document, code cells and text outputs escaped by the template, PNG outputs as data URLs
(an inert image, allowed by the CSP's `img-src data:`)."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any
from urllib.parse import quote

from pipeline.site.markdown import render_markdown

MAX_NOTEBOOK = 4 * 1024 * 1024
MAX_CELLS = 500
MAX_TEXT = 20_000  # characters of one cell's source or output
MAX_PNG = 1024 * 1024
PREVIEW = "notebook.html"
_GITHUB = re.compile(r"^https://github\.com/([\w.-]+)/([\w.-]+)/blob/([^/?#]+)/([^?#]+\.ipynb)$")
_RAW = re.compile(r"^https://raw\.githubusercontent\.com/([\w.-]+)/([\w.-]+)/([^/?#]+)/([^?#]+\.ipynb)$")


def github_links(source: Any) -> dict[str, str] | None:
    """nbviewer, Colab and Binder links of a notebook on GitHub (a blob or raw URL), else None."""
    if not isinstance(source, str):
        return None
    found = _GITHUB.match(source) or _RAW.match(source)
    if not found:
        return None
    owner, repo, ref, path = (quote(part, safe="/._-") for part in found.groups())
    return {"preview": f"https://nbviewer.org/github/{owner}/{repo}/blob/{ref}/{path}",
            "colab": f"https://colab.research.google.com/github/{owner}/{repo}/blob/{ref}/{path}",
            "binder": f"https://mybinder.org/v2/gh/{owner}/{repo}/{ref}?labpath={path}",
            "github": f"https://github.com/{owner}/{repo}/blob/{ref}/{path}"}


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = "".join(v for v in value if isinstance(v, str))
    return value[:MAX_TEXT] if isinstance(value, str) else ""


def _png(value: Any) -> str | None:
    data = _text(value).replace("\n", "")
    if not data or len(data) > MAX_PNG * 4 // 3 + 4:
        return None
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None
    return "data:image/png;base64," + data if raw.startswith(b"\x89PNG\r\n\x1a\n") else None


def cells(data: bytes, *, root: str, base: str) -> list[dict[str, Any]] | None:
    """The notebook's cells as view data, or None when it is not a readable notebook."""
    if len(data) > MAX_NOTEBOOK:
        return None
    try:
        notebook = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    raw_cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(raw_cells, list):
        return None
    views = []
    for cell in raw_cells[:MAX_CELLS]:
        if not isinstance(cell, dict):
            continue
        source = _text(cell.get("source"))
        if cell.get("cell_type") == "markdown":
            views.append({"kind": "markdown", "html": render_markdown(source, root=root, base=base)})
        elif cell.get("cell_type") == "code":
            outputs = []
            for out in cell.get("outputs") or [] if isinstance(cell.get("outputs"), list) else []:
                if not isinstance(out, dict):
                    continue
                bundle = out.get("data") if isinstance(out.get("data"), dict) else {}
                image = _png(bundle.get("image/png"))
                text = _text(out.get("text")) or _text(bundle.get("text/plain"))
                if image or text:
                    outputs.append({"image": image, "text": "" if image else text})
            views.append({"kind": "code", "source": source, "outputs": outputs})
    return views
