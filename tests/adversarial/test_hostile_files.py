"""Hostile file references, zip packages and .npy test tensors: failed reports naming field and problem."""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from pipeline.base.http import HttpPolicy
from pipeline.spec import validate, yamlio

from testkit.hostile import (MiB, dataset_copy, lie_about_size, model_copy, npy_bytes, npy_header, read_yaml, sha,
                             write_yaml, zip_with)
from testkit.paths import DATASET


def _errors(report) -> list[tuple[tuple, str]]:
    return [(tuple(i.loc), i.msg) for i in report.errors]


def _assert_named(report, loc: tuple, fragment: str) -> None:
    assert report.status == "failed"
    assert any(l == loc and fragment in m for l, m in _errors(report)), _errors(report)
    assert not any(i.type == "internal_error" for i in report.errors), _errors(report)


# --- paths named inside an RDF (field, value, fragment) -------------------------------------------
PATHS = [
    ("absolute", ("documentation",), "/etc/passwd", "absolute paths are not allowed"),
    ("dotdot", ("documentation",), "../../../../etc/passwd.md", "escapes the resource's root"),
    ("dotdot-inside", ("covers", 0), "img/../../secret.png", "escapes the resource's root"),
    ("file-scheme", ("documentation",), "file:///etc/passwd", "scheme 'file'"),
    ("ftp-scheme", ("documentation",), "ftp://example.org/README.md", "scheme 'ftp'"),
    ("javascript-scheme", ("documentation",), "javascript:alert(1)//.md", "scheme 'javascript'"),
    ("data-scheme", ("covers", 0), "data:image/svg+xml,<svg onload=alert(1)>", "scheme 'data'"),
    ("protocol-relative", ("documentation",), "//evil.example/README.md", "absolute paths are not allowed"),
    ("windows-drive", ("covers", 0), "C:/Windows/win.ini", "absolute paths are not allowed"),
    ("backslashes", ("covers", 0), "..\\..\\secret.png", "use '/' as path separator"),
    ("root-itself", ("documentation",), "./", "names the root itself"),
    ("rdf-as-attachment", ("attachments", "files", 0), "rdf.yaml", "is an RDF file name"),
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("loc, value, fragment", [c[1:] for c in PATHS], ids=[c[0] for c in PATHS])
def test_paths_leaving_the_root_are_refused(tmp_path, loc, value, fragment):
    changes = {"covers": [value]} if loc[0] == "covers" else {loc[0]: value}
    if loc[0] == "attachments":
        changes = {"format_version": "0.2.4", "attachments": {"files": [value]}}
    report = validate(dataset_copy(tmp_path, **changes))
    _assert_named(report, loc, fragment)


def test_symlink_to_a_host_file_is_refused(tmp_path):
    folder = dataset_copy(tmp_path, covers=["evil.png"])
    os.symlink("/etc/passwd", folder / "evil.png")
    _assert_named(validate(folder), ("covers", 0), "leads out of the resource's folder")


def test_symlinked_folder_out_of_the_root_is_refused(tmp_path):
    folder = dataset_copy(tmp_path, documentation="docs/passwd")
    os.symlink("/etc", folder / "docs")
    _assert_named(validate(folder), ("documentation",), "leads out of the resource's folder")


def test_rdf_itself_a_symlink_out_of_a_folder_is_refused(tmp_path):
    outside = tmp_path / "outside.yaml"
    write_yaml(outside, read_yaml(dataset_copy(tmp_path).joinpath("rdf.yaml")))
    folder = tmp_path / "res"
    folder.mkdir()
    os.symlink(outside, folder / "rdf.yaml")
    report = validate(folder)
    assert report.status == "failed" and "leads out of the resource's folder" in report.errors[0].msg


# --- URLs named inside an RDF, fetched with file checks on (remote=True) ---------------------------
URLS = [
    ("loopback", "http://127.0.0.1:{port}/README.md", "non-public address 127.0.0.1"),
    ("loopback-name", "http://localhost:{port}/README.md", "non-public address"),
    ("ipv6-loopback", "http://[::1]:{port}/README.md", "non-public address ::1"),
    ("cloud-metadata", "http://169.254.169.254/latest/meta-data/README.md", "non-public address 169.254.169.254"),
    ("private-10", "http://10.11.12.13/README.md", "non-public address 10.11.12.13"),
    ("unspecified", "http://0.0.0.0:{port}/README.md", "non-public address 0.0.0.0"),
    ("decimal-ip", "http://2130706433:{port}/README.md", "non-public address 127.0.0.1"),
    ("redirect-to-loopback", "{trusted}/to-loopback", "non-public address"),
    ("redirect-to-file", "{trusted}/to-file", "only http(s) URLs can be fetched, got scheme 'file'"),
    ("redirect-loop", "{trusted}/loop", "more than 5 redirects"),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("url, fragment", [c[1:] for c in URLS], ids=[c[0] for c in URLS])
def test_urls_to_private_addresses_are_refused_even_through_redirects(tmp_path, server, bounded_memory, url, fragment):
    port = server.httpd.server_address[1]
    server.routes["/README.md"] = (200, {}, b"# secret intranet page\n")
    server.routes["/to-loopback"] = (302, {"Location": f"http://localhost:{port}/README.md"}, b"")
    server.routes["/to-file"] = (302, {"Location": "file:///etc/passwd"}, b"")
    server.routes["/loop"] = (302, {"Location": "/loop"}, b"")

    # the operator trusts its own mirror (the server's 127.0.0.1:port); nothing else private
    trusted = server.url
    policy = HttpPolicy(retries=0, read_timeout=5, max_bytes=4 * MiB).trusting(trusted)
    target = url.format(port=port, trusted=trusted)
    if "{trusted}" not in url and "127.0.0.1" in target:
        # trust names host *and* port: the same host on another port is a stranger's loopback URL
        target = target.replace(f":{port}", f":{port + 1 if port < 65535 else port - 1}")
    report = validate(dataset_copy(tmp_path, documentation=target), remote=True, policy=policy)
    _assert_named(report, ("documentation",), fragment)
    assert "/README.md" not in server.hits  # the private page was never requested


@pytest.mark.slow  # streams until the 4 s body deadline
@pytest.mark.timeout(60)
def test_endless_body_is_cut_off_at_the_size_limit(tmp_path, server, bounded_memory):
    def endless(request):
        request.raw.send_response(200)
        request.raw.end_headers()  # no Content-Length: only the streamed count can stop it
        try:
            while True:  # ~64 MB/s: enough to pass any sane limit, not enough to fill the disk
                request.raw.wfile.write(b"x" * 65536)
                time.sleep(0.001)
        except OSError:
            pass

    server.routes["/endless.md"] = endless
    policy = HttpPolicy(retries=0, read_timeout=1, max_bytes=4 * MiB).trusting(server.url)
    doc = {"source": f"{server.url}/endless.md", "sha256": "0" * 64}
    started = time.monotonic()
    report = validate(dataset_copy(tmp_path, documentation=doc), remote=True, policy=policy)
    # hashing streams through a file with the 4 GiB file cap; the whole-body deadline stops it first
    _assert_named(report, ("documentation", "source"), "body not received within 4 s")
    assert time.monotonic() - started < 15


# --- zip packages --------------------------------------------------------------------------------
def _rdf_bytes(**changes) -> bytes:
    return yamlio.dumps({**read_yaml(DATASET / "rdf.yaml"), **changes}).encode()


def _package(tmp_path: Path, extra: dict[str, bytes], **changes) -> Path:
    members = {"rdf.yaml": _rdf_bytes(**changes), "README.md": (DATASET / "README.md").read_bytes(),
               "cover.png": (DATASET / "cover.png").read_bytes(), **extra}
    return zip_with(tmp_path / "package.zip", members)


@pytest.mark.timeout(60)
def test_zip_members_with_traversal_names_are_never_reached(tmp_path):
    package = _package(tmp_path, {"../evil.md": b"# evil", "/tmp/abs.md": b"# abs"}, documentation="../evil.md")
    report = validate(package)
    _assert_named(report, ("documentation",), "escapes the resource's root")
    assert not (tmp_path / "evil.md").exists() and not Path("/tmp/abs.md").exists()


def test_zip_absolute_member_named_as_source_is_refused(tmp_path):
    report = validate(_package(tmp_path, {"/etc/passwd": b"root:x:0:0"}, covers=["/etc/passwd"]))
    _assert_named(report, ("covers", 0), "absolute paths are not allowed")


@pytest.mark.timeout(60)
def test_zip_bomb_rdf_member_is_refused_by_its_declared_size(tmp_path, bounded_memory):
    package = zip_with(tmp_path / "bomb.zip", {"rdf.yaml": b"#" * (200 * MiB)})
    assert package.stat().st_size < 1 * MiB
    report = validate(package)
    assert report.status == "failed" and "more than the limit" in report.errors[0].msg


@pytest.mark.timeout(60)
def test_zip_bomb_with_a_lying_size_header_is_cut_off(tmp_path, bounded_memory):
    package = zip_with(tmp_path / "liar.zip", {"rdf.yaml": b"#" * (200 * MiB)})
    lie_about_size(package, "rdf.yaml", 100)
    report = validate(package)
    assert report.status == "failed" and "rdf.yaml" in report.errors[0].msg
    assert report.errors[0].type == "load_error"


@pytest.mark.timeout(60)
def test_zip_bomb_cover_with_a_lying_header_fails_its_check(tmp_path, bounded_memory):
    """A cover declaring 1000 bytes that inflates to 256 MB: reading stops, the report names the cover."""
    package = _package(tmp_path, {"bomb.png": b"\0" * (256 * MiB)}, format_version="0.3.0",
                       covers=[{"source": "bomb.png", "sha256": "0" * 64}])
    lie_about_size(package, "bomb.png", 1000)
    report = validate(package)
    _assert_named(report, ("covers", 0, "source"), "bomb.png")


@pytest.mark.timeout(60)
def test_zip_with_huge_member_count_is_refused_before_listing(tmp_path, bounded_memory):
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("rdf.yaml", _rdf_bytes())
        for i in range(20_000):
            zf.writestr(f"f{i}", b"")
    report = validate(path)
    assert report.status == "failed" and "declares 20001 members, more than the limit" in report.errors[0].msg


@pytest.mark.parametrize("content", [b"PK\x03\x04 not really a zip", b"", os.urandom(4096)],
                         ids=["fake-signature", "empty", "random"])
def test_corrupt_zips_are_bad_input(tmp_path, content):
    path = tmp_path / "broken.zip"
    path.write_bytes(content)
    report = validate(path)
    assert report.status == "failed" and "not a readable zip file" in report.errors[0].msg


def test_truncated_zip_is_bad_input(tmp_path):
    package = _package(tmp_path, {})
    package.write_bytes(package.read_bytes()[:-40])
    report = validate(package)
    assert report.status == "failed" and "zip" in report.errors[0].msg


# --- .npy test tensors ---------------------------------------------------------------------------
def _with_tensor(tmp_path: Path, raw: bytes) -> Path:
    def edit(rdf, folder):
        (folder / "test_input.npy").write_bytes(raw)
        rdf["inputs"][0]["test_tensor"]["sha256"] = sha(folder / "test_input.npy")

    return model_copy(tmp_path, edit=edit)


NPY = [
    ("object-dtype-pickle", lambda: npy_bytes(np.array([{"a": 1}, None], dtype=object), allow_pickle=True),
     "would need pickle"),
    ("structured-with-object", lambda: npy_header((2,), [("a", "<f4"), ("b", "|O")]) + b"\0" * 64,
     "would need pickle"),
    ("lying-header", lambda: npy_header((1000, 1000)) + b"\0" * 100, "but the file holds only 100"),
    ("billions-declared", lambda: npy_header((100_000, 100_000)) + b"\0" * 100, "more than the limit"),
    ("overflowing-shape", lambda: npy_header((2**62, 2**62)) + b"\0" * 100, "more than the limit"),
    ("negative-shape", lambda: npy_header((-5, 3)) + b"\0" * 100, "not a valid .npy header"),
    ("huge-header-length", lambda: b"\x93NUMPY\x02\x00" + (10**8).to_bytes(4, "little") + b"{",
     "not a valid .npy header"),
    ("not-npy", lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "not a valid .npy header"),
    ("empty-file", lambda: b"", "not a valid .npy header"),
    ("python-expression-header", lambda: b"\x93NUMPY\x01\x00" + (60).to_bytes(2, "little")
     + b"__import__('os').system('touch /tmp/pwned-npy')".ljust(59) + b"\n", "not a valid .npy header"),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("make, fragment", [c[1:] for c in NPY], ids=[c[0] for c in NPY])
def test_hostile_test_tensors_are_refused_without_loading(tmp_path, bounded_memory, make, fragment):
    report = validate(_with_tensor(tmp_path, make()))
    _assert_named(report, ("inputs", 0, "test_tensor"), fragment)
    assert not Path("/tmp/pwned-npy").exists()


# --- partner collections: every entry is its own hostile RDF ----------------------------------------
ENTRIES = [
    ({"id": "a", "rdf_source": "file:///etc/passwd"}, "got scheme 'file'"),
    ({"id": "b", "rdf_source": "../outside/rdf.yaml"}, "path escapes the resource's root"),
    ({"id": "c", "rdf_source": "http://169.254.169.254/rdf.yaml"}, "non-public address 169.254.169.254"),
    ({"id": "d", "type": "collection", "collection": [{"id": "x"}]}, "nested collections are not allowed"),
    ({"id": "a", "type": "dataset", "name": "again"}, "duplicate entry id 'a'"),
    ({"id": "e", "rdf_source": "bomb.yaml"}, "alias bomb"),
]


@pytest.mark.timeout(60)
def test_hostile_collection_entries_fail_one_by_one(tmp_path, bounded_memory):
    from testkit.hostile import billion_laughs

    folder = tmp_path / "col"
    folder.mkdir()
    (tmp_path / "outside").mkdir()
    write_yaml(tmp_path / "outside" / "rdf.yaml", {"type": "dataset", "name": "outside"})
    (folder / "bomb.yaml").write_bytes(billion_laughs())
    good = {"id": "fine", "type": "dataset", "name": "A fine entry", "description": "ok"}
    write_yaml(folder / "rdf.yaml", {"format_version": "0.2.4", "type": "collection", "id": "col", "name": "Col",
                                     "description": "d", "authors": [{"name": "a"}], "license": "MIT",
                                     "collection": [good] + [entry for entry, _ in ENTRIES]})
    report = validate(folder, remote=True)
    assert report.status == "failed"
    assert report.entries[0].id == "col/fine" and report.entries[0].status == "passed", report.entries[0].errors
    for n, (_, fragment) in enumerate(ENTRIES, start=1):
        entry = report.entries[n]
        assert entry.status == "failed"
        assert any(i.loc == ("collection", n) and fragment in i.msg for i in entry.errors), entry.errors
