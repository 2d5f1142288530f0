"""Partner data that would become paths: versions and ids are checked where they enter and joined
only through base.paths, so no build writes or deletes outside `site/rdfs/`, no resource's files
are overwritten by another's, and harvest, build and site all complete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.base.paths import UnsafePath, joined
from pipeline.build import builder
from pipeline.build.builder import BuildConfig
from pipeline.site import builder as site_builder
from pipeline.site.builder import SiteConfig
from pipeline.sources import harvesting
from pipeline.sources.harvesting import HarvestConfig
from pipeline.store import Store

from testkit.hostile import partner_entry, partner_folder

HOSTILE_VERSIONS = {
    "parent-escape": "../../../../x",
    "into-another-resource": "../victim/1.0.0",
    "nul-byte": "1.0\x00evil",
    "index-html": "index.html",
    "INDEX-HTML": "INDEX.HTML",
    "nested": "a/b",
    "hidden": ".git",
    "dot-dot": "..",
    "backslash": "..\\..\\x",
    "newline": "1.0\n2.0",
    "too-long": "9" * 300,
    "absolute": "/etc",
}


def _run_all(tmp_path: Path, entries: list[dict]) -> tuple[object, object, object]:
    partners = partner_folder(tmp_path, entries)
    store, site = tmp_path / "collection", tmp_path / "site"
    harvest = harvesting.run(HarvestConfig(None, partners, store, validate=False, accept=True))
    build = builder.run(BuildConfig(store=store, site=site, cache=tmp_path / "cache", partners=partners,
                                    run_tests=False, packages=True))
    site_result = site_builder.run(SiteConfig(site=site, partners=partners, search=False))
    return harvest, build, site_result


def _files_outside(tmp_path: Path, site: Path) -> list[Path]:
    """Published kinds of file written anywhere but below site/rdfs (the store keeps its own)."""
    kinds = {"rdf.yaml", "test_summary.json", "package.zip", "index.html"}
    return [p for p in tmp_path.rglob("*") if p.name in kinds and p.is_file()
            and not p.is_relative_to(site) and not p.is_relative_to(tmp_path / "collection")
            and not p.is_relative_to(tmp_path / "partners")]


@pytest.mark.timeout(180)
@pytest.mark.parametrize("version", list(HOSTILE_VERSIONS.values()), ids=list(HOSTILE_VERSIONS))
def test_a_hostile_version_never_becomes_a_path(tmp_path, version):
    entries = [partner_entry("victim", 0, version="1.0.0"), partner_entry("attacker", 1, version=version),
               partner_entry("bystander", 2, version="2.0.0")]
    harvest, build, site_result = _run_all(tmp_path, entries)
    site = tmp_path / "site"
    assert _files_outside(tmp_path, site) == []
    assert not (tmp_path / "x").exists() and not (tmp_path.parent / "x").exists()
    ids = {e["id"] for e in json.loads((site / "collection.json").read_text())["collection"]}
    assert {"evil/victim", "evil/bystander"} <= ids
    victim = (site / "rdfs" / "evil" / "victim" / "1.0.0" / "rdf.yaml").read_text()
    assert "Application 0" in victim and "Application 1" not in victim  # never overwritten
    assert (site / "rdfs" / "evil" / "victim" / "index.html").is_file()
    failed = dict(harvest.sources[0].failed)
    assert "evil/attacker" in failed and "invalid version id" in failed["evil/attacker"]
    assert not site_result.problems, site_result.format_text()


@pytest.mark.timeout(180)
def test_a_version_folder_that_is_another_resource_is_not_published_over_it(tmp_path):
    # `tool` version `1.0.0` and the resource `tool/1.0.0` would share rdfs/evil/tool/1.0.0/
    entries = [partner_entry("tool", 0, version="1.0.0"), partner_entry("tool/1.0.0", 1, version="2.0.0")]
    harvest, build, site_result = _run_all(tmp_path, entries)
    site = tmp_path / "site"
    assert any("is that of resource 'evil/tool/1.0.0'" in p.message for p in build.problems), build.format_text()
    page = (site / "rdfs" / "evil" / "tool" / "1.0.0" / "index.html").read_text()
    assert "Application 1" in page  # the resource page of tool/1.0.0, not tool's version page
    assert (site / "rdfs" / "evil" / "tool" / "1.0.0" / "2.0.0" / "rdf.yaml").is_file()
    assert not site_result.problems, site_result.format_text()


@pytest.mark.timeout(180)
def test_a_hand_edited_store_with_an_unsafe_version_is_reported_and_the_rest_built(tmp_path):
    entries = [partner_entry("one", 0), partner_entry("two", 1)]
    partners = partner_folder(tmp_path, entries)
    store, site = tmp_path / "collection", tmp_path / "site"
    harvesting.run(HarvestConfig(None, partners, store, validate=False, accept=True))
    path = Store(store).path("evil/one")
    path.write_text(path.read_text().replace("version_id: 1.0.0", "version_id: ../../../../x"))
    build = builder.run(BuildConfig(store=store, site=site, cache=tmp_path / "cache", partners=None,
                                    run_tests=False, packages=False))
    assert any("invalid version id" in p.format_text() for p in build.problems), build.format_text()
    ids = {e["id"] for e in json.loads((site / "collection.json").read_text())["collection"]}
    assert ids == {"evil/two"}
    assert _files_outside(tmp_path, site) == []


@pytest.mark.timeout(120)
def test_a_stale_manifest_naming_paths_out_of_the_site_deletes_nothing_there(tmp_path):
    entries = [partner_entry("one", 0)]
    partners = partner_folder(tmp_path, entries)
    store, site, cache = tmp_path / "collection", tmp_path / "site", tmp_path / "cache"
    harvesting.run(HarvestConfig(None, partners, store, validate=False, accept=True))
    builder.run(BuildConfig(store=store, site=site, cache=cache, partners=None, run_tests=False, packages=False))
    victim = tmp_path / "keep.txt"
    victim.write_text("mine")
    manifest = json.loads((cache / "build-manifest.json").read_text())
    manifest["versions"]["evil/gone/../../../.."] = {"outputs": ["../keep.txt", "/etc/hostname"]}
    (cache / "build-manifest.json").write_text(json.dumps(manifest))
    builder.run(BuildConfig(store=store, site=site, cache=cache, partners=None, run_tests=False, packages=False))
    assert victim.read_text() == "mine"


@pytest.mark.parametrize("parts", [("a", "../b"), ("a/../b", "1"), ("a", "index.html"), ("a", "x\x00"), ("", "1"),
                                   ("a", ".."), ("a/b", "c/../../d")])
def test_joined_refuses_every_unsafe_part(parts):
    with pytest.raises(UnsafePath):
        joined("rdfs", *parts)
    assert joined("rdfs", "10.5281/zenodo.1", "2") == "rdfs/10.5281/zenodo.1/2"
    assert joined("rdfs", "zero/Notebook Preview", "latest") == "rdfs/zero/Notebook Preview/latest"
