"""Partner registrations and collections: resolved entries, unchanged skips, deletions, failures."""

import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.errors import BadInput
from pipeline.sources import harvesting
from pipeline.sources.harvesting import HarvestConfig
from pipeline.base.http import HttpPolicy
from pipeline.contracts.partners import Partner, read_partners
from pipeline.sources.partners import github_raw_url
from pipeline.store import Store
from testkit.paths import EXAMPLE_PARTNERS



@pytest.fixture
def partners(tmp_path) -> Path:
    folder = tmp_path / "partners"
    shutil.copytree(EXAMPLE_PARTNERS, folder)
    return folder


def run(partners: Path, store: Path, **kwargs):
    return {s.name: s for s in harvesting.run(HarvestConfig(None, partners, store, **kwargs)).sources}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"id": "p", "collection": {"path": "c.yaml"}, "colour": 1}, "unknown field(s) colour"),
        ({"id": "other", "collection": {"path": "c.yaml"}}, "id 'other' does not match the file name p.yaml"),
        ({"id": "p", "collection": {"path": "c.yaml", "url": "https://x.org/c.yaml"}},
         "collection: expected exactly one of url, path or git"),
        ({"id": "p", "collection": {"url": "ftp://x.org/c.yaml"}}, "collection.url: expected an http(s) URL"),
        ({"id": "p", "collection": {"git": ""}}, "collection.git: expected a non-empty string, got ''"),
        ({"id": "P!", "collection": {"path": "c.yaml"}}, "id: expected an id of [a-z0-9_-]"),
        ({"id": "p", "name": "P"}, "expected a collection, test_summaries or both"),
        ({"id": "p", "test_summaries": {"url": "s.json"}}, "test_summaries.url: expected an http(s) URL"),
        ({"id": "p", "test_summaries": {"url": "https://x.org/s.json", "path": "s.json"}},
         "test_summaries: expected a URL or path, or a mapping with one key url or path"),
        ({"id": "p", "test_summaries": 3}, "test_summaries: expected a URL or path"),
        ({"id": "p", "test_summaries": "s.json", "logo": ["x"]}, "logo: expected a string, got list"),
        ([1], "expected a mapping"),
    ],
)
def test_bad_registrations_name_the_field(data, message):
    with pytest.raises(BadInput) as info:
        Partner.from_json(data, Path("partners/p.yaml"))
    assert message in str(info.value) and "partners/p.yaml" in str(info.value)


@pytest.mark.parametrize("summaries", ["lab/s.json", {"path": "lab/s.json"}])
def test_test_summaries_may_be_written_plainly_or_as_a_mapping(summaries):
    partner = Partner.from_json({"id": "p", "test_summaries": summaries}, Path("partners/p.yaml"))
    assert (partner.test_summaries, partner.collection, partner.label) == ("lab/s.json", None, "p")
    assert partner.to_json() == {"id": "p", "test_summaries": "lab/s.json"}


def test_a_partner_publishing_only_test_results_is_no_harvest_failure(partners, tmp_path):
    (partners / "lab-tool.yaml").write_text("id: lab-tool\ntest_summaries:\n  path: lab-tool.json\n")
    summaries = run(partners, tmp_path / "store")
    assert set(summaries) == {"partner:macro-kit", "partner:pixel-lab"}
    assert all(s.ok for s in summaries.values())


def test_production_and_example_registrations_load():
    for folder in (Path("partners"), EXAMPLE_PARTNERS):
        found, problems = read_partners(folder)
        assert problems == [] and len(found) >= 2
    assert github_raw_url("https://github.com/ilastik/bioimage-io-resources", "main", "collection.yaml") == \
        "https://raw.githubusercontent.com/ilastik/bioimage-io-resources/main/collection.yaml"
    assert github_raw_url("https://gitlab.com/a/b", "main", "c.yaml") is None


def test_entries_become_prefixed_resources(partners, tmp_path):
    summaries = run(partners, tmp_path / "store")
    assert sorted(summaries["partner:pixel-lab"].new) == ["pixel-lab/live-trainer", "pixel-lab/nuclei-workflow"]
    store = Store(tmp_path / "store")
    workflow = store.get("pixel-lab/nuclei-workflow")
    assert workflow.source == "partner:pixel-lab" and workflow.type == "application"
    version = workflow.versions[0]
    assert version.version_id == "1.0.0" and version.status == "pending"
    assert version.rdf_source == str((partners / "pixel-lab/nuclei-workflow/rdf.yaml").resolve())
    # The collection contributes maintainers the entry's own RDF lacks.
    assert version.partner_overlay["maintainers"] == [{"name": "Pixel Lab Team", "github_user": "pixel-lab"}]
    inline = store.get("pixel-lab/live-trainer").versions[0]
    # kept inside the store and named relative to it, so a committed store works anywhere
    assert inline.version_id == "0.1.0" and inline.rdf_source == "pixel-lab/live-trainer/rdf.yaml"
    assert (tmp_path / "store" / inline.rdf_source).is_file()
    assert "source: https://example.org/pixel-lab/live-trainer" in (tmp_path / "store" / inline.rdf_source).read_text()


