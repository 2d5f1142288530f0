"""Hostile record JSON never crashes the client: it is parsed or reported as a bad record."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import BadInput
from pipeline.sources.transport import FolderTransport
from pipeline.sources.zenodo import ZenodoClient, parse_record

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                            st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                           max_leaves=20)
KEYS = ["id", "recid", "conceptrecid", "doi", "conceptdoi", "created", "metadata", "files", "owners", "links"]
records = st.one_of(json_values, st.dictionaries(st.sampled_from(KEYS), json_values, max_size=len(KEYS)))


@settings(max_examples=300, deadline=None)
@given(records)
def test_parse_record_raises_only_bad_input(raw):
    try:
        record = parse_record(raw)
    except BadInput:
        return
    assert record.record_id.isdigit() and record.concept_doi.startswith("10.")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(records, max_size=5), json_values)
def test_listing_survives_hostile_pages(tmp_path, hits, total):
    folder = tmp_path / "set"
    (folder / "search").mkdir(parents=True, exist_ok=True)
    (folder / "search" / "page-0001.json").write_text(json.dumps({"hits": {"hits": hits, "total": total}}))
    try:
        listing = ZenodoClient(FolderTransport(folder)).list_records()
    except BadInput:
        return
    assert len(listing.records) + len(listing.broken) == len(hits)
