"""Opening strangers' raster images with Pillow: only decoders we bound, never a delegate.

Pillow picks a decoder by sniffing the bytes, whatever the file is called, and some of its
plugins hand the data to another program or interpreter (EPS and PostScript run Ghostscript;
others wrap PDF or formats nobody publishes as a cover). Every open here names the allow-list,
so a `cover.png` that is really PostScript is refused as unreadable. Pixel counts are checked
from the header before any pixel is decoded; the time bound is the caller's (base.bounded for
build and site work, the sandbox for `zoo predict`).
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import BinaryIO

from PIL import Image

ALLOWED_FORMATS = ("PNG", "JPEG", "GIF", "TIFF", "WEBP", "BMP")


class ImageRefused(ValueError):
    """Not an image of an allowed kind, or larger than allowed."""


def open_image(data: bytes | Path | BinaryIO, *, max_pixels: int) -> Image.Image:
    """The image in `data` (bytes, a path or a file), header-checked; the caller closes it."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit decides below
            image = Image.open(source, formats=ALLOWED_FORMATS)
    except Image.UnidentifiedImageError:
        raise ImageRefused(f"not an image of an allowed kind ({', '.join(ALLOWED_FORMATS)})") from None
    except Image.DecompressionBombError as e:
        raise ImageRefused(f"its header claims more pixels than allowed ({e})") from None
    if image.width * image.height > max_pixels:
        size = f"{image.width}x{image.height}"
        image.close()
        raise ImageRefused(f"its header claims {size} pixels, more than the limit of {max_pixels}")
    return image
