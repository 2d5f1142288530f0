"""The published JSON Schema files: valid Draft 2020-12, one per type and minor, in sync with their source."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from pipeline.spec import schema
from pipeline.spec.schema_defs import SCHEMA_DIR, all_schemas, render

EXPECTED = {"common.json", "model-0.4.json", "model-0.5.json"} | {
    f"{kind}-0.{minor}.json" for kind in ("generic", "application", "dataset", "notebook", "collection")
    for minor in (2, 3)}


def test_one_schema_file_per_type_and_minor():
    assert set(schema.schema_names()) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_schema_file_is_valid_and_matches_its_source(name):
    text = (SCHEMA_DIR / name).read_text(encoding="utf-8")
    Draft202012Validator.check_schema(json.loads(text))
    assert text == render(all_schemas()[name]), "run: python -m pipeline.spec.schema_defs"


def test_validators_are_compiled_once():
    assert schema.validator("model-0.5.json") is schema.validator("model-0.5.json")


@pytest.mark.parametrize(
    ("instance", "loc", "msg"),
    [
        ({"format_version": "0.3.0", "type": "dataset", "name": "Dataset one", "tags": "x"}, ["tags"],
         "expected a list, got 'x'"),
        ({"format_version": "0.3.0", "type": "dataset", "name": "Dataset one", "authors": [{"orcid": 5}]},
         ["authors", 0, "name"], "field required"),
        ({"format_version": "0.3.0", "type": "dataset", "name": 12}, ["name"],
         "expected 5 to 128 characters from A-Z a-z 0-9 _ + - space ( ), got 12"),
        ({"format_version": "0.3.0", "type": "dataset", "name": "Dataset one", "covers": ["a.bmp"]}, ["covers", 0],
         "expected an image (.gif .jpeg .jpg .png .svg) as a path/URL or {source, sha256}, got 'a.bmp'"),
    ],
)
def test_schema_errors_are_located_and_worded_expected_got(instance, loc, msg):
    issues = schema.check("dataset-0.3.json", instance)
    assert (loc, msg) in [(list(i.loc), i.msg) for i in issues]


def test_all_errors_are_reported_not_just_the_first():
    instance = {"format_version": "0.3.0", "type": "dataset", "name": "x", "tags": 1, "links": 2, "extra": 3}
    locs = sorted(tuple(i.loc) for i in schema.check("dataset-0.3.json", instance))
    assert locs == [("extra",), ("links",), ("name",), ("tags",)]
