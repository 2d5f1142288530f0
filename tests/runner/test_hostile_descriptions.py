"""Random mutations of a real model description never crash test_model: they end as a result."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.runner.sandbox import Limits
from pipeline.runner.testing import test_model

from testkit.paths import MODELS
from testkit.runner import read_rdf, write_rdf

BASE = read_rdf(MODELS / "nuclei-boundary-2d" / "rdf.yaml")
BASE["weights"] = {"onnx": {k: v for k, v in BASE["weights"]["onnx"].items() if k != "parent"}}
VALUES = st.one_of(st.none(), st.integers(-3, 100), st.floats(allow_nan=True), st.text(max_size=8),
                   st.lists(st.integers(0, 3), max_size=3),
                   st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))


def paths(node, prefix=()):
    """Every key/index path into the description."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield prefix + (k,)
            yield from paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield prefix + (i,)
            yield from paths(v, prefix + (i,))


ALL_PATHS = [p for p in paths(BASE) if p[0] in ("inputs", "outputs", "weights", "config")]


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.sampled_from(ALL_PATHS), value=VALUES, delete=st.booleans())
def test_mutated_descriptions_end_as_results(tmp_path_factory, where, value, delete):
    folder = tmp_path_factory.mktemp("m")
    for name in ("weights.onnx", "test_input.npy", "test_output.npy", "README.md", "cover.png"):
        shutil.copyfile(MODELS / "nuclei-boundary-2d" / name, Path(folder) / name)
    rdf = copy.deepcopy(BASE)
    parent = rdf
    for key in where[:-1]:
        parent = parent[key]
    if delete and isinstance(parent, dict):
        del parent[where[-1]]
    else:
        parent[where[-1]] = value
    write_rdf(Path(folder) / "rdf.yaml", rdf)
    result = test_model(folder, limits=Limits(seconds=30, memory_bytes=4 * 1024**3)).to_json()
    assert result["status"] in ("passed", "failed")
    for t in result["tests"]:
        assert t["status"] in ("passed", "failed", "skipped")
        assert t["status"] == "passed" or t["error"]
