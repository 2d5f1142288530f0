"""The Zenodo client over real HTTP against a loopback server that injects the real API's faults."""

from pathlib import Path

import pytest

from pipeline.errors import BadInput
from pipeline.base.http import HttpPolicy
from pipeline.sources.transport import FolderTransport, HttpTransport
from pipeline.sources.zenodo import ZenodoClient, normalize_time, parse_record
from pipeline.sources.zenodo_server import Faults, ZenodoServer


FAST = HttpPolicy(retries=3, backoff=0.01, read_timeout=0.5, connect_timeout=1.0)


@pytest.fixture
def seven(make_records, dataset_rdf, files_for) -> Path:
    return make_records([(100 + i, 10 + i % 3, files_for(dataset_rdf())) for i in range(7)], page_size=2)


def ids(listing) -> list[str]:
    return [r.record_id for r in listing.records]


def test_http_listing_matches_folder_listing(seven):
    from_folder = ZenodoClient(FolderTransport(seven)).list_records()
    with ZenodoServer(seven) as server:
        over_http = ZenodoClient(HttpTransport(server.base, FAST), page_size=3).list_records()
    assert ids(over_http) == ids(from_folder) == [str(100 + i) for i in reversed(range(7))]
    assert over_http.total == 7 and over_http.pages == 3 and from_folder.pages == 4


def test_server_capping_the_page_size_is_followed_to_the_end(seven):
    with ZenodoServer(seven, Faults(max_page_size=2)) as server:
        listing = ZenodoClient(HttpTransport(server.base, FAST), page_size=100).list_records()
    assert len(listing.records) == 7 and listing.pages == 4


@pytest.mark.parametrize(
    "faults",
    [Faults(rate_limited=2, retry_after="0"), Faults(server_errors=2), Faults(truncated_json=2),
     Faults(stalls=1, stall_seconds=1.5)],
    ids=["429-retry-after", "500s", "truncated-json", "timeout"],
)
def test_transient_faults_are_retried(seven, faults):
    with ZenodoServer(seven, faults) as server:
        listing = ZenodoClient(HttpTransport(server.base, FAST), page_size=3).list_records()
        requests = server.requests["search"]
    assert len(listing.records) == 7
    assert requests > 3  # the failed attempts really reached the server


def test_retry_after_is_honoured(seven):
    # FAST backs off for 0.01 s: only a client that waits as the 429 asks retries a second later
    with ZenodoServer(seven, Faults(rate_limited=1, retry_after="1")) as server:
        transport = HttpTransport(server.base, FAST)
        page = transport.get_json(ZenodoClient(transport).search_url())
    assert page["hits"]["total"] == 7 and server.requests["search"] == 2
    (first, _), (retry, _) = server.arrivals
    assert retry - first >= 0.95


def test_persistent_server_errors_fail_the_listing(seven):
    with ZenodoServer(seven, Faults(server_errors=50)) as server:
        with pytest.raises(BadInput) as info:
            ZenodoClient(HttpTransport(server.base, FAST)).list_records()
    assert "HTTP 500" in str(info.value) and "/api/records" in str(info.value)


def test_next_link_leaving_the_api_is_refused(make_records, dataset_rdf, files_for):
    folder = make_records([(1, 1, files_for(dataset_rdf())), (2, 2, files_for(dataset_rdf()))], page_size=1)
    page = folder / "search" / "page-0001.json"
    page.write_text(page.read_text().replace("https://zenodo.invalid/api/records?", "https://evil.example/api/records?"))
    with pytest.raises(BadInput, match="next page link leaves the API"):
        ZenodoClient(FolderTransport(folder)).list_records()


def test_record_parsing_tolerates_unknown_fields_and_normalises():
    raw = {"id": 5, "conceptdoi": "https://doi.org/10.5281/ZENODO.4", "doi": "10.5281/zenodo.5",
           "created": "2024-03-01T10:00:00+02:00", "brand_new_field": {"x": 1},
           "metadata": {"title": "T", "keywords": ["bioimage.io", "backup.bioimage.io"], "new": 1},
           "files": [{"key": "rdf.yaml", "size": 3, "checksum": "md5:abc", "extra": True}, {"nokey": 1}]}
    record = parse_record(raw)
    assert record.concept_doi == "10.5281/zenodo.4"
    assert record.created == "2024-03-01T08:00:00Z"
    assert record.is_backup
    assert [f.key for f in record.files] == ["rdf.yaml"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [({"id": "x"}, "record has no numeric id"),
     ({"id": 3, "doi": "10.5281/zenodo.3"}, "record has no valid concept DOI (got '')"),
     ([1, 2], "record is not a JSON object")],
)
def test_unreadable_records_are_named(raw, message):
    with pytest.raises(BadInput) as info:
        parse_record(raw)
    assert message in str(info.value)


def test_time_normalisation():
    assert normalize_time("2024-01-02T03:04:05") == "2024-01-02T03:04:05Z"
    assert normalize_time("not a time") == ""


def test_folder_transport_refuses_paths_outside_the_record_set(seven):
    transport = FolderTransport(seven)
    for url in ["https://zenodo.invalid/api/records/1/files/../content",
                "https://zenodo.invalid/api/../../etc/passwd", "https://other.example/api/records/1"]:
        with pytest.raises(BadInput):
            transport.get_bytes(url, max_bytes=100)
