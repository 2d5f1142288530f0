"""Taking over the paper-era collection: its store, partner list and partner reports, as published.

The replay (`testkit/real_zoo.py`) is harvested, built and rendered by the real commands, served from
loopback through `ZOO_MIRRORS`, and its collection.json is compared field by field with what the
paper-era pipeline published for the same input (`real_zoo.EXPECTED`).
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from testkit import real_zoo

from pipeline.errors import BadInput
from pipeline.store import Store

ROOT = Path(__file__).resolve().parents[2]


def _harness():
    spec = importlib.util.spec_from_file_location("takeover_bench", ROOT / "bench" / "takeover.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


takeover = _harness()
EXPECTED = {e["id"]: e for e in real_zoo.EXPECTED}


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    """The replay written, harvested, built and rendered once for the whole module."""
    root = tmp_path_factory.mktemp("takeover")
    folder = real_zoo.write_replay(root / "replay")
    result = takeover.replay(folder, root / "work")
    work = root / "work"
    collection = json.loads((work / "site" / "collection.json").read_text())
    return {"result": result, "work": work, "site": work / "site", "replay": folder,
            "entries": {e["id"]: e for e in collection["collection"]}}


def test_no_stage_crashes_and_every_entry_is_published(replayed):
    result = replayed["result"]
    assert not result["crashed"], result["stages"]
    assert result["missing"] == []
    assert result["entries_published"] == result["entries_expected"] == len(real_zoo.EXPECTED)


@pytest.mark.parametrize("rid", sorted(EXPECTED))
def test_entry_matches_the_published_collection_field_by_field(replayed, rid):
    ours = replayed["entries"].get(rid)
    assert ours is not None, f"{rid} was not published"
    wrong = {key: (value, ours.get(key)) for key, value in EXPECTED[rid].items()
             if not takeover.same(key, value, ours.get(key))}
    assert wrong == {}, "field: (expected, got)"


def test_field_agreement_is_complete(replayed):
    assert replayed["result"]["field_agreement"] == 100.0, replayed["result"]["disagreeing_fields"]


# ---------------------------------------------------------------- the store format
@pytest.mark.parametrize("rid", sorted(real_zoo.STORE))
def test_every_real_resource_file_is_a_store_entry(tmp_path, rid):
    folder = real_zoo.write_replay(tmp_path / "replay")
    resource = Store(folder / "collection").get(rid)
    assert resource.id == rid and resource.type in ("model", "dataset")
    assert [v.version_id for v in resource.versions][0] == re.findall(r"version_id: '(\d+)'", real_zoo.STORE[rid])[0]


def test_a_real_resource_file_survives_a_rewrite_without_losing_a_field(tmp_path):
    folder = real_zoo.write_replay(tmp_path / "replay")
    store = Store(folder / "collection")
    rid = "10.5281/zenodo.7000300"
    before = store.get(rid)
    store.put(before)
    after = Store(folder / "collection").get(rid)
    assert after == before
    text = (folder / "collection" / rid / "resource.yaml").read_text()
    for value in ("github_user: wolny", "decimal: 2", "ilastik/plantseg_ovules", "Hennies et al. 2023",
                  "version from 2021-12-02"):
        assert value in text


@pytest.mark.parametrize(("old", "new", "field"), [
    ("owners: [96309]", "owners: [96309]\nlnks: [a/b]", "lnks"),
    ("version_id: '7000402'", "tgas: [nuclei], version_id: '7000402'", "tgas"),
])
def test_an_unknown_field_is_an_error_naming_field_and_file(tmp_path, old, new, field):
    folder = real_zoo.write_replay(tmp_path / "replay")
    path = folder / "collection" / "10.5281/zenodo.7000400" / "resource.yaml"
    path.write_text(path.read_text().replace(old, new))
    with pytest.raises(BadInput) as info:
        Store(folder / "collection").get("10.5281/zenodo.7000400")
    assert str(path) in str(info.value) and field in str(info.value)


def test_per_version_fields_update_that_versions_published_rdf(replayed):
    from pipeline.spec import yamlio

    site = replayed["site"]
    rdf = yamlio.loads((site / "rdfs/10.5281/zenodo.7000300/7000302/rdf.yaml").read_bytes(), source="rdf")
    assert rdf["name"] == "Cell Segmentation from Membrane Staining for Plant Tissues"
    assert rdf["cite"] == [{"doi": "10.1101/2023.04.06.535829", "text": "Hennies et al. 2023, CebraEM"}]
    assert rdf["config"]["bioimageio"]["test_kwargs"] == {"pytorch_state_dict": {"decimal": 2}}
    assert rdf["maintainers"] == [{"github_user": "wolny"}]  # the resource-level field
    assert rdf["config"]["bioimageio"]["version_name"] == "revision 2"
    # the original version's RDF keeps its own fields
    first = yamlio.loads((site / "rdfs/10.5281/zenodo.7000100/7000104/rdf.yaml").read_bytes(), source="rdf")
    assert first["links"] == real_zoo.MODEL_RDFS[7000104]["links"]


# ---------------------------------------------------------------- partners, ids, nicknames
def test_both_registration_forms_register_partners(replayed):
    from pipeline.contracts.partners import read_partners

    partners, problems = read_partners(replayed["replay"] / "partners")
    assert problems == []
    assert [p.id for p in partners] == ["careamics", "ilastik", "imjoy", "zero"]


def test_a_template_partner_without_repository_is_refused_naming_it(tmp_path):
    from pipeline.contracts.partners import read_partners

    folder = real_zoo.write_replay(tmp_path / "replay") / "partners"
    path = folder / "collection_rdf_template.yaml"
    path.write_text(path.read_text().replace("      repository: imjoy-team/bioimage-io-resources\n", ""))
    partners, problems = read_partners(folder)
    assert "imjoy" not in [p.id for p in partners] and "zero" in [p.id for p in partners]
    assert [str(e) for e in problems] == [f"{path}: config.partners[1]: required field 'repository' is missing"]


def test_ids_with_spaces_capitals_and_dots_get_working_page_urls(replayed):
    site = replayed["site"]
    pages = [site / "index.html", *site.glob("rdfs/zero/**/index.html")]
    assert any("Notebook Preview" in str(p) for p in pages)
    broken = []
    for page in pages:
        for href in re.findall(r'href="([^"#?]+)', page.read_text()):
            if urlsplit(href).scheme or href.startswith("/"):
                continue
            target = (page.parent / unquote(href)).resolve()
            if not (target.is_file() or (target / "index.html").is_file()):
                broken.append((str(page.relative_to(site)), href))
    assert broken == []


def test_a_blocked_resource_holding_a_nickname_blocks_nothing(replayed):
    store = replayed["work"] / "collection"
    proc = subprocess.run([sys.executable, "-m", "pipeline", "check-nicknames", "--store", str(store)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    build = json.loads((replayed["work"] / "build.log").read_text().split("\n", 1)[1].rsplit("\n\n", 1)[0])
    assert not [p for p in build["problems"] if "nickname" in p]


def test_two_accepted_resources_sharing_a_nickname_fail_the_check(tmp_path):
    folder = real_zoo.write_replay(tmp_path / "replay")
    path = folder / "collection" / "10.5281/zenodo.7000500" / "resource.yaml"
    path.write_text(path.read_text().replace("conscientious-seashell", "humorous-owl"))
    proc = subprocess.run([sys.executable, "-m", "pipeline", "check-nicknames", "--store",
                           str(folder / "collection")], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 1 and "humorous-owl" in proc.stdout


def test_a_version_that_cannot_be_loaded_is_reported_and_never_latest(replayed):
    build = (replayed["work"] / "build.log").read_text()
    assert "10.5281/zenodo.7000500/7000503" in build
    entry = replayed["entries"]["10.5281/zenodo.7000500"]
    assert entry["versions"] == ["7000502"] and entry["description"]


# ---------------------------------------------------------------- partner reports, downloads
def test_partner_reports_of_both_forms_are_merged(replayed):
    summary = json.loads((replayed["site"] / "rdfs/10.5281/zenodo.7000100/7000104/test_summary.json").read_text())
    assert [t["status"] for t in summary["tests"]["ilastik"]] == ["passed"]
    assert "source_name" not in summary["tests"]["ilastik"][0]
    assert [t["status"] for t in summary["tests"]["careamics"]] == ["not-applicable"]
    nested = json.loads((replayed["site"] / "rdfs/10.5281/zenodo.7000300/7000302/test_summary.json").read_text())
    assert nested["tests"]["careamics"][0]["status"] == "failed"
    assert "inputs" in json.dumps(nested["tests"]["careamics"][0])  # the nested validation summary is kept


def test_not_applicable_is_its_own_state_in_collection_and_pages(replayed):
    entry = replayed["entries"]["10.5281/zenodo.7000100"]
    assert entry["compatibility"]["careamics"] == "not-applicable"
    assert entry["compatibility"]["ilastik"] == "passed"
    page = (replayed["site"] / "rdfs/10.5281/zenodo.7000100/index.html").read_text()
    assert "not applicable" in page.lower()


def test_download_counts_are_shown_and_sortable(replayed):
    site = replayed["site"]
    index = (site / "index.html").read_text()
    assert "53,495" in index or "53495" in index
    assert re.search(r'<option value="downloads"[^>]*>\s*Most downloaded', index)
    page = (site / "rdfs/10.5281/zenodo.7000100/index.html").read_text()
    assert "53,495" in page or "53495" in page


def test_a_private_host_is_refused_unless_trusted(tmp_path):
    """Without ZOO_MIRRORS/ZOO_TRUSTED_HOSTS a loopback rdf_source is refused as private."""
    folder = real_zoo.write_replay(tmp_path / "replay")
    with takeover.StaticServer(folder / "web") as static:
        store = tmp_path / "store"
        path = store / "ilastik-copy" / "resource.yaml"
        path.parent.mkdir(parents=True)
        url = f"{static.base}/raw.githubusercontent.com/ilastik/bioimage-io-resources/main/datasets/dsb/rdf.yaml"
        path.write_text(f"id: ilastik-copy\ntype: dataset\nstatus: accepted\nversions:\n"
                        f"- {{version_id: '1', rdf_source: '{url}', status: accepted, created: '2024-01-01'}}\n")
        args = [sys.executable, "-m", "pipeline", "build", "--store", str(store), "--site", str(tmp_path / "s"),
                "--cache", str(tmp_path / "c"), "--partners", "none", "--no-tests", "--json"]
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
        refused = subprocess.run(args, capture_output=True, text=True, env=env, cwd=tmp_path)
        host = urlsplit(static.base).netloc
        trusted = subprocess.run(args, capture_output=True, text=True, env={**env, "ZOO_TRUSTED_HOSTS": host},
                                 cwd=tmp_path)
    assert "non-public address" in refused.stdout and json.loads(refused.stdout)["problems"]
    assert json.loads(trusted.stdout)["problems"] == [], trusted.stdout
