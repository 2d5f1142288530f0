"""Property-based: random mutations of valid fixtures never crash the validator or hit its guard."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.spec import load_rdf
from pipeline.spec.report import Report
from pipeline.spec.validator import validate_data

FIXTURES = Path(__file__).parent / "fixtures" / "valid"
BASES = {name: load_rdf(FIXTURES / name) for name in ("model-0.5", "model-0.4", "generic-0.3", "notebook-0.2")}

_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["../x.npy", "/etc/passwd", "file:///x", "http://127.0.0.1:1/x", "test_input.npy", "0.4",
                     "0.5.99", "9.9.9", "model", "collection", "batch", "raw", "x", "channel", "pytorch_state_dict"]),
)
_values = st.recursive(_leaf, lambda inner: st.lists(inner, max_size=3) |
                       st.dictionaries(st.sampled_from(["id", "type", "size", "tensor_id", "axis_id", "source",
                                                        "kwargs", "axes", "name", "min", "step", "halo"]),
                                       inner, max_size=3), max_leaves=8)


def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            out += _paths(value, prefix + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out += _paths(value, prefix + (i,))
    return out


def _mutate(data: dict, path: tuple, value: Any, delete: bool) -> dict:
    data = copy.deepcopy(data)
    if not path:
        return data
    target = data
    for step in path[:-1]:
        target = target[step]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@st.composite
def mutated(draw) -> tuple[str, dict]:
    name = draw(st.sampled_from(sorted(BASES)))
    data = BASES[name].data
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        path = draw(st.sampled_from(paths))
        data = _mutate(data, path, draw(_values), draw(st.booleans()))
    return name, data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_random_mutations_give_a_report_never_a_crash(case):
    name, data = case
    report = validate_data(data, root=BASES[name].root, source=name, io=True)
    assert isinstance(report, Report)
    assert report.status in ("passed", "failed")
    internal = [e for e in report.errors if e.type == "internal_error"]
    assert internal == [], report.format_text()
    for issue in report.errors + report.warnings:
        assert isinstance(issue.loc, tuple) and all(isinstance(p, (str, int)) for p in issue.loc)
    report.to_json()
    report.format_text()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_upgrade_and_normalize_raise_only_bad_input(case):
    from pipeline.errors import BadInput
    from pipeline.spec import normalized_model, upgrade

    _, data = case
    for convert in (upgrade, normalized_model):
        try:
            result = convert(data)
        except BadInput as e:
            assert "not format-valid" in str(e) or "needs a model RDF" in str(e)
        else:
            assert isinstance(result, dict)
