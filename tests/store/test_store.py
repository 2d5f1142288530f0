"""The store writes sorted, block-style YAML atomically under a lock and refuses damaged files."""

import subprocess
import sys
import pytest

from pipeline.errors import BadInput
from pipeline.store import Resource, Store, Version
from testkit.paths import REPO


def resource(rid="10.5281/zenodo.1", n=1, **kw) -> Resource:
    versions = [Version(version_id=str(i), rdf_source=f"https://zenodo.org/api/records/{i}/files/rdf.yaml/content",
                        rdf_sha256="a" * 64, created=f"2024-01-0{i}T00:00:00Z", doi=f"10.5281/zenodo.{i}",
                        name="A Model", version_name=f"1.{i}") for i in range(n, 0, -1)]
    return Resource(id=rid, type="model", source="zenodo", nickname="able-ant", nickname_icon="🐜",
                    owners=[7], doi=rid, name="A Model", versions=versions, **kw)


def test_round_trip_sorted_block_style(tmp_path):
    store = Store(tmp_path)
    assert store.put(resource(n=2)) is True
    text = (tmp_path / "10.5281/zenodo.1/resource.yaml").read_text()
    top_keys = [line.split(":")[0] for line in text.splitlines() if line and not line.startswith((" ", "-"))]
    assert top_keys == sorted(top_keys) == ["doi", "id", "name", "nickname", "nickname_icon", "owners", "source",
                                            "status", "type", "versions"]
    assert "{" not in text and "nickname_icon: 🐜" in text
    assert store.get("10.5281/zenodo.1") == resource(n=2)
    assert store.put(resource(n=2)) is False  # identical bytes: nothing rewritten
    assert [p.name for p in (tmp_path / "10.5281/zenodo.1").iterdir()] == ["resource.yaml"]


def test_ids_skip_state_and_unknown_folders(tmp_path):
    store = Store(tmp_path)
    store.put(resource())
    store.put(resource("partner/entry"))
    store.write_state("partner-x", {"collection_sha256": "b" * 64})
    assert store.ids() == ["10.5281/zenodo.1", "partner/entry"]
    assert store.read_state("partner-x") == {"collection_sha256": "b" * 64}
    assert Store(tmp_path / "missing").ids() == []


@pytest.mark.parametrize("rid", ["../escape", "a//b", "/abs", "a/./b", "a/b/", "a/.hidden", " padded/x", "a\\b"])
def test_ids_that_would_leave_the_store_are_refused(tmp_path, rid):
    with pytest.raises(BadInput, match="invalid resource id"):
        Store(tmp_path).path(rid)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a list\n", "expected a mapping, got list"),
        ("id: 10.5281/zenodo.1\ntype: model\nsource: zenodo\n", "required field 'versions' is missing"),
        ("id: 10.5281/zenodo.1\ntype: model\nsource: zenodo\nstatus: maybe\nversions: []\n",
         "status: expected one of accepted, blocked, got 'maybe'"),
        ("id: 10.5281/zenodo.1\ntype: model\nsource: zenodo\nversions: {}\n", "versions: expected a list, got dict"),
        ("id: 10.5281/zenodo.1\ntype: model\nsource: zenodo\nversions:\n- version_id: 1\n  rdf_source: x\n"
         "  status: gone\n", "versions[0].status: expected one of accepted, blocked, deleted, pending, got 'gone'"),
        ("id: 10.5281/zenodo.1\ntype: model\nsource: zenodo\nversions:\n- version_id: 1\n  status: pending\n",
         "versions[0]: required field 'rdf_source' is missing"),
        ("id: 10.5281/zenodo.1\ntype: model\nsource: zenodo\nversions:\n- version_id: 1\n  rdf_source: x\n"
         "  status: pending\n  overrides: [1]\n", "versions[0].overrides: expected a mapping, got list"),
        ("id: 10.5281/zenodo.2\ntype: model\nsource: zenodo\nversions: []\n", "id: id '10.5281/zenodo.2' does not match"),
        ("id: [unclosed\n", "10.5281/zenodo.1/resource.yaml"),
    ],
)
def test_damaged_files_name_file_and_field(tmp_path, text, message):
    path = tmp_path / "10.5281/zenodo.1/resource.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(BadInput) as info:
        Store(tmp_path).get("10.5281/zenodo.1")
    assert message in str(info.value) and str(path) in str(info.value)


def test_oversized_file_is_refused(tmp_path):
    path = tmp_path / "x/resource.yaml"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"a: " + b"b" * (5 * 1024 * 1024))
    with pytest.raises(BadInput, match="larger than"):
        Store(tmp_path).get("x")


WRITER = """
import sys
from pipeline.store import Resource, Store, Version
n = int(sys.argv[2])
versions = [Version(version_id=str(i), rdf_source="x", rdf_sha256="a" * 64, created="") for i in range(n, 0, -1)]
store = Store(sys.argv[1])
for _ in range(40):
    store.put(Resource(id="10.5281/zenodo.1", type="model", source="zenodo", versions=versions))
"""


def test_concurrent_writers_never_leave_a_torn_file(tmp_path):
    root = REPO
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(n)], cwd=root) for n in (1, 5)]
    assert [p.wait(60) for p in procs] == [0, 0]
    final = Store(tmp_path).get("10.5281/zenodo.1")
    assert len(final.versions) in (1, 5)
    assert not list((tmp_path / "10.5281/zenodo.1").glob("*.tmp"))


def test_lock_is_shared_between_store_objects(tmp_path):
    first, second = Store(tmp_path), Store(tmp_path)
    with first.lock():
        second.lock().timeout = 0.05
        with pytest.raises(Exception, match="Timeout|timeout|lock"):
            with second.lock():
                pass


def test_parse_cache_never_serves_a_stale_file(tmp_path):
    store = Store(tmp_path)
    store.put(resource())
    store.save_index()
    assert (tmp_path / ".state" / "index.json").is_file()
    path = tmp_path / "10.5281/zenodo.1/resource.yaml"
    # A maintainer edits the file by hand (same size, new content).
    path.write_text(path.read_text().replace("able-ant", "ably-ant"))
    assert Store(tmp_path).get("10.5281/zenodo.1").nickname == "ably-ant"
    (tmp_path / ".state" / "index.json").write_text("{not json")
    assert Store(tmp_path).get("10.5281/zenodo.1").nickname == "ably-ant"
