"""Partner collections: entries resolved per docs/format.md §8 and validated one by one."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline.spec import load_rdf, resolve_collection, validate, yamlio

FIXTURES = Path(__file__).parent / "fixtures"


def _collection(tmp_path: Path, entries: list, **extra) -> Path:
    data = {"format_version": "0.2.3", "type": "collection", "id": "partner", "name": "Partner",
            "description": "A collection", "authors": ["Team"], "license": "MIT", "tags": ["base"],
            "collection": entries, **extra}
    (tmp_path / "collection.yaml").write_text(yamlio.dumps(data), encoding="utf-8")
    return tmp_path / "collection.yaml"


def _entry_rdf(tmp_path: Path, rel: str, **fields) -> bytes:
    data = {"type": "dataset", "format_version": "0.2.3", "name": "Entry data", "description": "entry",
            "source": "https://example.org/d.zip", **fields}
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yamlio.dumps(data), encoding="utf-8")
    return path.read_bytes()


def test_entries_overlay_collection_then_source_then_entry_keys(tmp_path):
    _entry_rdf(tmp_path, "e/one/rdf.yaml", tags=["from-source"], license="CC0-1.0")
    path = _collection(tmp_path, [{"id": "one", "rdf_source": "e/one/rdf.yaml", "license": "Apache-2.0"},
                                  {"id": "two", "type": "application", "name": "App two"}])
    entries = resolve_collection(load_rdf(path))
    assert [e.id for e in entries] == ["partner/one", "partner/two"]
    one, two = entries
    assert one.error is None and one.data["tags"] == ["from-source"]  # whole-field replacement
    assert one.data["license"] == "Apache-2.0" and one.data["authors"] == ["Team"]
    assert one.data["id"] == "partner/one" and "collection" not in one.data
    assert one.root.resolve("x.png").endswith("e/one/x.png")
    assert two.data["type"] == "application" and two.data["tags"] == ["base"]


def test_one_bad_entry_never_stops_the_others(tmp_path):
    _entry_rdf(tmp_path, "ok/rdf.yaml")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "rdf.yaml").write_text("name: [broken\n")
    path = _collection(tmp_path, [
        {"id": "missing", "rdf_source": "nope/rdf.yaml"},
        {"id": "broken", "rdf_source": "bad/rdf.yaml"},
        {"name": "no id"},
        {"id": "escape", "rdf_source": "../outside.yaml"},
        {"id": "nested", "type": "collection"},
        {"id": "ok", "rdf_source": "ok/rdf.yaml"},
        {"id": "ok", "rdf_source": "ok/rdf.yaml"},
    ])
    entries = resolve_collection(load_rdf(path))
    errors = [(e.id, e.error and e.error.split(": ")[-1]) for e in entries]
    assert errors == [
        ("partner/missing", "nope/rdf.yaml"),
        ("partner/broken", errors[1][1]),
        ("partner/[2]", "entry has no id"),
        ("partner/escape", "'../outside.yaml'"),
        ("partner/nested", "nested collections are not allowed"),
        ("partner/ok", None),
        ("partner/ok", "duplicate entry id 'ok'"),
    ]
    assert "malformed YAML" in entries[1].error
    report = validate(path)
    assert report.status == "failed"
    assert [r.status for r in report.entries] == ["failed"] * 5 + ["passed", "failed"]
    assert report.entries[2].errors[0].loc == ("collection", 2)
    assert report.to_json()["entries"][5]["id"] == "partner/ok"


def test_entry_sha256_is_checked_for_03_entries(tmp_path):
    raw = _entry_rdf(tmp_path, "e/rdf.yaml")
    good = hashlib.sha256(raw).hexdigest()
    path = _collection(tmp_path, [{"id": "a", "entry_source": "e/rdf.yaml", "entry_sha256": good},
                                  {"id": "b", "entry_source": "e/rdf.yaml", "entry_sha256": "1" * 64}])
    a, b = resolve_collection(load_rdf(path))
    assert a.error is None and b.error.endswith("does not match entry_sha256")


def test_entries_from_urls_and_invalid_entry_reported_per_entry(tmp_path, serve):
    _entry_rdf(tmp_path, "remote/rdf.yaml", license="not-spdx-0.3", format_version="0.3.0", name="Remote data")
    base, policy = serve(tmp_path)
    path = _collection(tmp_path, [{"id": "r", "rdf_source": f"{base}/remote/rdf.yaml"}])
    report = validate(path, policy=policy)
    (entry,) = report.entries
    assert entry.id == "partner/r"
    # the collection's plain-string author is inherited and is not valid in 0.3
    assert [e.loc for e in entry.errors] == [("authors", 0), ("license",)]


def test_fixture_collection_entries_pass_but_the_collection_is_not_a_resource():
    report = validate(FIXTURES / "collection")
    assert [(e.loc, e.type) for e in report.errors] == [(("type",), "type")]
    assert "a collection is not a resource type of the format" in report.errors[0].msg
    assert [(r.id, r.status) for r in report.entries] == [("partner/app-one", "passed"), ("partner/data-one", "passed")]
