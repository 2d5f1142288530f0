"""Strangers' data that takes time: every decode, render and fetch ends within its bound."""

from __future__ import annotations

import gzip
import os
import time
from pathlib import Path

import pytest

from pipeline.base.http import HttpError, HttpPolicy, fetch_bytes
from pipeline.base.images import ImageRefused, open_image
from pipeline.build.thumbnails import COVER_SECONDS, make_thumbnail
from pipeline.errors import BadInput
from pipeline.site.markdown import RENDER_SECONDS, render_markdown
from pipeline.site.pages import documentation

from testkit.hostile import POSTSCRIPT, jpeg_scan_bomb
from testkit.loopback import WROTE

SLACK = 5.0  # starting a fresh pool process, a loaded machine


# --- covers --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("data", list(POSTSCRIPT.values()), ids=list(POSTSCRIPT))
def test_a_cover_that_is_postscript_never_reaches_ghostscript(tmp_path, monkeypatch, data):
    # a `gs` first on PATH records being run: no decoder may hand the cover to an interpreter
    bin_dir, marker = tmp_path / "bin", tmp_path / "ghostscript-ran"
    bin_dir.mkdir()
    (bin_dir / "gs").write_text(f"#!/bin/sh\ntouch {marker}\nsleep 3600\n")
    (bin_dir / "gs").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(ImageRefused, match="not an image of an allowed kind"):
        open_image(data, max_pixels=10**8)
    started = time.monotonic()
    with pytest.raises(BadInput, match="cover.png: cover is not a readable image"):
        make_thumbnail(data, source="covers/cover.png")
    assert time.monotonic() - started < SLACK
    assert not marker.exists()


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize("scans", [40_000, 15_000])
def test_a_progressive_jpeg_of_endless_scans_is_refused_at_the_time_bound(scans):
    bomb = jpeg_scan_bomb(scans=scans)
    assert len(bomb) < 2 * 1024 * 1024  # small: no size cap would catch it
    started = time.monotonic()
    with pytest.raises(BadInput, match=f"decoding the cover took longer than {COVER_SECONDS:g} s"):
        make_thumbnail(bomb, source="cover.jpg")
    assert time.monotonic() - started < COVER_SECONDS + SLACK
    # the pool recovers: the next cover is thumbnailed as usual
    from PIL import Image
    import io

    out = io.BytesIO()
    Image.new("RGB", (800, 600), "red").save(out, "PNG")
    assert make_thumbnail(out.getvalue(), source="ok.png")[:3] == b"\xff\xd8\xff"


# --- documentation -------------------------------------------------------------------------------------
NESTED = {
    "199000-divs": "<div>" * 199_000,
    "nested-closed-divs": "<div>" * 90_000 + "x" + "</div>" * 90_000,
    "nested-spans-in-divs": "<div><span>" * 80_000,
    "nested-details": "<details>" * 110_000,
    "nested-blockquotes": "<blockquote>" * 80_000,
    "nested-list-items": "<ul><li>" * 120_000,
}


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize("text", list(NESTED.values()), ids=list(NESTED))
def test_a_readme_of_deep_nesting_is_refused_at_the_time_bound(tmp_path, text):
    assert len(text) <= 1_000_000  # under the size cap
    started = time.monotonic()
    with pytest.raises(BadInput, match=f"took longer than {RENDER_SECONDS:g} s"):
        render_markdown(text, root="../", base="rdfs/x/1")
    assert time.monotonic() - started < RENDER_SECONDS + SLACK
    # on a page: the documentation is linked instead of shown, and the page still renders
    folder = tmp_path / "rdfs" / "x" / "1"
    folder.mkdir(parents=True)
    (folder / "README.md").write_text(text)
    html, url = documentation({"documentation": "README.md"}, tmp_path, "rdfs/x/1", "../../../")
    assert html is None and url.endswith("README.md")
    assert "<h1>" in render_markdown("# fine\n", root="", base="")


# --- fetches -------------------------------------------------------------------------------------------
def _trickle(body: bytes, headers: dict[str, str], pause: float = 0.25):
    def handler(request):
        raw = request.raw
        raw.send_response(200)
        for k, v in headers.items():
            raw.send_header(k, v)
        raw.end_headers()
        try:
            for i in range(len(body)):
                raw.wfile.write(body[i:i + 1])
                raw.wfile.flush()
                time.sleep(pause)
        except OSError:
            pass
        return WROTE
    return handler


def _chunked_trickle(request):
    raw = request.raw
    raw.send_response(200)
    raw.send_header("Transfer-Encoding", "chunked")
    raw.end_headers()
    try:
        for _ in range(1000):
            raw.wfile.write(b"1\r\nx\r\n")
            raw.wfile.flush()
            time.sleep(0.25)
    except OSError:
        pass
    return WROTE


def _header_trickle(request):
    raw = request.raw
    try:
        for byte in b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"y" * 10_000:
            raw.wfile.write(bytes([byte]))
            raw.wfile.flush()
            time.sleep(0.25)
    except OSError:
        pass
    raw.close_connection = True
    return WROTE


def _slow_redirect(request):
    time.sleep(0.8)  # each hop within the read timeout; all of them not within the deadline
    hop = int(request.path.rsplit("/", 1)[1])
    return 302, {"Location": f"/hop/{hop + 1}", "Content-Length": "0"}, b""


TRICKLES = {
    "content-length": ("/a", _trickle(b"x" * 1000, {"Content-Length": "1000"})),
    "no-length": ("/b", _trickle(b"x" * 1000, {})),
    "gzip": ("/c", _trickle(gzip.compress(os.urandom(5000)), {"Content-Encoding": "gzip"})),
    "chunked": ("/d", _chunked_trickle),
    "status-and-headers": ("/e", _header_trickle),
    "redirect-hops": ("/hop/0", _slow_redirect),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("path, handler", list(TRICKLES.values()), ids=list(TRICKLES))
def test_a_trickling_server_is_cut_off_at_the_deadline(server, path, handler):
    route = "/hop/" if path.startswith("/hop/") else path
    if route == "/hop/":
        server.fallback = handler
    else:
        server.routes[path] = handler
    policy = HttpPolicy(retries=2, backoff=0.01, read_timeout=1.0).trusting(server.url)
    started = time.monotonic()
    with pytest.raises(HttpError, match=r"not received within 4 s"):
        fetch_bytes(server.url + path, policy=policy)
    assert time.monotonic() - started < 4 + 2  # one deadline for the whole response, never retried


def test_an_honest_slow_server_within_the_deadline_is_read_whole(server):
    server.routes["/ok"] = _trickle(b"y" * 8, {"Content-Length": "8"}, pause=0.1)
    policy = HttpPolicy(retries=0, read_timeout=1.0).trusting(server.url)
    assert fetch_bytes(server.url + "/ok", policy=policy) == b"y" * 8


def test_the_deadline_does_not_leak_into_the_next_request(server, tmp_path: Path):
    server.routes["/slow"] = _trickle(b"x" * 100, {"Content-Length": "100"})
    server.routes["/fast"] = (200, {}, b"fast")
    policy = HttpPolicy(retries=0, read_timeout=0.5).trusting(server.url)
    with pytest.raises(HttpError):
        fetch_bytes(server.url + "/slow", policy=policy)
    assert fetch_bytes(server.url + "/fast", policy=policy) == b"fast"
