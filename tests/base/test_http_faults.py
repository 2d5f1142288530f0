"""Bounded, retrying HTTP against a loopback server that misbehaves on purpose."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipeline.base.http import HttpError, HttpPolicy, fetch_bytes, fetch_json


class Script:
    """Answers per path: a list of (status, headers, body) consumed one per request; the last repeats."""

    def __init__(self, routes):
        self.routes = {k: list(v) for k, v in routes.items()}
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()

    def next(self, path):
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            steps = self.routes.get(path, [(404, {}, b"")])
            return steps.pop(0) if len(steps) > 1 else steps[0]


@pytest.fixture
def serve():
    servers = []

    def start(routes):
        script = Script(routes)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                status, headers, body = script.next(self.path)
                self.send_response(status)
                length = headers.pop("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", length)
                self.end_headers()
                self.wfile.write(body)

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}", script

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def policy(url, **kw):
    return HttpPolicy(retries=kw.pop("retries", 3), backoff=0.01, read_timeout=kw.pop("read_timeout", 2.0),
                      **kw).trusting(url)


def test_429_with_retry_after_then_success(serve):
    url, script = serve({"/a": [(429, {"Retry-After": "0"}, b""), (429, {"Retry-After": "0"}, b""), (200, {}, b"ok")]})
    assert fetch_bytes(url + "/a", policy=policy(url)) == b"ok"
    assert script.hits["/a"] == 3


def test_hostile_retry_after_is_clamped(serve):
    url, script = serve({"/a": [(503, {"Retry-After": "999999"}, b""), (200, {}, b"ok")]})
    assert fetch_bytes(url + "/a", policy=policy(url, max_retry_after=0.05)) == b"ok"
    assert script.hits["/a"] == 2


def test_persistent_500_gives_status(serve):
    url, script = serve({"/a": [(500, {}, b"boom")]})
    with pytest.raises(HttpError) as info:
        fetch_bytes(url + "/a", policy=policy(url, retries=2))
    assert info.value.status == 500 and script.hits["/a"] == 3
    assert f"{url}/a: HTTP 500" in str(info.value)


def test_404_is_not_retried(serve):
    url, script = serve({})
    with pytest.raises(HttpError) as info:
        fetch_bytes(url + "/missing", policy=policy(url))
    assert info.value.status == 404 and script.hits["/missing"] == 1


def test_declared_and_streamed_size_limits(serve):
    url, _ = serve({"/big": [(200, {}, b"x" * 2000)], "/liar": [(200, {"Content-Length": "10"}, b"y" * 10)]})
    with pytest.raises(HttpError, match="response of 2000 bytes exceeds the limit of 100"):
        fetch_bytes(url + "/big", policy=policy(url), max_bytes=100)
    assert fetch_bytes(url + "/liar", policy=policy(url), max_bytes=10) == b"y" * 10
    with pytest.raises(HttpError, match="exceeds the limit of 5"):
        fetch_bytes(url + "/liar", policy=policy(url), max_bytes=5)


def test_truncated_json_is_retried_then_reported(serve):
    url, script = serve({"/j": [(200, {}, b'{"a": [1, 2'), (200, {}, b'{"a": [1, 2]}')],
                         "/bad": [(200, {}, b'{"a": ')]})
    assert fetch_json(url + "/j", policy=policy(url)) == {"a": [1, 2]}
    with pytest.raises(HttpError, match="invalid JSON"):
        fetch_json(url + "/bad", policy=policy(url, retries=1))
    assert script.hits["/bad"] == 2


def test_redirect_to_a_private_address_is_refused(serve):
    url, _ = serve({"/r": [(302, {"Location": "http://10.0.0.1/secret"}, b"")]})
    with pytest.raises(HttpError, match="refusing to fetch from non-public address 10.0.0.1"):
        fetch_bytes(url + "/r", policy=policy(url))


def test_redirect_loops_are_bounded(serve):
    url, script = serve({"/loop": [(302, {"Location": "/loop"}, b"")]})
    with pytest.raises(HttpError, match="more than 2 redirects"):
        fetch_bytes(url + "/loop", policy=policy(url, max_redirects=2))
    assert script.hits["/loop"] == 3


def test_body_shorter_than_declared_is_retried(serve):
    url, script = serve({"/short": [(200, {"Content-Length": "100"}, b"half"), (200, {}, b"full")]})
    assert fetch_bytes(url + "/short", policy=policy(url, read_timeout=1.0)) == b"full"
    assert script.hits["/short"] == 2
