"""Loading RDFs from files, folders, zips and URLs, and the roots their paths resolve against."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from pipeline.errors import BadInput
from pipeline.spec import FolderRoot, UrlRoot, ZipRoot, find_rdf_name, load_rdf

RDF = b"type: generic\nformat_version: 0.3.0\nname: demo\ndocumentation: docs/README.md\n"


def _folder(tmp_path: Path, name: str = "rdf.yaml") -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "README.md").write_text("# hi\n")
    (tmp_path / name).write_bytes(RDF)
    return tmp_path


def test_load_file_gives_plain_data_root_and_hash(tmp_path):
    folder = _folder(tmp_path)
    loaded = load_rdf(folder / "rdf.yaml")
    assert loaded.data == {"type": "generic", "format_version": "0.3.0", "name": "demo",
                           "documentation": "docs/README.md"}
    assert loaded.file_name == "rdf.yaml"
    assert loaded.source == str(folder / "rdf.yaml")
    assert loaded.sha256 == hashlib.sha256(RDF).hexdigest()
    assert loaded.root == FolderRoot(folder)
    assert loaded.root.read_bytes("docs/README.md", max_bytes=100) == b"# hi\n"


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["model.yaml", "bioimageio.yaml", "rdf.yaml"], "rdf.yaml"),
        (["model.yaml", "bioimageio.yaml"], "bioimageio.yaml"),
        (["a.model.yaml", "b.bioimageio.yaml", "c.rdf.yaml"], "c.rdf.yaml"),
        (["z.bioimageio.yaml", "a.bioimageio.yaml"], "a.bioimageio.yaml"),
        (["README.md", "weights.pt"], None),
    ],
)
def test_recognised_names_in_priority_order(names, expected):
    assert find_rdf_name(names) == expected


def test_load_folder_finds_rdf_by_name(tmp_path):
    folder = _folder(tmp_path, "unet.bioimageio.yaml")
    loaded = load_rdf(folder)
    assert loaded.file_name == "unet.bioimageio.yaml"
    assert loaded.data["name"] == "demo"


def test_load_zip_package(tmp_path):
    package = tmp_path / "pkg.zip"
    with zipfile.ZipFile(package, "w") as zf:
        zf.writestr("rdf.yaml", RDF)
        zf.writestr("docs/README.md", "# zipped\n")
    loaded = load_rdf(package)
    assert isinstance(loaded.root, ZipRoot)
    assert loaded.root.exists("docs/README.md")
    assert not loaded.root.exists("docs/missing.md")
    assert loaded.root.read_bytes("docs/README.md", max_bytes=100) == b"# zipped\n"
    out = loaded.root.materialize("docs/README.md", tmp_path / "out",
                                  sha256=hashlib.sha256(b"# zipped\n").hexdigest())
    assert out == tmp_path / "out" / "docs" / "README.md" and out.read_bytes() == b"# zipped\n"


def test_zip_member_inflating_beyond_limit_is_refused(tmp_path):
    package = tmp_path / "bomb.zip"
    with zipfile.ZipFile(package, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("rdf.yaml", RDF)
        zf.writestr("big.bin", b"\0" * 5_000_000)
    root = load_rdf(package).root
    with pytest.raises(BadInput, match="more than the limit of 1000"):
        root.read_bytes("big.bin", max_bytes=1000)


def test_load_url_and_zenodo_url(tmp_path, serve):
    folder = _folder(tmp_path)
    base, policy = serve(folder)
    plain = load_rdf(f"{base}/rdf.yaml", policy=policy)
    assert plain.data["name"] == "demo" and isinstance(plain.root, UrlRoot)
    assert plain.root.resolve("docs/README.md") == f"{base}/docs/README.md"
    assert plain.root.read_bytes("docs/README.md", max_bytes=100) == b"# hi\n"
    zenodo = load_rdf(f"{base}/api/records/42/files/rdf.yaml/content", policy=policy)
    assert zenodo.file_name == "rdf.yaml"
    assert zenodo.root.resolve("docs/README.md") == f"{base}/api/records/42/files/docs%2FREADME.md/content"
    assert zenodo.root.resolve("cover.png") == f"{base}/api/records/42/files/cover.png/content"
    assert zenodo.root.exists("rdf.yaml") and not zenodo.root.exists("nope.md")


def test_load_zip_from_url(tmp_path, serve):
    with zipfile.ZipFile(tmp_path / "pkg.zip", "w") as zf:
        zf.writestr("rdf.yaml", RDF)
    base, policy = serve(tmp_path)
    loaded = load_rdf(f"{base}/pkg.zip", policy=policy)
    assert loaded.file_name == "rdf.yaml" and isinstance(loaded.root, ZipRoot)


def test_url_to_private_address_is_refused_without_trust(tmp_path, serve):
    base, _ = serve(_folder(tmp_path))
    with pytest.raises(BadInput, match="non-public address"):
        load_rdf(f"{base}/rdf.yaml")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the RDF is empty"),
        (b"   \n# only a comment\n", "the RDF is empty"),
        (b"- a\n- b\n", "expected a YAML mapping at the top level, got a list"),
        (b"just text\n", "expected a YAML mapping at the top level, got a string"),
        (b"name: a\nname: b\n", "duplicate key 'name'"),
        (b"name: \xe9t\xe9\n", "not valid UTF-8"),
        (b"name: [oops\n", "malformed YAML"),
    ],
)
def test_unreadable_rdfs_name_source_and_problem(tmp_path, content, message):
    path = tmp_path / "rdf.yaml"
    path.write_bytes(content)
    with pytest.raises(BadInput) as info:
        load_rdf(path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_rdf_over_size_limit_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "rdf.yaml"
    with open(path, "wb") as f:
        f.truncate(100 * 1024 * 1024)  # a sparse 100 MB file
    with pytest.raises(BadInput, match="more than the RDF limit of 16777216"):
        load_rdf(path)


@pytest.mark.parametrize(
    ("source", "message"),
    [("file:///etc/passwd", "only local paths and http\\(s\\) URLs"),
     ("ftp://example.org/rdf.yaml", "only local paths and http\\(s\\) URLs"),
     ("/no/such/rdf.yaml", "no such file or folder")],
)
def test_unsupported_sources(source, message):
    with pytest.raises(BadInput, match=message):
        load_rdf(source)


def test_folder_without_rdf(tmp_path):
    (tmp_path / "README.md").write_text("x")
    with pytest.raises(BadInput, match="no RDF found in folder"):
        load_rdf(tmp_path)


@pytest.mark.parametrize(
    ("rel", "message"),
    [
        ("/etc/passwd", "absolute paths are not allowed"),
        ("../secret.txt", "path escapes the resource's root"),
        ("docs/../../secret.txt", "path escapes the resource's root"),
        ("file:///etc/passwd", "got scheme 'file'"),
        ("ftp://host/x", "got scheme 'ftp'"),
        ("C:/Windows/x", "absolute paths are not allowed"),
        ("docs\\README.md", "use '/' as path separator"),
        ("", "got an empty value"),
    ],
)
def test_root_refuses_paths_leaving_it(tmp_path, rel, message):
    root = FolderRoot(tmp_path)
    with pytest.raises(BadInput, match=message):
        root.resolve(rel)
    with pytest.raises(BadInput, match=message):
        root.read_bytes(rel, max_bytes=10)


def test_symlink_out_of_root_is_refused(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    inner = tmp_path / "res"
    inner.mkdir()
    os.symlink(outside, inner / "link.txt")
    root = FolderRoot(inner)
    assert not root.exists("link.txt")
    with pytest.raises(BadInput, match="leads out of the resource's folder"):
        root.read_bytes("link.txt", max_bytes=100)


def test_urls_in_rdf_stay_urls(tmp_path):
    root = FolderRoot(tmp_path)
    assert root.resolve("https://example.org/w.pt") == "https://example.org/w.pt"
    assert root.is_remote("https://example.org/w.pt") and not root.is_remote("w.pt")


def test_materialize_checks_sha256_and_size(tmp_path):
    (tmp_path / "w.bin").write_bytes(b"weights")
    root = FolderRoot(tmp_path)
    good = hashlib.sha256(b"weights").hexdigest()
    assert root.sha256("w.bin") == good
    assert root.materialize("w.bin", tmp_path / "d", sha256=good).read_bytes() == b"weights"
    with pytest.raises(BadInput, match="sha256 mismatch"):
        root.materialize("w.bin", tmp_path / "e", sha256="0" * 64)
    assert not (tmp_path / "e" / "w.bin").exists()
    with pytest.raises(BadInput, match="more than the limit of 3"):
        root.materialize("w.bin", tmp_path / "f", max_bytes=3)


def test_corrupt_zip_and_corrupt_member_are_bad_input(tmp_path):
    (tmp_path / "fake.zip").write_bytes(b"PK not really a zip")
    with pytest.raises(BadInput, match="not a readable zip file"):
        load_rdf(tmp_path / "fake.zip")
    package = tmp_path / "pkg.zip"
    with zipfile.ZipFile(package, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("rdf.yaml", RDF)
        zf.writestr("data.bin", bytes(range(256)) * 400)
    raw = bytearray(package.read_bytes())
    start = raw.find(b"data.bin") + len("data.bin") + 50
    raw[start:start + 100] = b"\xff" * 100
    package.write_bytes(bytes(raw))
    with pytest.raises(BadInput, match="cannot read data.bin from zip"):
        load_rdf(package).root.read_bytes("data.bin", max_bytes=10**6)
