"""Hostile RDF documents: each must end as a failed report naming the problem, in bounded time and memory."""

from __future__ import annotations

import pytest

from pipeline.spec import validate

from testkit.hostile import billion_laughs, write_yaml

MiB = 1024 * 1024


def merge_bomb(levels: int = 12) -> bytes:
    lines = ["m0: &m0 {k0: 1, k1: 2}"]
    for i in range(1, levels):
        lines.append(f"m{i}: &m{i} {{x{i}: [*m{i - 1}, *m{i - 1}, *m{i - 1}], <<: *m{i - 1}}}")
    return ("type: dataset\n" + "\n".join(lines) + "\n").encode()


HEAD = b"format_version: 0.3.0\ntype: dataset\nname: Hostile dataset\n"

# (case id, document bytes (or a factory for big ones), fragment the report's error must contain)
CASES = [
    ("alias-bomb", billion_laughs, "alias bomb"),
    ("alias-bomb-wide", lambda: billion_laughs(7).replace(b'"lol", ' * 9, b'"lol", ' * 999), "alias bomb"),
    ("merge-key-bomb", merge_bomb, "alias bomb"),
    ("document-51MB", lambda: HEAD + b"description: " + b"x" * (51 * MiB) + b"\n", "more than the RDF limit"),
    ("document-just-over-limit", lambda: HEAD + b"# " + b"#" * (16 * MiB) + b"\n", "more than the RDF limit"),
    ("nested-flow-lists-10000", lambda: HEAD + b"config: " + b"[" * 10_000 + b"]" * 10_000 + b"\n",
     "nesting deeper than 100"),
    ("nested-flow-maps-10000", lambda: HEAD + b"config: " + b"{a: " * 10_000 + b"1" + b"}" * 10_000 + b"\n",
     "nesting deeper than 100"),
    ("nested-block-lists-10000", lambda: HEAD + b"config:\n" + b"- " * 10_000 + b"x\n", "nesting deeper than 100"),
    ("nested-json-10000", lambda: b'{"type": "dataset", "config": ' + b'{"a": ' * 10_000 + b"1" + b"}" * 10_001,
     "nesting deeper than 100"),
    ("one-million-nodes", lambda: HEAD + b"tags: [" + b"a," * 1_100_000 + b"a]\n", "YAML has more than 200000 nodes"),
    ("eight-million-nodes", lambda: HEAD + b"tags: [" + b"a," * 8_000_000 + b"a]\n", "YAML has more than 200000 nodes"),
    ("latin-1", HEAD + "description: caf\xe9 na\xefve\n".encode("latin-1"), "not valid UTF-8"),
    ("utf-16", HEAD.decode().encode("utf-16"), "not valid UTF-8"),
    ("overlong-utf8-slash", HEAD + b"documentation: ..\xc0\xafetc\xc0\xafpasswd\n", "not valid UTF-8"),
    ("surrogate-bytes", HEAD + b"name: \xed\xa0\x80\n", "not valid UTF-8"),
    ("nul-bytes", HEAD + b"description: a\x00b\n", "NUL characters"),
    ("duplicate-key", HEAD + b"name: Second name\n", "duplicate key 'name'"),
    ("duplicate-nested-key", HEAD + b"config:\n  a: 1\n  a: 2\n", "duplicate key 'a'"),
    ("python-object-tag", HEAD + b"config: !!python/object/apply:os.system ['touch /tmp/pwned']\n",
     "unsupported YAML tag"),
    ("python-name-tag", HEAD + b"config: !!python/name:os.system\n", "unsupported YAML tag"),
    ("custom-local-tag", HEAD + b"config: !evil {a: 1}\n", "unsupported YAML"),
    ("binary-tag", HEAD + b"config: !!binary aGVsbG8=\n", "unsupported YAML tag"),
    ("complex-key", HEAD + b"? [a, b]\n: value\n", "mapping keys must be plain scalars"),
    ("nan-key", HEAD + b".nan: 1\n", "mapping key is NaN"),
    ("merge-of-scalar", HEAD + b"x: &s text\ny:\n  <<: *s\n", "merge key (<<) must refer to a mapping"),
    ("top-level-list", b"- type: dataset\n- name: x\n", "expected a YAML mapping at the top level, got a list"),
    ("top-level-scalar", b"just some text\n", "expected a YAML mapping at the top level, got a string"),
    ("number-without-digits", HEAD + b"config: {a: +_}\n", "malformed YAML: cannot read '+_'"),
    ("empty", b"", "the RDF is empty"),
    ("whitespace-only", b"   \n\n\t\n", "the RDF is empty"),
    ("comment-only", b"# nothing here\n", "the RDF is empty"),
    ("unterminated-quote", HEAD + b'description: "never closed\n', "malformed YAML"),
    ("bad-indentation", HEAD + b"authors:\n  - name: a\n - name: b\n", "malformed YAML"),
    ("control-character", HEAD + b"description: bell \x07 here\n", "malformed YAML"),
    ("undefined-alias", HEAD + b"config: *nowhere\n", "malformed YAML"),
    ("two-documents", HEAD + b"---\ntype: model\n", "malformed YAML"),
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("document, fragment", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_document_fails_with_a_named_reason(tmp_path, bounded_memory, document, fragment):
    path = tmp_path / "rdf.yaml"
    path.write_bytes(document() if callable(document) else document)
    report = validate(path)
    assert report.status == "failed"
    assert report.source == str(path)
    assert any(fragment in issue.msg for issue in report.errors), [i.msg for i in report.errors]
    assert not any(issue.type == "internal_error" for issue in report.errors)


@pytest.mark.timeout(30)
def test_plausible_but_absurd_values_are_errors_not_crashes(tmp_path, bounded_memory):
    """Values of the wrong kind in every field of a model: errors with a location, no internal error."""
    odd = {"inputs": {"x": 1}, "outputs": "all", "weights": [1, 2], "authors": 5, "covers": {"a": None},
           "documentation": 3.5, "license": ["MIT"], "tags": "a,b", "cite": [None], "config": [],
           "timestamp": "yesterday", "name": "x" * 100_000, "description": ["d"], "attachments": "rdf.yaml"}
    path = tmp_path / "rdf.yaml"
    write_yaml(path, {"format_version": "0.5.4", "type": "model", **odd})
    report = validate(path)
    assert report.status == "failed"
    assert not any(i.type == "internal_error" for i in report.errors), [i.msg for i in report.errors]
    located = {i.loc[0] for i in report.errors if i.loc}
    assert {"inputs", "outputs", "weights", "name"} <= located
