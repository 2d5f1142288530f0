"""Harvesting Zenodo records into the store: per-item failures, unchanged reruns, kept edits."""

import json
from pathlib import Path

import pytest

from pipeline.sources import harvesting
from pipeline.sources.harvesting import HarvestConfig
from pipeline.base.http import HttpPolicy
from pipeline.sources.zenodo_server import Faults, ZenodoServer
from pipeline.store import Store

FAST = HttpPolicy(retries=1, backoff=0.01, read_timeout=2.0)


def test_bad_records_are_reported_per_item_and_the_rest_is_stored(make_records, dataset_rdf, files_for, tmp_path):
    good = files_for(dataset_rdf())
    outside = files_for(dataset_rdf(extra="covers:\n  - ../../etc/passwd.png\n"))
    missing = files_for(dataset_rdf(extra="covers:\n  - cover.png\n"))
    invalid = files_for(dataset_rdf(name="x"))
    folder = make_records([
        (11, 10, good),
        (21, 20, {"README.md": b"no rdf here"}),
        (31, 30, outside),
        (41, 40, missing),
        (51, 50, invalid),
        (61, 60, good, ["bioimage.io", "backup.bioimage.io"]),
        (71, 70, files_for(b"- just\n- a list\n")),
    ])
    summary = harvesting.run(HarvestConfig(str(folder), None, tmp_path / "store"))
    zenodo = summary.sources[0]
    failed = dict(zenodo.failed)
    assert "no rdf.yaml or *.bioimageio.yaml among the record's files (README.md)" in failed["10.5281/zenodo.20 v21"]
    assert "covers[0]: '../../etc/passwd.png' points outside the record" in failed["10.5281/zenodo.30 v31"]
    assert "covers[0]: 'cover.png' is not a file of the record" in failed["10.5281/zenodo.40 v41"]
    assert "expected a YAML mapping at the top level, got a list" in failed["10.5281/zenodo.70 v71"]
    assert zenodo.skipped == ["10.5281/zenodo.60 v61"]
    assert [item for item, _ in zenodo.invalid] == ["10.5281/zenodo.50 v51"]
    assert "name" in dict(zenodo.invalid)["10.5281/zenodo.50 v51"]
    assert sorted(zenodo.new) == ["10.5281/zenodo.10 v11", "10.5281/zenodo.50 v51"]
    assert Store(tmp_path / "store").ids() == ["10.5281/zenodo.10", "10.5281/zenodo.50"]
    assert not summary.ok


def _edit_listed_size(folder: Path, record_id: int, key: str, size: int) -> None:
    """Change what the record (and the search pages) list as a file's size."""
    for path in [folder / "records" / f"{record_id}.json", *sorted((folder / "search").glob("*.json"))]:
        data = json.loads(path.read_text())
        hits = data["hits"]["hits"] if "hits" in data else [data]
        for record in hits:
            for entry in record["files"] if record["id"] == record_id else []:
                if entry["key"] == key:
                    entry["size"] = size
        path.write_text(json.dumps(data))


def test_checksum_mismatch_and_huge_files_fail_the_item(make_records, dataset_rdf, files_for, tmp_path):
    folder = make_records([(11, 10, files_for(dataset_rdf())), (21, 20, files_for(dataset_rdf()))])
    (folder / "records" / "11" / "files" / "rdf.yaml").write_bytes(dataset_rdf(name="Test Dataset Two"))
    _edit_listed_size(folder, 21, "rdf.yaml", 999_999_999)
    summary = harvesting.run(HarvestConfig(str(folder), None, tmp_path / "store"))
    failed = dict(summary.sources[0].failed)
    assert "md5 checksum mismatch" in failed["10.5281/zenodo.10 v11"]
    assert "file rdf.yaml has 999999999 bytes, more than the limit" in failed["10.5281/zenodo.20 v21"]
    assert Store(tmp_path / "store").ids() == []


def test_versions_group_under_the_concept_newest_first_with_one_nickname(make_records, dataset_rdf, files_for, tmp_path):
    folder = make_records([(11, 10, files_for(dataset_rdf(version="1.0.0"))),
                           (12, 10, files_for(dataset_rdf(version="1.1.0")))])
    harvesting.run(HarvestConfig(str(folder), None, tmp_path / "store"))
    resource = Store(tmp_path / "store").get("10.5281/zenodo.10")
    assert [v.version_id for v in resource.versions] == ["12", "11"]
    assert [v.status for v in resource.versions] == ["pending", "pending"]
    assert resource.versions[0].rdf_source == str(folder / "records" / "12" / "files" / "rdf.yaml")
    assert resource.nickname and resource.doi == "10.5281/zenodo.10" and resource.type == "dataset"
    nickname = resource.nickname
    folder = make_records([(11, 10, files_for(dataset_rdf(version="1.0.0"))),
                           (12, 10, files_for(dataset_rdf(version="1.1.0"))),
                           (13, 10, files_for(dataset_rdf(version="2.0.0")))])
    summary = harvesting.run(HarvestConfig(str(folder), None, tmp_path / "store"))
    assert summary.sources[0].new == ["10.5281/zenodo.10 v13"] and summary.sources[0].unchanged == 2
    resource = Store(tmp_path / "store").get("10.5281/zenodo.10")
    assert resource.nickname == nickname and [v.version_id for v in resource.versions] == ["13", "12", "11"]


