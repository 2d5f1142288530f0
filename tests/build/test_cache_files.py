"""Caches are content-addressed and writes happen only when bytes change."""

import pytest

from pipeline.build.cache import JsonCache, content_key
from pipeline.build.files import json_bytes, write_if_changed


def test_write_if_changed_skips_identical_bytes(tmp_path):
    target = tmp_path / "a" / "b.json"
    assert write_if_changed(target, b"one") is True
    mtime = target.stat().st_mtime_ns
    assert write_if_changed(target, b"one") is False
    assert target.stat().st_mtime_ns == mtime
    assert write_if_changed(target, b"two") is True
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["b.json"]  # no temp files left


def test_content_key_is_order_independent_for_mappings():
    assert content_key({"a": 1, "b": 2}) == content_key({"b": 2, "a": 1})
    assert content_key({"a": 1}) != content_key({"a": 2})


def test_json_cache_round_trip_and_rejects_path_like_keys(tmp_path):
    cache = JsonCache(tmp_path)
    key = content_key("x")
    assert key not in cache and cache.get(key) is None
    cache.put(key, {"status": "passed"})
    assert cache.get(key) == {"status": "passed"}
    assert json_bytes({"b": 1, "a": 2}) == b'{\n  "a": 2,\n  "b": 1\n}\n'
    with pytest.raises(ValueError):
        cache.path("../../etc/passwd")
