"""Images people have: .npy, .tif (2D, stacks, channels, any common dtype), .png, .jpg, mapped onto the model."""

from __future__ import annotations

import re
import struct
import zlib

import numpy as np
import pytest
import tifffile
from PIL import Image

from pipeline.runner.images import ImageError, read_image, write_image

NUCLEI = {"id": "raw", "axes": [{"type": "batch", "id": "batch"}, {"type": "channel", "id": "channel", "channel_names": ["dapi"]},
                                {"type": "space", "id": "y"}, {"type": "space", "id": "x"}]}
MEMBRANE = {"id": "raw", "axes": [{"type": "batch", "id": "batch"}, {"type": "space", "id": "z"}, {"type": "space", "id": "y"},
                                  {"type": "space", "id": "x"}, {"type": "channel", "id": "channel", "channel_names": ["m"]}]}
TWO_CHANNELS = {"id": "raw", "axes": [{"type": "batch", "id": "batch"},
                                      {"type": "channel", "id": "channel", "channel_names": ["a", "b"]},
                                      {"type": "space", "id": "y"}, {"type": "space", "id": "x"}]}


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "int32", "float32", "float64"])
def test_2d_tiff_of_any_common_dtype(tmp_path, dtype):
    image = (np.random.default_rng(0).random((30, 40)) * 200).astype(dtype)
    tifffile.imwrite(tmp_path / "a.tif", image)
    arr = read_image(tmp_path / "a.tif", NUCLEI)
    assert arr.shape == (1, 1, 30, 40) and arr.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(arr[0, 0], image)


def test_tiff_stack_goes_onto_z_of_a_channel_last_model(tmp_path):
    stack = np.random.default_rng(1).random((6, 20, 24)).astype(np.float32)
    tifffile.imwrite(tmp_path / "s.tif", stack, metadata={"axes": "ZYX"})
    arr = read_image(tmp_path / "s.tif", MEMBRANE)
    assert arr.shape == (1, 6, 20, 24, 1)
    np.testing.assert_array_equal(arr[0, ..., 0], stack)


def test_channel_last_tiff_is_moved_to_the_model_s_channel_axis(tmp_path):
    image = np.random.default_rng(2).random((20, 24, 2)).astype(np.float32)
    tifffile.imwrite(tmp_path / "c.tif", image, metadata={"axes": "YXC"})
    arr = read_image(tmp_path / "c.tif", TWO_CHANNELS)
    assert arr.shape == (1, 2, 20, 24)
    np.testing.assert_array_equal(arr[0, 1], image[..., 1])


def test_png_and_jpeg(tmp_path):
    grey = (np.random.default_rng(3).random((18, 22)) * 255).astype(np.uint8)
    Image.fromarray(grey).save(tmp_path / "g.png")
    np.testing.assert_array_equal(read_image(tmp_path / "g.png", NUCLEI)[0, 0], grey)
    Image.fromarray(np.stack([grey, grey], axis=-1).repeat(1, axis=-1)[..., :1].squeeze(-1)).save(tmp_path / "g.jpg")
    assert read_image(tmp_path / "g.jpg", NUCLEI).shape == (1, 1, 18, 22)
    Image.fromarray(np.stack([grey] * 3, axis=-1)).save(tmp_path / "rgb.png")
    rgb = read_image(tmp_path / "rgb.png", TWO_CHANNELS)  # RGB samples become the channel axis
    assert rgb.shape == (1, 3, 18, 22)
    np.testing.assert_array_equal(rgb[0, 2], grey)


def test_npy_axes_are_guessed_in_the_model_s_order_or_given(tmp_path):
    arr = np.random.default_rng(4).random((20, 24, 2)).astype(np.float32)
    np.save(tmp_path / "a.npy", arr)
    np.save(tmp_path / "flat.npy", arr[..., 0])
    with pytest.raises(ImageError, match=re.escape("flat.npy): an array of shape (20, 24) cannot be read as axes "
                                                   "(z, y, x) from the model's order (no axes known; use --axes); "
                                                   "the model expects (batch, z, y, x, channel)")):
        read_image(tmp_path / "flat.npy", MEMBRANE)
    got = read_image(tmp_path / "a.npy", TWO_CHANNELS, "yxc")
    assert got.shape == (1, 2, 20, 24)
    np.testing.assert_array_equal(got[0, 0], arr[..., 0])
    with pytest.raises(ImageError, match="--axes letter 'q' is not one of"):
        read_image(tmp_path / "a.npy", TWO_CHANNELS, "yxq")


def test_a_file_axis_the_model_lacks_is_named(tmp_path):
    tifffile.imwrite(tmp_path / "t.tif", np.zeros((5, 20, 24), np.uint16), metadata={"axes": "TYX"})
    with pytest.raises(ImageError, match=re.escape("the file's axes time (5) (read from the file) are not axes of the "
                                                   "model, which expects (batch, channel, y, x)")):
        read_image(tmp_path / "t.tif", NUCLEI)


def png_claiming(width: int, height: int) -> bytes:
    """A PNG header claiming a huge image, with almost no data behind it."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b"")


def tiff_claiming(width: int, height: int) -> bytes:
    """A little-endian TIFF whose one IFD claims a huge 16-bit image, with 8 bytes of data."""
    tags = [(256, 4, width), (257, 4, height), (258, 3, 16), (259, 3, 1), (262, 3, 1), (273, 4, 8),
            (277, 3, 1), (278, 4, height), (279, 4, width * height * 2)]
    ifd = struct.pack("<H", len(tags)) + b"".join(struct.pack("<HHII", t, k, 1, v) for t, k, v in tags) + b"\0" * 4
    return b"II*\0" + struct.pack("<I", 16) + b"\0" * 8 + ifd


@pytest.mark.parametrize("name, data", [("huge.png", png_claiming(100_000, 100_000)),
                                        ("huge.tif", tiff_claiming(40_000, 40_000))])
def test_a_header_claiming_a_huge_image_is_refused_before_allocation(tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(ImageError, match="its header claims .*more"):
        read_image(tmp_path / name, NUCLEI)


def test_npy_header_claiming_a_huge_array_is_refused(tmp_path):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }"
    header = header + " " * (118 - len(header)) + "\n"
    (tmp_path / "huge.npy").write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
    with pytest.raises(ImageError, match="its header claims 100000 x 100000 values"):
        read_image(tmp_path / "huge.npy", NUCLEI)


def test_outputs_are_written_as_npy_or_tiff_with_axes(tmp_path):
    out = np.random.default_rng(5).random((1, 2, 10, 12)).astype(np.float32)
    write_image(tmp_path / "o.tif", out, TWO_CHANNELS)
    with tifffile.TiffFile(tmp_path / "o.tif") as tif:
        assert tif.series[0].axes == "QCYX"
        np.testing.assert_array_equal(tif.series[0].asarray(), out)
    write_image(tmp_path / "o.npy", out > 0.5)
    assert np.load(tmp_path / "o.npy").dtype == np.uint8
