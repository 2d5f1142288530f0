"""The URL policy refuses what strangers must not make us fetch."""

import pytest

from pipeline.base.http import HttpError, HttpPolicy, check_url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "only http(s) URLs can be fetched, got scheme 'file'"),
        ("ftp://example.org/x", "only http(s) URLs can be fetched, got scheme 'ftp'"),
        ("http:///nohost", "URL has no host"),
        ("http://127.0.0.1:8000/x", "refusing to fetch from non-public address 127.0.0.1"),
        ("http://169.254.169.254/latest", "refusing to fetch from non-public address 169.254.169.254"),
        ("http://10.1.2.3/", "refusing to fetch from non-public address 10.1.2.3"),
        ("http://[::1]:80/", "refusing to fetch from non-public address ::1"),
    ],
)
def test_refused_urls(url, message):
    with pytest.raises(HttpError) as info:
        check_url(url, HttpPolicy())
    assert message in str(info.value)
    assert url in str(info.value)


def test_trusted_host_may_be_loopback():
    policy = HttpPolicy().trusting("http://127.0.0.1:8123/api")
    check_url("http://127.0.0.1:8123/api/records", policy)
    with pytest.raises(HttpError):
        check_url("http://127.0.0.1:8124/api/records", policy)