def test_overrides_and_blocks_survive_reharvest(make_records, dataset_rdf, files_for, tmp_path):
    folder = make_records([(11, 10, files_for(dataset_rdf()))])
    store = Store(tmp_path / "store")
    harvesting.run(HarvestConfig(str(folder), None, store.root))
    resource = store.get("10.5281/zenodo.10")
    resource.versions[0].overrides = {"name": "Maintainer Name"}
    resource.versions[0].status = "blocked"
    store.put(resource)
    # The record's RDF changes upstream (Zenodo allows editing a record's files).
    folder = make_records([(11, 10, files_for(dataset_rdf(name="Changed Upstream")))])
    summary = harvesting.run(HarvestConfig(str(folder), None, store.root))
    assert summary.sources[0].updated == ["10.5281/zenodo.10 v11"]
    version = store.get("10.5281/zenodo.10").versions[0]
    assert version.overrides == {"name": "Maintainer Name"} and version.status == "blocked"
    assert version.name == "Changed Upstream"


def test_unchanged_rerun_downloads_nothing_and_writes_nothing(make_records, dataset_rdf, files_for, tmp_path):
    folder = make_records([(10 + i, 100 + i, files_for(dataset_rdf())) for i in range(5)])
    store = tmp_path / "store"
    with ZenodoServer(folder) as server:
        harvesting.run(HarvestConfig(server.base, None, store, policy=FAST))
        first = dict(server.requests)
        stamps = {p: p.stat().st_mtime_ns for p in store.rglob("resource.yaml")}
        summary = harvesting.run(HarvestConfig(server.base, None, store, policy=FAST))
        second = {k: v - first.get(k, 0) for k, v in server.requests.items()}
    assert first["file"] == 5 and second.get("file", 0) == 0
    assert summary.sources[0].unchanged == 5 and summary.ok
    assert stamps == {p: p.stat().st_mtime_ns for p in store.rglob("resource.yaml")}
    resource = Store(store).get("10.5281/zenodo.100")
    assert resource.versions[0].rdf_source == f"{server.base}/records/10/files/rdf.yaml/content"


def test_failed_source_keeps_the_store_and_other_sources(make_records, dataset_rdf, files_for, tmp_path):
    folder = make_records([(11, 10, files_for(dataset_rdf()))])
    store = tmp_path / "store"
    harvesting.run(HarvestConfig(str(folder), None, store))
    before = (store / "10.5281" / "zenodo.10" / "resource.yaml").read_bytes()
    with ZenodoServer(folder, Faults(server_errors=100)) as server:
        summary = harvesting.run(HarvestConfig(server.base, Path("examples/partners"), store, policy=FAST))
    assert summary.sources[0].error and "HTTP 500" in summary.sources[0].error
    assert [s.name for s in summary.sources[1:]] == ["partner:macro-kit", "partner:pixel-lab"]
    assert all(s.ok for s in summary.sources[1:]) and not summary.ok
    assert (store / "10.5281" / "zenodo.10" / "resource.yaml").read_bytes() == before
    assert "pixel-lab/nuclei-workflow" in Store(store).ids()


def test_damaged_resource_file_is_reported_not_overwritten(make_records, dataset_rdf, files_for, tmp_path):
    folder = make_records([(11, 10, files_for(dataset_rdf())), (21, 20, files_for(dataset_rdf()))])
    store = tmp_path / "store"
    damaged = store / "10.5281" / "zenodo.10" / "resource.yaml"
    damaged.parent.mkdir(parents=True)
    damaged.write_text("id: [unclosed\n")
    summary = harvesting.run(HarvestConfig(str(folder), None, store))
    failed = dict(summary.sources[0].failed)
    assert str(damaged) in failed["10.5281/zenodo.10"]
    assert damaged.read_text() == "id: [unclosed\n"
    assert Store(store).get("10.5281/zenodo.20") is not None


def test_not_a_record_set_folder_is_a_source_error(tmp_path):
    summary = harvesting.run(HarvestConfig(str(tmp_path), None, tmp_path / "store"))
    assert "not a Zenodo record-set folder" in summary.sources[0].error


@pytest.mark.parametrize("page_size", [1, 3])
def test_embedded_default_over_http_equals_folder(tmp_path, page_size):
    harvesting.run(HarvestConfig("examples/zenodo", None, tmp_path / "a"))
    with ZenodoServer(Path("examples/zenodo")) as server:
        summary = harvesting.run(HarvestConfig(server.base, None, tmp_path / "b", policy=FAST, page_size=page_size))
    a, b = Store(tmp_path / "a"), Store(tmp_path / "b")
    assert a.ids() == b.ids() and len(a.ids()) >= 6 and summary.ok
    for rid in a.ids():
        ra, rb = a.get(rid), b.get(rid)
        assert (ra.nickname, [v.rdf_sha256 for v in ra.versions]) == (rb.nickname, [v.rdf_sha256 for v in rb.versions])
    types = {a.get(r).type for r in a.ids()}
    assert {"model", "dataset", "notebook", "application"} <= types
    assert any(len(a.get(r).versions) > 1 for r in a.ids())
