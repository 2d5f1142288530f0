"""collection.json as read back: readable entries are kept, the rest named field by field."""

import pytest

from pipeline.contracts.collection import CollectionDocument, CollectionEntry
from pipeline.errors import BadInput


@pytest.mark.parametrize(("item", "message"), [
    ("not an entry", "c.json: collection[0]: expected a collection entry (a mapping), got str"),
    ({"id": 3}, "collection[0].id: expected a string, got 3"),
    ({"id": "a", "versions": [1]}, "collection[0].versions: expected a list of strings"),
    ({"id": "a", "compatibility": {"pipeline": "great"}}, "collection[0].compatibility: expected a mapping"),
    ({"id": "a", "status": {"overall": "great"}}, "collection[0].status.overall: expected one of"),
    ({"id": "a", "download_count": "many"}, "collection[0].download_count: expected an integer, got str"),
])
def test_unreadable_entries_are_named(item, message):
    with pytest.raises(BadInput) as info:
        CollectionEntry.from_json(item, source="c.json", loc=("collection", 0))
    assert message in str(info.value)


def test_a_document_keeps_readable_entries_and_reports_the_rest():
    doc = CollectionDocument.from_json({"collection": [{"id": "a"}, 7, {"id": "a"}, {"id": "b", "tags": "x"}]},
                                       source="c.json")
    assert [e.id for e in doc.entries] == ["a", "b"] and doc.entries[1].rdf == {"tags": "x"}
    assert [p.format_text() for p in doc.problems] == [
        "c.json: collection[1]: expected a collection entry (a mapping), got int",
        "c.json: collection[2].id: duplicate id 'a'"]
    with pytest.raises(BadInput, match="expected an object with a `collection` list"):
        CollectionDocument.from_json({"collection": 3}, source="c.json")
