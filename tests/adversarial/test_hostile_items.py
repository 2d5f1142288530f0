"""One bad item never stops a stage: whatever an entry, record, partner file or store file does,
it becomes a reported problem and every other item is still harvested, built and rendered."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pipeline.build import builder
from pipeline.build.builder import BuildConfig
from pipeline.sources import harvesting
from pipeline.sources.harvesting import HarvestConfig
from pipeline.sources.recordset import record_json, write_record_set
from pipeline.store import Store

from testkit.hostile import partner_entry, partner_folder
from testkit.paths import DATASET

WHEN = datetime(2024, 1, 1, tzinfo=timezone.utc)


def _partner(tmp_path: Path, entry_ids: list[str], *, summaries: bytes | None = None, pid: str = "evil") -> Path:
    return partner_folder(tmp_path, [partner_entry(e, n) for n, e in enumerate(entry_ids)], summaries=summaries,
                          pid=pid)


ENTRY_LISTS = {
    "id-too-long-for-a-file-name": ["first", "x" * 300, "last"],
    "path-too-long": ["first", "/".join(["d" * 200] * 30), "last"],
    "entry-then-its-file-name": ["first", "tool", "tool/resource.yaml", "last"],
    "file-name-then-entry": ["first", "tool/resource.yaml", "tool", "last"],
    "state-folder": ["first", ".state/partner-evil", "last"],
    "not-an-id": ["first", "Spaces And Capitals", "../../escape", "last"],
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("entries", list(ENTRY_LISTS.values()), ids=list(ENTRY_LISTS))
def test_a_bad_partner_entry_is_reported_and_the_entries_after_it_are_harvested(tmp_path, entries):
    store = tmp_path / "collection"
    summary = harvesting.run(HarvestConfig(None, _partner(tmp_path, entries), store, validate=False))
    stored = set(Store(store).ids())
    assert {"evil/first", "evil/last"} <= stored, summary.format_text()
    source = summary.sources[0]
    assert source.error is None, source.error
    reported = {rid for rid, _ in source.failed}
    for entry in entries[1:-1]:
        assert f"evil/{entry}" in reported or f"evil/{entry}" in stored
    assert not summary.ok or len(reported) == 0
    # a rerun is not derailed by what the first run left behind
    again = harvesting.run(HarvestConfig(None, tmp_path / "partners", store, validate=False))
    assert {"evil/first", "evil/last"} <= set(Store(store).ids()), again.format_text()


@pytest.mark.timeout(120)
def test_a_zenodo_record_whose_concept_cannot_be_a_folder_is_reported_and_the_rest_harvested(tmp_path):
    dataset = {p.name: p.read_bytes() for p in DATASET.iterdir() if p.is_file()}
    huge = int("9" * 300)
    records = [(record_json(101, 100, WHEN, dataset, title="good one"), dataset),
               (record_json(301, huge, WHEN + timedelta(days=1), dataset, title="long"), dataset),
               (record_json(201, 200, WHEN + timedelta(days=2), dataset, title="good two"), dataset)]
    write_record_set(tmp_path / "zenodo", records)
    store = tmp_path / "collection"
    summary = harvesting.run(HarvestConfig(str(tmp_path / "zenodo"), None, store, validate=False))
    assert {"10.5281/zenodo.100", "10.5281/zenodo.200"} <= set(Store(store).ids())
    assert any(str(huge)[:20] in item for item, _ in summary.sources[0].failed), summary.format_text()


SUMMARIES = {
    "5000-digit-number": b'{"tool": "evil", "tool_version": ' + b"9" * 5000 + b', "results": []}',
    "100000-nested-arrays": b'{"tool": "evil", "tool_version": "1", "results": '
                            + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "100000-nested-objects": b'{"tool": "evil", "x": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_000 + b"}",
    "not-utf8": b'{"tool": "evil", "tool_version": "\xff\xfe", "results": []}',
    "huge-exponent": b'{"tool": "evil", "tool_version": "1", "results": [], "n": 1e999999}',
    "a-list": b"[1, 2, 3]",
}


@pytest.mark.timeout(180)
@pytest.mark.parametrize("summaries", list(SUMMARIES.values()), ids=list(SUMMARIES))
def test_a_hostile_partner_summary_fails_that_partner_only(tmp_path, summaries):
    partners = _partner(tmp_path, ["app"], summaries=summaries)
    good = json.dumps({"tool": "fine", "tool_version": "2.0", "results": [
        {"resource_id": "fine/app", "version_id": "1.0.0", "tests": [{"name": "opens", "status": "passed"}]}]})
    _partner(tmp_path, ["app"], summaries=good.encode(), pid="fine")
    store, site = tmp_path / "collection", tmp_path / "site"
    harvesting.run(HarvestConfig(None, partners, store, validate=False, accept=True))
    summary = builder.run(BuildConfig(store=store, site=site, cache=tmp_path / "cache", partners=partners,
                                      run_tests=False, packages=False))
    ids = {e["id"] for e in json.loads((site / "collection.json").read_text())["collection"]}
    assert {"evil/app", "fine/app"} <= ids
    assert any(p.source == "partner evil" for p in summary.problems), summary.format_text()
    fine = json.loads((site / "rdfs" / "fine" / "app" / "1.0.0" / "test_summary.json").read_text())
    assert fine["tests"]["fine"][0]["status"] == "passed"  # the other partner's results still merged


@pytest.mark.timeout(180)
def test_an_unreadable_store_entry_skips_that_resource_only(tmp_path):
    partners = _partner(tmp_path, ["one", "two"])
    store, site = tmp_path / "collection", tmp_path / "site"
    harvesting.run(HarvestConfig(None, partners, store, validate=False, accept=True))
    # damage: one resource file replaced by a folder, one made unreadable text
    target = store / "evil" / "one" / "resource.yaml"
    target.unlink()
    target.mkdir()
    (store / "evil" / "three").mkdir()
    (store / "evil" / "three" / "resource.yaml").write_bytes(b"\x00\xff not yaml")
    summary = builder.run(BuildConfig(store=store, site=site, cache=tmp_path / "cache", partners=None,
                                      run_tests=False, packages=False))
    ids = {e["id"] for e in json.loads((site / "collection.json").read_text())["collection"]}
    assert ids == {"evil/two"}
    assert any("three" in p.format_text() for p in summary.problems), summary.format_text()
    shutil.rmtree(target)
