"""Cover thumbnails: every raster cover shrunk to fit 600x340, re-encoded, metadata dropped.

Decoding runs through base.bounded (a pool process with a time and memory limit) and only the
decoders base.images allows: a cover is a stranger's file, whatever its name says.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from pipeline.base.bounded import bounded
from pipeline.base.images import open_image
from pipeline.errors import BadInput

if TYPE_CHECKING:
    from PIL import Image

MAX_SIZE = (600, 340)
# A cover is a picture on a card, not a gigapixel scan; refuse decompression bombs early.
MAX_PIXELS = 40_000_000
MAX_COVER_BYTES = 20 * 1024 * 1024
COVER_SECONDS = 10.0  # decoding and shrinking one cover; real ones take milliseconds
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def make_thumbnail(data: bytes, *, source: str) -> bytes:
    """Return `data` (a raster image of an allowed kind) as a PNG or JPEG of at most 600x340 pixels."""
    if len(data) > MAX_COVER_BYTES:
        raise BadInput(f"cover of {len(data)} bytes exceeds {MAX_COVER_BYTES}", source=source)
    try:
        return bounded(_thumbnail, data, seconds=COVER_SECONDS, what="decoding the cover", source=source)
    except BadInput:
        raise
    except Exception as e:  # Pillow raises many kinds for hostile files
        raise BadInput(f"cover is not a readable image ({e})", source=source) from None


def _thumbnail(data: bytes) -> bytes:
    """Runs in a pool process: decode, shrink, re-encode."""
    with open_image(data, max_pixels=MAX_PIXELS) as image:
        image.seek(0)  # first frame of animations
        image.thumbnail(MAX_SIZE)
        converted = image.convert("RGBA" if _has_alpha(image) else "RGB")
    out = io.BytesIO()
    if converted.mode == "RGBA":
        converted.save(out, format="PNG", optimize=True)
    else:
        converted.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def cover_file_name(cover: str) -> str:
    """The file name a cover path or URL names (Zenodo's `.../files/<name>/content` included)."""
    path = urlsplit(cover).path if "://" in cover else cover.split("?", 1)[0]
    parts = [unquote(p) for p in path.split("/") if p]
    if len(parts) >= 3 and parts[-1] == "content" and parts[-3] == "files":
        return parts[-2]
    return parts[-1] if parts else ""


def thumbnail_name(cover: str, data: bytes) -> str:
    """File name of a cover's thumbnail: its stem plus the encoding the thumbnail uses."""
    stem = Path(cover_file_name(cover)).stem or "cover"
    suffix = "png" if data.startswith(PNG_SIGNATURE) else "jpg"
    return f"{stem}.thumbnail.{suffix}"


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
