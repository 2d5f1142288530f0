"""The published JSON Schema files: valid Draft 2020-12, one per type and minor, rendered from the descriptions."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from pipeline.spec.schema_export import SCHEMA_DIR, all_schemas, render

EXPECTED = {"model-0.4.json", "model-0.5.json"} | {
    f"{kind}-0.{minor}.json" for kind in ("generic", "application", "dataset", "notebook") for minor in (2, 3)}


def test_one_schema_file_per_type_and_minor():
    assert {p.name for p in SCHEMA_DIR.glob("*.json")} == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_schema_file_is_valid_and_matches_the_descriptions(name):
    text = (SCHEMA_DIR / name).read_text(encoding="utf-8")
    Draft202012Validator.check_schema(json.loads(text))
    assert text == render(all_schemas()[name]), "run: python -m pipeline.spec.schema_export"


@pytest.mark.parametrize("name", ["dataset-0.3.json", "model-0.5.json"])
def test_the_schema_accepts_a_canonical_rdf_and_refuses_a_wrong_one(name):
    validator = Draft202012Validator(json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8")))
    if name.startswith("dataset"):
        good = {"format_version": "0.3.4", "type": "dataset", "name": "Dataset one", "tags": ["a"]}
        bad = dict(good, tags="a")
    else:
        good = {"format_version": "0.5.14", "type": "model", "name": "Tiny model",
                "inputs": [{"id": "raw", "axes": [{"type": "batch"}, {"type": "space", "id": "x", "size": 16}]}],
                "outputs": [{"id": "out", "axes": [{"type": "space", "id": "x", "size": 16}]}],
                "weights": {"onnx": {"source": "w.onnx", "opset_version": 15}}}
        bad = dict(good, weights={"onnx": {"source": "w.onnx", "opset_version": "fifteen"}})
    assert list(validator.iter_errors(good)) == []
    assert list(validator.iter_errors(bad)) != []
