"""Pathological YAML shapes: each ends as a failed report naming the problem, never as a long computation.

Validation reads YAML in one linear pass (the nesting cap and the node budget stop it at the event
that crosses them), so these fail fast; the seconds they take are measured in bench/spec_hostile.py,
not asserted here.
"""

from __future__ import annotations

import pytest

from pipeline.spec import validate

HEAD = b"format_version: 0.3.0\ntype: dataset\nname: Hostile dataset\n"


def nested(opening: bytes, closing: bytes, depth: int, inner: bytes = b"") -> bytes:
    return HEAD + b"config: " + opening * depth + inner + closing * depth + b"\n"


SHAPES = {
    # the case that kept `zoo validate` busy for more than a minute: 400 KB of nested flow sequences
    "flow-sequences-200000-deep": (lambda: nested(b"[", b"]", 200_000), "YAML nesting deeper than 100 levels"),
    "flow-mappings-100000-deep": (lambda: nested(b"{a: ", b"}", 100_000, b"1"), "YAML nesting deeper than 100 levels"),
    "unclosed-flow-sequences": (lambda: HEAD + b"config: " + b"[" * 300_000 + b"\n", "YAML nesting deeper than 100"),
    "block-sequences-2000-deep": (lambda: HEAD + b"config:\n" + b"".join(b"  " * i + b"-\n" for i in range(2000)),
                                  "YAML nesting deeper than 100 levels"),
    "flow-list-of-2-million": (lambda: HEAD + b"tags: [" + b"x, " * 2_000_000 + b"x]\n", "YAML has more than"),
    "mapping-of-300000-keys": (lambda: HEAD + b"config: {" + b", ".join(b"k%d: 1" % i for i in range(300_000))
                               + b"}\n", "YAML has more than"),
    "very-long-key": (lambda: HEAD + b"? " + b"k" * 8_000_000 + b"\n: 1\n", "unknown field (free-form data"),
    "very-long-quoted-key": (lambda: HEAD + b'"' + b"q" * 1000 + b'": 1\n', "unknown field"),
    "thousands-of-unknown-keys": (lambda: HEAD + b"".join(b"key%d: 1\n" % i for i in range(50_000)),
                                  "and 49980 more unknown fields"),
    "60000-anchors": (lambda: HEAD + b"config:\n" + b"".join(b"  a%d: &a%d x\n" % (i, i) for i in range(60_000))
                       + b"tags: 5\n", "expected a list"),
    "aliases-of-a-big-list": (lambda: HEAD + b"x: &big [" + b"a, " * 50_000 + b"a]\ny: [" + b"*big, " * 10
                              + b"*big]\n", "more than 200000 nodes (alias bomb?)"),
    "billion-laughs": (lambda: HEAD + b"".join(b"l%d: &l%d [" % (i, i) + b", ".join([b"*l%d" % (i - 1)] * 10)
                                                 + b"]\n" for i in range(1, 10)).replace(b"*l0", b"lol"),
                       "(alias bomb?)"),
    "merge-key-fan-out": (lambda: HEAD + b"m0: &m0 {" + b", ".join(b"k%d: 1" % i for i in range(1000)) + b"}\n"
                          + b"".join(b"m%d: &m%d {<<: [*m%d, *m%d], x%d: 1}\n" % (i, i, i - 1, i - 1, i)
                                     for i in range(1, 40)), "(alias bomb?)"),
    "long-scalar-of-15mb": (lambda: HEAD + b"description: " + b"d" * (15 * 1024 * 1024) + b"\n",
                            "expected at most 1024 characters"),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("make, fragment", SHAPES.values(), ids=list(SHAPES))
def test_pathological_shape_fails_cleanly(tmp_path, bounded_memory, make, fragment):
    path = tmp_path / "rdf.yaml"
    path.write_bytes(make())
    report = validate(path, io=False)
    assert report.status == "failed"
    assert any(fragment in e.msg for e in report.errors), [e.msg[:200] for e in report.errors][:5]
    assert not any(e.type == "internal_error" for e in report.errors)
    assert len(report.errors) <= 25, "a hostile document gets a few errors, not one per node"
    assert all(len(e.msg) < 1000 for e in report.errors), "messages quote values shortened"
