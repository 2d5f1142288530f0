"""collection.json keeps the legacy shape, adds zoo fields, and links resources both ways."""

from pathlib import Path

from pipeline.build.collection import (
    BuiltVersion, all_versions_document, collection_document, link_resources, resource_summary,
)
from pipeline.contracts.partners import Partner


def _version(rid, vid, created, rdf=None):
    rdf = rdf or {"type": "model", "name": f"Model {rid}", "tags": ["segmentation", "unet"],
                  "description": "d", "license": "MIT", "authors": [{"name": "A"}]}
    return BuiltVersion(
        resource_id=rid, version_id=vid, rdf=rdf, rdf_path=f"rdfs/{rid}/{vid}/rdf.yaml",
        rdf_sha256="ab" * 32, created=created, doi=f"10.5281/zenodo.{vid}",
        status={"overall": "passed"}, compatibility={"pipeline": "passed"},
    )


def test_summary_takes_latest_version_and_first_creation():
    resource = {"id": "10.5281/zenodo.1", "nickname": "affable-shark", "nickname_icon": "🦈", "doi": "10.5281/zenodo.1"}
    versions = [_version("10.5281/zenodo.1", "3", "2024-02-01T00:00:00Z"),
                _version("10.5281/zenodo.1", "2", "2023-01-01T00:00:00Z")]
    summary = resource_summary(resource, versions)
    assert summary["versions"] == ["3", "2"]
    assert summary["latest_version"] == "3"
    assert summary["created"] == "2023-01-01T00:00:00Z"
    assert summary["rdf_source"] == "rdfs/10.5281/zenodo.1/3/rdf.yaml"
    assert summary["nickname"] == "affable-shark"
    assert [t["id"] for t in summary["edam"]] == ["operation_3443"]
    for legacy in ("authors", "description", "license", "name", "tags", "type", "download_url", "covers"):
        assert legacy in summary


def test_links_become_two_way_and_document_counts_types():
    model = resource_summary({"id": "m"}, [_version("m", "1", "t", {"type": "model", "name": "M",
                                                                   "training_data": {"id": "d"}})])
    notebook = resource_summary({"id": "n"}, [_version("n", "1", "t", {"type": "notebook", "name": "N",
                                                                      "links": ["m", "missing"]})])
    dataset = resource_summary({"id": "d"}, [_version("d", "1", "t", {"type": "dataset", "name": "D"})])
    summaries = [notebook, model, dataset]
    link_resources(summaries)
    assert dataset["linked_from"] == ["m"]
    assert model["linked_from"] == ["n"]
    doc = collection_document(summaries, partners=[Partner(id="ilastik", file=Path("ilastik.yaml"), name="ilastik", description="secret")])
    assert [s["id"] for s in doc["collection"]] == ["d", "m", "n"]
    assert doc["config"]["n_resources"] == {"dataset": 1, "model": 1, "notebook": 1}
    assert doc["config"]["partners"] == [{"id": "ilastik", "name": "ilastik"}]


def test_all_versions_sorted():
    doc = all_versions_document([_version("b", "1", "t"), _version("a", "2", "t"), _version("a", "1", "t")])
    assert [(v["id"], v["version_id"]) for v in doc["versions"]] == [("a", "1"), ("a", "2"), ("b", "1")]
