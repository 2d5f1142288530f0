"""Collection entries keep the legacy shape, add zoo fields, and link resources both ways."""

import json

from pipeline.build.collection import BuiltVersion, link_resources, resource_summary
from pipeline.contracts.collection import CollectionDocument, all_versions_document
from pipeline.store import Resource

PASSED = {"format_valid": True, "runs": None, "reproduces": None, "overall": "passed"}


def _resource(rid):
    return Resource(id=rid, type="generic", source="zenodo")


def _version(rid, vid, created, rdf=None):
    rdf = rdf or {"type": "model", "name": f"Model {rid}", "tags": ["segmentation", "unet"],
                  "description": "d", "license": "MIT", "authors": [{"name": "A"}]}
    return BuiltVersion(
        resource_id=rid, version_id=vid, rdf=rdf, rdf_path=f"rdfs/{rid}/{vid}/rdf.yaml",
        rdf_sha256="0" * 64, created=created, doi=f"10.5281/zenodo.{vid}", status=PASSED,
        compatibility={"pipeline": "passed"}, covers=[f"rdfs/{rid}/{vid}/covers/0-c.png"],
        package_path=f"rdfs/{rid}/{vid}/package.zip", weights_formats=["onnx"],
    )


def test_summary_takes_latest_version_and_its_creation():
    resource = Resource(id="10.5281/zenodo.1", type="model", source="zenodo", nickname="affable-shark",
                        nickname_icon="🦈", doi="10.5281/zenodo.1")
    versions = [_version("10.5281/zenodo.1", "3", "2024-02-01T00:00:00Z"),
                _version("10.5281/zenodo.1", "2", "2023-01-01T00:00:00Z")]
    summary = resource_summary(resource, versions).to_json()
    assert summary["versions"] == ["3", "2"]
    assert summary["latest_version"] == "3"
    assert summary["created"] == "2024-02-01T00:00:00Z"  # when the latest version appeared, as the legacy collection
    assert summary["download_count"] == 1  # no statistics harvested: the legacy placeholder
    assert summary["download_url"] == "rdfs/10.5281/zenodo.1/3/package.zip"  # the RDF names none: our package
    assert summary["rdf_source"] == "rdfs/10.5281/zenodo.1/3/rdf.yaml"
    assert summary["nickname"] == "affable-shark"
    assert [t["id"] for t in summary["edam"]] == ["operation_3443"]
    for legacy in ("authors", "description", "license", "name", "tags", "type", "download_url", "covers"):
        assert legacy in summary
    assert "linked_from" not in summary and "badges" not in summary  # fields the RDF lacks stay out


def test_the_rdf_download_url_partner_links_and_download_counts_are_published():
    resource = Resource(id="10.5281/zenodo.1", type="dataset", source="zenodo")
    rdf = {"type": "dataset", "name": "D", "download_url": "https://doi.org/10.5281/zenodo.9", "links": ["a/b"]}
    version = _version("10.5281/zenodo.1", "3", "2022-06-15 22:06:22.658325", rdf)
    version.tool_links = ["ilastik/ilastik", "careamics/careamics", "gone/gone"]
    summary = resource_summary(resource, [version], download_count=53495,
                               known_ids={"ilastik/ilastik", "careamics/careamics"}).to_json()
    assert summary["download_url"] == "https://doi.org/10.5281/zenodo.9"
    assert summary["links"] == ["a/b", "ilastik/ilastik", "careamics/careamics"]  # only links to published entries
    assert summary["download_count"] == 53495
    assert summary["created"] == "2022-06-15 22:06:22.658325"  # as the paper-era store wrote it


def test_links_become_two_way_and_document_counts_types():
    model = resource_summary(_resource("m"), [_version("m", "1", "t", {"type": "model", "name": "M",
                                                                       "training_data": {"id": "d"}})])
    notebook = resource_summary(_resource("n"), [_version("n", "1", "t", {"type": "notebook", "name": "N",
                                                                          "links": ["m", "missing", "n"]})])
    dataset = resource_summary(_resource("d"), [_version("d", "1", "t", {"type": "dataset", "name": "D"})])
    notebook, model, dataset = link_resources([notebook, model, dataset])
    assert (dataset.linked_from, model.linked_from, notebook.linked_from) == (("m",), ("n",), ())
    doc = CollectionDocument((notebook, model, dataset), ({"id": "ilastik", "name": "ilastik"},)).to_json()
    assert [s["id"] for s in doc["collection"]] == ["d", "m", "n"]
    assert doc["config"]["n_resources"] == {"dataset": 1, "model": 1, "notebook": 1}
    assert doc["config"]["partners"] == [{"id": "ilastik", "name": "ilastik"}]
    again = CollectionDocument.from_json(json.loads(json.dumps(doc)), source="collection.json")
    assert again.entries == (dataset, model, notebook) and again.problems == ()


def test_all_versions_sorted():
    doc = all_versions_document([_version(*v, "t").row() for v in (("b", "1"), ("a", "2"), ("a", "1"))])
    assert [(v["id"], v["version_id"]) for v in doc["versions"]] == [("a", "1"), ("a", "2"), ("b", "1")]
