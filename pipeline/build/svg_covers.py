"""SVG covers made inert: external references stripped, then rasterised to PNG with resvg.

An SVG is a document that can run script when opened from our origin, so none is ever served as
it came: it is parsed (entity expansion refused), every element or attribute that could reach
outside the file (script, foreignObject, images or uses of other files, event handlers, CSS
imports and urls) is removed, and what remains is drawn to a PNG that the thumbnail step shrinks.
Parsing and drawing run through base.bounded: a crafted drawing (filters, patterns, thousands of
nested groups) is stopped at the time limit instead of holding the build.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from pipeline.base.bounded import bounded
from pipeline.errors import BadInput

MAX_SVG_BYTES = 2 * 1024 * 1024
SVG_SECONDS = 10.0  # parsing, cleaning and drawing one cover
RENDER_WIDTH = 600  # thumbnails are at most 600x340; the thumbnail step shrinks further
_LOCAL_REF = re.compile(r"^\s*(#|data:image/(png|jpeg|gif|webp);)", re.I)
_CSS_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.I)


def is_svg(name: str, data: bytes) -> bool:
    """True for an SVG cover, by name or by its first bytes."""
    head = data[:512].lstrip().lower()
    return name.lower().split("?", 1)[0].endswith((".svg", ".svgz")) or head.startswith(b"<svg") or \
        (head.startswith(b"<?xml") and b"<svg" in data[:4096].lower())


def rasterise(data: bytes, *, source: str) -> bytes:
    """An inert PNG of the SVG `data`; BadInput when it is not a drawable SVG or takes too long."""
    if len(data) > MAX_SVG_BYTES:
        raise BadInput(f"SVG cover of {len(data)} bytes exceeds {MAX_SVG_BYTES}", source=source)
    return bounded(_rasterise, data, source, seconds=SVG_SECONDS, what="drawing the SVG cover", source=source)


def _rasterise(data: bytes, source: str) -> bytes:
    """Runs in a pool process: clean, then draw."""
    import resvg_py

    text = _inert(data, source)
    try:
        return bytes(resvg_py.svg_to_bytes(svg_string=text, width=RENDER_WIDTH))
    except (ValueError, OSError) as e:
        raise BadInput(f"SVG cover cannot be drawn ({e})", source=source) from None


def _inert(data: bytes, source: str) -> str:
    if b"<!entity" in data.lower():
        raise BadInput("SVG cover declares entities; refused", source=source)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        raise BadInput(f"SVG cover is not well-formed XML ({e})", source=source) from None
    if _local(root.tag) != "svg":
        raise BadInput("cover is not an SVG document", source=source)
    for parent in list(root.iter()):
        for child in list(parent):
            if _local(child.tag) in ("script", "foreignObject", "style"):
                parent.remove(child)
    for element in root.iter():
        for key in list(element.attrib):
            name, value = _local(key), element.attrib[key]
            if name.lower().startswith("on") or (name == "href" and not _LOCAL_REF.match(value)) \
                    or _CSS_URL.search(value):
                del element.attrib[key]
    return ET.tostring(root, encoding="unicode")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
