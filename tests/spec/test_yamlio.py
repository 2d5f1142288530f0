"""The bounded YAML parser refuses hostile documents with a clear message and round-trips data."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import BadInput
from pipeline.spec import yamlio


def _bomb(levels: int = 9) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels + 1):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\nb: 2\na: 3\n", "duplicate key 'a' (line 3)"),
        ("a: [1, 2\n", "malformed YAML: expected ',' or ']'"),
        ("a: !python/object:os.system x\n", "unsupported YAML tag '!python/object:os.system'"),
        ("[" * 150 + "]" * 150, "nesting deeper than 100 levels"),
        ("a: 1\n---\nb: 2\n", "malformed YAML"),
        ("a: \x00\n", "NUL characters"),
        ("? [1, 2]\n: x\n", "mapping keys must be plain scalars"),
    ],
)
def test_bad_documents_are_refused_with_reason(text, message):
    with pytest.raises(BadInput) as info:
        yamlio.loads(text, source="doc.yaml")
    assert str(info.value).startswith("doc.yaml: ")
    assert message in str(info.value)


def test_alias_bomb_is_refused_quickly():
    start = time.monotonic()
    with pytest.raises(BadInput, match="alias bomb"):
        yamlio.loads(_bomb(), source="bomb.yaml")
    assert time.monotonic() - start < 20  # a generous bound; expansion would take forever


def test_modest_aliases_are_expanded_into_plain_values():
    data = yamlio.loads("base: &b {k: 1}\nuse: *b\nmerged:\n  <<: *b\n  j: 2\n", source="x")
    assert data == {"base": {"k": 1}, "use": {"k": 1}, "merged": {"k": 1, "j": 2}}


def test_size_limit_and_encoding():
    with pytest.raises(BadInput, match="larger than the limit of 10 bytes"):
        yamlio.loads(b"a: 123456789\n", source="x", max_bytes=10)
    with pytest.raises(BadInput, match=r"not valid UTF-8 \(byte 3\)"):
        yamlio.loads(b"a: \xff\n", source="x")
    assert yamlio.loads("\ufeffa: é".encode(), source="x") == {"a": "é"}


def test_scalars_become_plain_python_types():
    data = yamlio.loads("t: 2020-01-02T03:04:05Z\ni: 0x1F\nf: 1e3\nb: true\nn: ~\ns: '1'\n", source="x")
    assert data == {"t": "2020-01-02T03:04:05Z", "i": 31, "f": 1000.0, "b": True, "n": None, "s": "1"}
    assert [type(v) for v in data.values()] == [yamlio.YamlDateTime, int, float, bool, type(None), str]


def test_dumps_is_block_style_and_sorts_when_asked():
    text = yamlio.dumps({"b": [1, {"y": 2, "x": "é"}], "a": None}, sort_keys=True)
    assert text == "a: null\nb:\n- 1\n- x: é\n  y: 2\n"
    assert yamlio.dumps({"b": 1, "a": 2}) == "b: 1\na: 2\n"


_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(_values)
def test_dumps_then_loads_round_trips(value):
    assert yamlio.loads(yamlio.dumps({"v": value}), source="x") == {"v": value}


_yamlish = st.text(alphabet=st.sampled_from(list("ab:- \n[]{},&*!|>'\"#?%@`\t0.1e~<") + ["\x85", "é"]),
                   max_size=80)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_yamlish, st.binary(max_size=80)))
def test_arbitrary_input_parses_or_raises_bad_input_only(raw):
    try:
        yamlio.loads(raw, source="fuzz.yaml")
    except BadInput as e:
        assert str(e).startswith("fuzz.yaml: ")
