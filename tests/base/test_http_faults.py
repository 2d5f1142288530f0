"""Bounded, retrying HTTP against a loopback server that misbehaves on purpose."""

import pytest

from pipeline.base.http import HttpError, HttpPolicy, fetch_bytes, fetch_json
from testkit.loopback import LoopbackServer


@pytest.fixture
def serve():
    """serve({path: [(status, headers, body), ...]}) -> (url, server): answers given in turn, the last repeats."""
    servers = []

    def start(routes):
        server = LoopbackServer(routes).start()
        servers.append(server)
        return server.url, server

    yield start
    for server in servers:
        server.close()


def policy(url, **kw):
    return HttpPolicy(retries=kw.pop("retries", 3), backoff=0.01, read_timeout=kw.pop("read_timeout", 2.0),
                      **kw).trusting(url)


def test_429_with_retry_after_then_success(serve):
    url, server = serve({"/a": [(429, {"Retry-After": "0"}, b""), (429, {"Retry-After": "0"}, b""), (200, {}, b"ok")]})
    assert fetch_bytes(url + "/a", policy=policy(url)) == b"ok"
    assert server.hits["/a"] == 3


def test_hostile_retry_after_is_clamped(serve):
    url, server = serve({"/a": [(503, {"Retry-After": "999999"}, b""), (200, {}, b"ok")]})
    assert fetch_bytes(url + "/a", policy=policy(url, max_retry_after=0.05)) == b"ok"
    assert server.hits["/a"] == 2


def test_persistent_500_gives_status(serve):
    url, server = serve({"/a": [(500, {}, b"boom")]})
    with pytest.raises(HttpError) as info:
        fetch_bytes(url + "/a", policy=policy(url, retries=2))
    assert info.value.status == 500 and server.hits["/a"] == 3
    assert f"{url}/a: HTTP 500" in str(info.value)


def test_404_is_not_retried(serve):
    url, server = serve({})
    with pytest.raises(HttpError) as info:
        fetch_bytes(url + "/missing", policy=policy(url))
    assert info.value.status == 404 and server.hits["/missing"] == 1


def test_declared_and_streamed_size_limits(serve):
    url, _ = serve({"/big": [(200, {}, b"x" * 2000)], "/liar": [(200, {"Content-Length": "10"}, b"y" * 10)]})
    with pytest.raises(HttpError, match="response of 2000 bytes exceeds the limit of 100"):
        fetch_bytes(url + "/big", policy=policy(url), max_bytes=100)
    assert fetch_bytes(url + "/liar", policy=policy(url), max_bytes=10) == b"y" * 10
    with pytest.raises(HttpError, match="exceeds the limit of 5"):
        fetch_bytes(url + "/liar", policy=policy(url), max_bytes=5)


def test_truncated_json_is_retried_then_reported(serve):
    url, server = serve({"/j": [(200, {}, b'{"a": [1, 2'), (200, {}, b'{"a": [1, 2]}')],
                         "/bad": [(200, {}, b'{"a": ')]})
    assert fetch_json(url + "/j", policy=policy(url)) == {"a": [1, 2]}
    with pytest.raises(HttpError, match="invalid JSON"):
        fetch_json(url + "/bad", policy=policy(url, retries=1))
    assert server.hits["/bad"] == 2


def test_redirect_to_a_private_address_is_refused(serve):
    url, _ = serve({"/r": [(302, {"Location": "http://10.0.0.1/secret"}, b"")]})
    with pytest.raises(HttpError, match="refusing to fetch from non-public address 10.0.0.1"):
        fetch_bytes(url + "/r", policy=policy(url))


def test_redirect_loops_are_bounded(serve):
    url, server = serve({"/loop": [(302, {"Location": "/loop"}, b"")]})
    with pytest.raises(HttpError, match="more than 2 redirects"):
        fetch_bytes(url + "/loop", policy=policy(url, max_redirects=2))
    assert server.hits["/loop"] == 3


def test_body_shorter_than_declared_is_retried(serve):
    url, server = serve({"/short": [(200, {"Content-Length": "100"}, b"half"), (200, {}, b"full")]})
    assert fetch_bytes(url + "/short", policy=policy(url, read_timeout=1.0)) == b"full"
    assert server.hits["/short"] == 2
