"""The facet table: rows keyed by Pagefind result ids, value columns, sort positions."""

from __future__ import annotations

import gzip
import json
import re

import pytest

from pipeline.errors import ExternalToolFailed
from pipeline.site.facets import FACETS, SearchEntry, page_ids, table
from testkit.paths import REPO

ZOO_JS = REPO / "templates" / "static" / "zoo.js"


def _entry(page: str, created: str, name: str, **facets: dict[str, str]) -> SearchEntry:
    return SearchEntry(page=page, facets=facets, sort={"name": name, "created": created})


def test_columns_index_values_by_frequency_and_keep_labels():
    entries = [_entry("a.html", "2024-01-01", "b", tool={"macro-kit": "Macro Kit"}, tag={"x": "x", "y": "y"}),
               _entry("b.html", "2024-02-01", "a", tag={"y": "y"}),
               _entry("c.html", "", "c", tool={"macro-kit": "Macro Kit", "pixel-lab": "Pixel Lab"})]
    doc = table(entries, {"a.html": "en_a", "b.html": "en_b", "c.html": "en_c"})
    assert doc["ids"] == ["en_a", "en_b", "en_c"]
    facets = {f["name"]: f for f in doc["facets"]}
    assert [f["name"] for f in doc["facets"]] == [name for name, _ in FACETS]
    assert facets["tag"]["values"] == [["y", "y"], ["x", "x"]]  # y is on two rows
    assert facets["tag"]["rows"] == [[1, 0], [0], []]
    assert facets["tool"]["values"] == [["macro-kit", "Macro Kit"], ["pixel-lab", "Pixel Lab"]]
    assert facets["tool"]["rows"] == [[0], [], [0, 1]]
    assert doc["sorts"]["name"] == [1, 0, 2]
    assert doc["sorts"]["created"] == [1, 0, 2]  # newest first, no date last


def test_ties_keep_the_recommended_order_and_unindexed_pages_are_left_out():
    entries = [_entry(f"{i}.html", "2024-01-01", "same") for i in range(4)]
    doc = table(entries, {"0.html": "en_0", "2.html": "en_2", "3.html": "en_3"})
    assert doc["ids"] == ["en_0", "en_2", "en_3"]
    assert doc["sorts"]["name"] == doc["sorts"]["created"] == [0, 1, 2]
    assert all(len(f["rows"]) == 3 for f in doc["facets"])


def test_page_ids_read_pagefind_fragments(tmp_path):
    (tmp_path / "fragment").mkdir()
    record = {"url": "/rdfs/10.5281/zenodo.1%2B2/index.html", "meta": {"title": "t"}}
    (tmp_path / "fragment" / "en_abc1234.pf_fragment").write_bytes(
        gzip.compress(b"pagefind_dcd" + json.dumps(record).encode()))
    assert page_ids(tmp_path) == {"rdfs/10.5281/zenodo.1+2/index.html": "en_abc1234"}


@pytest.mark.parametrize("content", [b"\x1f\x8bnot gzip", gzip.compress(b"pagefind_dcd{broken"),
                                     gzip.compress(b"pagefind_dcd" + json.dumps({"no": "url"}).encode())])
def test_an_unreadable_fragment_fails_loudly_with_its_name(tmp_path, content):
    (tmp_path / "fragment").mkdir()
    (tmp_path / "fragment" / "en_bad0001.pf_fragment").write_bytes(content)
    with pytest.raises(ExternalToolFailed, match="en_bad0001.pf_fragment"):
        page_ids(tmp_path)


def test_the_browser_script_knows_the_same_facet_names():
    listed = re.search(r"const FACETS = \[([^\]]*)\]", ZOO_JS.read_text()).group(1)
    assert re.findall(r'"([a-z]+)"', listed) == [name for name, _ in FACETS]


def test_the_status_facet_reads_like_the_pages():
    from pipeline.contracts.collection import CollectionEntry
    from pipeline.site.views import facet_record, state_label

    assert [state_label(s) for s in ("passed", "skipped", "not-applicable", "valid-format")] == \
        ["passed", "skipped", "not applicable", "format valid, not run"]  # not-applicable is its own state
    entry = CollectionEntry.from_json({"id": "10.5281/zenodo.1", "type": "model", "name": "m",
                                       "status": {"format_valid": True, "overall": "valid-format"}})
    assert facet_record(entry, {})["facets"]["status"] == {"valid-format": "format valid, not run"}
