"""One canonical JSON form: key order and container identity never change a digest, values do."""

from pipeline.base.digest import canonical_json, json_digest


def test_key_order_does_not_matter_values_do():
    assert json_digest({"a": 1, "b": [1, 2]}) == json_digest({"b": [1, 2], "a": 1})
    assert json_digest({"a": 1}) != json_digest({"a": 2})
    assert json_digest([1, 2]) != json_digest([2, 1])


def test_values_json_cannot_hold_become_text():
    from pathlib import PurePosixPath

    assert canonical_json({"p": PurePosixPath("x/y")}) == b'{"p": "x/y"}'
    assert len(json_digest(None)) == 64
