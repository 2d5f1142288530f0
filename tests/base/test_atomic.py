"""Atomic replacement leaves readable files and no temporary files behind."""

import os
import stat

import pytest

from pipeline.base.atomic import FILE_MODE, replace_file


@pytest.mark.parametrize("durable", [True, False])
def test_replace_file_mode_and_content(tmp_path, durable):
    target = tmp_path / "a" / "b.txt"
    replace_file(target, b"one", durable=durable)
    replace_file(target, b"two", durable=durable)
    assert target.read_bytes() == b"two"
    mask = os.umask(0)
    os.umask(mask)
    # the usual mode of a new file, not mkstemp's owner-only 0600
    assert stat.S_IMODE(target.stat().st_mode) == FILE_MODE == 0o666 & ~mask
    assert os.listdir(target.parent) == ["b.txt"]


def test_failed_write_leaves_old_file(tmp_path, monkeypatch):
    target = tmp_path / "keep.txt"
    replace_file(target, b"old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        replace_file(target, b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["keep.txt"]
