"""Site paths and links: where each page lives, relative links between pages, safe hrefs."""

from __future__ import annotations

import posixpath
import re
from urllib.parse import quote, urlsplit

from pipeline.base.paths import safe_id

SAFE_SCHEMES = ("http", "https", "mailto")
# An id part is a folder name as it is (capitals, spaces, dots: `zero/Notebook Preview`), so its
# page path is stable; hrefs percent-encode it (`href`, `render.urlpath`). Refused: what the one
# path rule refuses (base.paths: `..`, hidden, control characters, `\`, the layout's own names)
# and what would end a URL's path (`?`, `#`, `%`).
_URL_BREAKERS = re.compile(r"[?#%]")


def safe_id_path(resource_id: str) -> str | None:
    """The id as a relative folder path, or None when it could escape the site (`..`, `/x`)."""
    text = str(resource_id)
    if not safe_id(text) or _URL_BREAKERS.search(text):
        return None
    return text


def resource_page(resource_id: str) -> str | None:
    """Site-relative path of a resource's page (it shows the latest version)."""
    base = safe_id_path(resource_id)
    return f"rdfs/{base}/index.html" if base else None


def version_page(resource_id: str, version_id: str) -> str | None:
    """Site-relative path of one version's page, next to its rdf.yaml."""
    base, vid = safe_id_path(resource_id), safe_id_path(version_id)
    return f"rdfs/{base}/{vid}/index.html" if base and vid and "/" not in vid else None


def root_of(page: str) -> str:
    """The relative prefix from `page` back to the site root (`""`, `"../"`, ...)."""
    return "../" * page.count("/")


def href(root: str, path: str) -> str:
    """A link from a page whose root prefix is `root` to the site-relative `path`."""
    return root + quote(path, safe="/._-~@+=#?&")


def safe_url(value: object, *, root: str = "", base: str = "") -> str | None:
    """A link target safe to render: http(s)/mailto URLs as they are, relative site paths
    resolved against `base` (site-relative folder); anything else (javascript:, data:, ..) None."""
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme:
        return value if parts.scheme.lower() in SAFE_SCHEMES and (parts.netloc or parts.scheme == "mailto") else None
    if value.startswith(("//", "\\")) or ":" in value.split("/")[0]:
        return None
    joined = posixpath.normpath(posixpath.join(base, parts.path)) if parts.path else base
    if joined.startswith("..") or joined.startswith("/"):
        return None
    suffix = ("#" + parts.fragment) if parts.fragment else ""
    return href(root, joined) + suffix
