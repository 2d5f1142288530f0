"""The example models and resources shipped in examples/ validate with file checks on."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.spec import validate
from testkit.paths import EXAMPLES

RDFS = sorted(p for sub in ("models", "resources") for p in (EXAMPLES / sub).rglob("*.yaml")
              if (p.name == "rdf.yaml" or p.name.endswith(".bioimageio.yaml")) and "broken" not in p.parts) \
    if EXAMPLES.exists() else []
BROKEN = sorted((EXAMPLES / "models" / "broken").glob("*/rdf.yaml")) if EXAMPLES.exists() else []
COLLECTIONS = sorted((EXAMPLES / "partners").glob("*/collection.yaml")) if EXAMPLES.exists() else []


def _id(path: Path) -> str:
    return str(path.relative_to(EXAMPLES))


@pytest.mark.parametrize("path", RDFS, ids=_id)
def test_example_rdf_passes_with_file_checks(path):
    report = validate(path)
    assert report.errors == [], report.format_text()


@pytest.mark.parametrize("path", BROKEN, ids=_id)
def test_broken_examples_are_format_valid(path):
    # They are broken at run time (wrong outputs, crashing code), not in their description.
    report = validate(path, io=False)
    assert report.errors == [], report.format_text()


@pytest.mark.parametrize("path", COLLECTIONS, ids=_id)
def test_partner_collections_pass_entry_by_entry(path):
    # A collection itself is no resource type of the format (its reference refuses it); each entry is.
    report = validate(path)
    assert [e.loc for e in report.errors] == [("type",)], report.format_text()
    assert report.entries and all(e.id.startswith(f"{path.parent.name}/") for e in report.entries)
    assert all(e.status == "passed" for e in report.entries), report.format_text()


def test_examples_cover_both_model_versions():
    versions = {validate(p, io=False).format_version[:3] for p in RDFS if "models" in p.parts}
    assert {"0.4", "0.5"} <= versions


PAIRS = sorted(p.parent for p in (EXAMPLES / "models").glob("*/v0_4.bioimageio.yaml")) if EXAMPLES.exists() else []


@pytest.mark.parametrize("folder", PAIRS, ids=lambda p: p.name)
def test_v04_and_v05_of_the_same_model_normalise_to_the_same_axes(folder):
    from pipeline.spec import load_rdf, normalized_model, upgrade
    from pipeline.spec.validator import validate_data

    old, new = load_rdf(folder / "v0_4.bioimageio.yaml"), load_rdf(folder / "rdf.yaml")
    assert validate_data(upgrade(old.data), root=old.root).errors == []

    def shape(model: dict) -> list:
        return [[(a["type"], a["id"], a.get("size"), a.get("halo"), a.get("scale")) for a in t["axes"]]
                for t in model["inputs"] + model["outputs"]]

    assert shape(normalized_model(old.data)) == shape(normalized_model(new.data))