def test_unchanged_collection_is_skipped_by_hash(partners, tmp_path):
    run(partners, tmp_path / "store")
    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / "store").rglob("*.yaml")}
    # An entry RDF changes but the collection file does not: skipped without reading entries.
    rdf = partners / "pixel-lab/nuclei-workflow/rdf.yaml"
    rdf.write_text(rdf.read_text().replace("{", "").replace("nuclei using", "nuclei with"))
    summaries = run(partners, tmp_path / "store")
    assert summaries["partner:pixel-lab"].unchanged == 2 and summaries["partner:pixel-lab"].new == []
    assert stamps == {p: p.stat().st_mtime_ns for p in (tmp_path / "store").rglob("*.yaml")}


def test_removed_entry_is_marked_deleted_not_dropped(partners, tmp_path):
    run(partners, tmp_path / "store")
    collection = partners / "pixel-lab/collection.yaml"
    text = collection.read_text()
    collection.write_text(text[: text.index("  - id: live-trainer")])
    summaries = run(partners, tmp_path / "store")
    assert summaries["partner:pixel-lab"].deleted == ["pixel-lab/live-trainer"]
    gone = Store(tmp_path / "store").get("pixel-lab/live-trainer")
    assert [v.status for v in gone.versions] == ["deleted"]
    collection.write_text(text)  # it comes back: proposed again
    summaries = run(partners, tmp_path / "store")
    assert [v.status for v in Store(tmp_path / "store").get("pixel-lab/live-trainer").versions] == ["pending"]


def test_unreachable_and_malformed_collections_fail_only_that_partner(partners, tmp_path):
    run(partners, tmp_path / "store")
    (partners / "pixel-lab/collection.yaml").write_text("type: collection\ncollection: [unclosed\n")
    port = _free_port()
    (partners / "macro-kit.yaml").write_text(
        f"id: macro-kit\nname: Macro Kit\ncollection:\n  url: http://127.0.0.1:{port}/collection.yaml\n")
    (partners / "broken.yaml").write_text("id: [\n")
    policy = HttpPolicy(retries=0, connect_timeout=1.0, allow_private=True)
    summaries = run(partners, tmp_path / "store", policy=policy)
    assert "invalid YAML" in summaries["partner:pixel-lab"].error or "YAML" in summaries["partner:pixel-lab"].error
    assert f"127.0.0.1:{port}/collection.yaml" in summaries["partner:macro-kit"].error
    assert "broken.yaml" in summaries["partner:broken"].error
    # Nothing stored before is lost or marked deleted when a partner cannot be read.
    store = Store(tmp_path / "store")
    assert {v.status for rid in store.ids() for v in store.get(rid).versions} == {"pending"}
    assert len(store.ids()) == 3


def test_a_bad_entry_fails_alone(partners, tmp_path):
    collection = partners / "pixel-lab/collection.yaml"
    collection.write_text(collection.read_text().replace("rdf_source: nuclei-workflow/rdf.yaml",
                                                         "rdf_source: ../../../outside.yaml"))
    summaries = run(partners, tmp_path / "store")
    failed = dict(summaries["partner:pixel-lab"].failed)
    assert list(failed) == ["pixel-lab/nuclei-workflow"]
    assert summaries["partner:pixel-lab"].new == ["pixel-lab/live-trainer"]
    # A partial pass is not remembered as done: the next run retries the entry.
    assert Store(tmp_path / "store").read_state("partner-pixel-lab") is None


def test_collection_from_a_git_repository(partners, tmp_path):
    repo = tmp_path / "partner-repo"
    shutil.copytree(partners / "macro-kit", repo)
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t",
           "PATH": "/usr/bin:/bin"}
    for args in (["init", "-q", "-b", "stable"], ["add", "."], ["commit", "-q", "-m", "c"]):
        subprocess.run(["git", *args], cwd=repo, check=True, env=env)
    (partners / "macro-kit.yaml").write_text(
        f"id: macro-kit\ncollection:\n  git: {repo.as_uri()}\n  branch: stable\n  file: collection.yaml\n")
    summaries = run(partners, tmp_path / "store")
    assert summaries["partner:macro-kit"].new == ["macro-kit/batch-macro"]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
