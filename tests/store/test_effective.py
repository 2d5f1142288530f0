"""The effective RDF: what the build validates, tests and publishes, and what a PR shows, is the
source RDF with the partner overlay and the maintainers' overrides laid over it."""

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from pipeline.build import builder
from pipeline.build.builder import BuildConfig
from pipeline.contribute.facts import gather
from pipeline.spec import load_rdf, yamlio
from pipeline.store import Resource, Store, Version
from pipeline.store.effective import effective_rdf, load_effective
from pipeline.store.model import data_digest

DATASET = Path("examples/resources/nuclei-dataset")


def _version(**fields) -> Version:
    return Version(version_id="1", rdf_source="unused", rdf_sha256="", created="", status="accepted", **fields)


def test_layers_replace_whole_fields_overlay_first():
    loaded = load_rdf(str(DATASET))
    version = _version(partner_overlay={"name": "From the collection", "tags": ["a"]},
                       overrides={"tags": ["maintained"]})
    partner = effective_rdf(loaded, Resource(id="lab/x", type="dataset", source="partner:lab"), version)
    assert (partner.loaded.data["name"], partner.loaded.data["tags"]) == ("From the collection", ["maintained"])
    assert partner.loaded.data["license"] == loaded.data["license"]
    # harvest recorded the entry with its collection's fields, before any maintainer change
    assert partner.source_sha256 == data_digest({**loaded.data, "name": "From the collection", "tags": ["a"]})
    assert partner.loaded.sha256 == data_digest(partner.loaded.data) != partner.source_sha256
    zenodo = effective_rdf(loaded, Resource(id="10.5281/zenodo.1", type="dataset", source="zenodo"), _version())
    assert zenodo.loaded.data == loaded.data and zenodo.loaded.sha256 == zenodo.source_sha256 == loaded.sha256


@pytest.fixture
def overridden(tmp_path) -> tuple[Store, Resource]:
    """A stored dataset whose RDF names an unknown license, corrected by a maintainer override."""
    shutil.copytree(DATASET, tmp_path / "record")
    rdf_path = tmp_path / "record" / "rdf.yaml"
    rdf = yamlio.loads(rdf_path.read_bytes(), source="rdf")
    rdf_path.write_text(yamlio.dumps({**rdf, "license": "no such license"}))
    version = Version(version_id="2", rdf_source=str(rdf_path), created="2024-01-01T00:00:00Z", status="accepted",
                      rdf_sha256=hashlib.sha256(rdf_path.read_bytes()).hexdigest(),
                      overrides={"license": "CC0-1.0", "name": "Maintained name"})
    store = Store(tmp_path / "collection")
    resource = Resource(id="10.5281/zenodo.1", type="dataset", source="zenodo", nickname="n", versions=[version])
    store.put(resource)
    return store, resource


def test_build_and_pull_request_see_the_same_document(overridden, tmp_path):
    store, resource = overridden
    version = resource.versions[0]
    assert ": passed (dataset" in gather(store.root, resource, version).report.format_text().splitlines()[0]
    bare = Version(**{**version.__dict__, "overrides": None})
    report = gather(store.root, resource, bare).report.format_text()
    assert ": FAILED (dataset" in report.splitlines()[0] and "license" in report

    summary = builder.run(BuildConfig(store=store.root, site=tmp_path / "site", cache=tmp_path / "cache",
                                      partners=None, run_tests=False))
    assert summary.problems == [] and summary.failed == []
    folder = tmp_path / "site/rdfs/10.5281/zenodo.1/2"
    tests = json.loads((folder / "test_summary.json").read_text())["tests"]["pipeline"]
    assert [(t["name"], t["status"]) for t in tests] == [("validate format", "passed")]
    published = yamlio.loads((folder / "rdf.yaml").read_bytes(), source="rdf")
    assert (published["license"], published["name"]) == ("CC0-1.0", "Maintained name")
    assert load_effective(store.root, resource, version).loaded.data["license"] == "CC0-1.0"
