"""Cover thumbnails fit 600x340, keep aspect ratio, and refuse what is not an image."""

import io

import pytest
from PIL import Image

from pipeline.build.thumbnails import make_thumbnail, thumbnail_name
from pipeline.errors import BadInput


def _png(width, height, mode="RGB"):
    out = io.BytesIO()
    Image.new(mode, (width, height), color=(10, 200, 30) if mode == "RGB" else (10, 200, 30, 128)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("size", "expected"),
    [((1200, 680), (600, 340)), ((1000, 1000), (340, 340)), ((300, 100), (300, 100)), ((3000, 100), (600, 20))],
)
def test_thumbnail_fits_the_card(size, expected):
    thumb = make_thumbnail(_png(*size), source="cover.png")
    with Image.open(io.BytesIO(thumb)) as image:
        assert image.size == expected


def test_transparent_cover_stays_png_opaque_becomes_jpeg():
    assert thumbnail_name("a/cover.png", make_thumbnail(_png(50, 50, "RGBA"), source="x")) == "cover.thumbnail.png"
    assert thumbnail_name("a/cover.png", make_thumbnail(_png(50, 50), source="x")) == "cover.thumbnail.jpg"
    zenodo = "https://zenodo.org/api/records/6406757/files/cover.png/content"  # the name, not "content"
    assert thumbnail_name(zenodo, make_thumbnail(_png(50, 50), source="x")) == "cover.thumbnail.jpg"


def test_not_an_image_names_the_cover():
    with pytest.raises(BadInput, match=r"^covers/evil.png: cover is not a readable image"):
        make_thumbnail(b"<svg onload=alert(1)>", source="covers/evil.png")


def test_decompression_bomb_is_refused():
    bomb = _png(8000, 8000)  # 64 Mpx of one colour compresses to almost nothing
    assert len(bomb) < 1_000_000
    with pytest.raises(BadInput, match="too large|not a readable image"):
        make_thumbnail(bomb, source="bomb.png")
