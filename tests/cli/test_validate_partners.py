"""`zoo validate` on a partner's own files: registrations (both forms), test-summary documents and
report files (every form the build reads), checked against what the zoo publishes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.spec import yamlio
from testkit import paths

RID = "10.5281/zenodo.8235070"


@pytest.fixture
def site(tmp_path) -> Path:
    """What the zoo publishes: one model with versions 8235072 (labelled 1.0.0) and 8235071."""
    folder = tmp_path / "site"
    entry = {"id": RID, "type": "model", "versions": ["8235072", "8235071"]}
    folder.mkdir()
    (folder / "collection.json").write_text(json.dumps({"collection": [entry, {"id": "macro-kit/batch-macro"}]}))
    for vid, label in (("8235072", "1.0.0"), ("8235071", None)):
        rdf = folder / "rdfs" / RID / vid / "rdf.yaml"
        rdf.parent.mkdir(parents=True)
        rdf.write_text(yamlio.dumps({"name": "x", **({"version": label} if label else {})}))
    return folder / "collection.json"


def summary(tmp_path: Path, results: list[dict], tool: str = "my-tool") -> Path:
    path = tmp_path / "test_summaries.json"
    path.write_text(json.dumps({"tool": tool, "tool_version": "1.0", "results": results}))
    return path


def run(capsys, *args: str) -> tuple[int, str]:
    code = main(["validate", *map(str, args)])
    return code, capsys.readouterr().out


def test_the_bundled_registrations_and_summaries_pass(capsys):
    files = [paths.EXAMPLE_PARTNERS / "macro-kit.yaml", paths.EXAMPLE_PARTNERS / "macro-kit" / "test_summaries.json"]
    code, out = run(capsys, *files)
    assert code == 0
    assert f"{files[0]}: passed (partner registration, 0 error(s), 1 warning(s))" in out
    assert f"{files[1]}: passed (partner test summary, 0 error(s), 1 warning(s))" in out
    assert "ids not checked: pass --collection" in out


def test_a_version_named_as_the_site_shows_it_gets_the_id_it_needs(tmp_path, site, capsys):
    path = summary(tmp_path, [{"resource_id": RID, "version_id": "1.0.0", "tests": [{"name": "t", "status": "passed"}]},
                              {"resource_id": RID, "version_id": "8235071", "tests": [{"name": "t", "status": "passed"}]},
                              {"resource_id": "10.5281/zenodo.8235071", "version_id": "1", "tests": []}])
    code, out = run(capsys, path, "--collection", site)
    assert code == 1 and f"{path}: FAILED (partner test summary, 2 error(s), 0 warning(s))" in out
    assert (f"  error   results[0]: '1.0.0' is how the site labels version 8235072 of {RID}: report it as "
            "version_id '8235072' (the zoo names a version by its version id: a Zenodo resource's record id") in out
    assert "Published versions: 8235072 (shown as version 1.0.0), 8235071" in out
    assert ("  error   results[2]: resource '10.5281/zenodo.8235071' is not in the zoo's collection; did you mean "
            f"{RID}? Valid resource ids: {RID}, macro-kit/batch-macro") in out


def test_the_schema_errors_name_their_field(tmp_path, capsys):
    path = summary(tmp_path, [{"resource_id": RID, "version_id": "1", "tests": [{"name": "t", "status": "fine"}]}])
    code, out = run(capsys, path)
    assert code == 1 and "error   results[0].tests[0].status: 'fine' is not one of ['passed'," in out
    (tmp_path / "test_summaries.json").write_text('{"tool": "x", "results": []}')
    code, out = run(capsys, tmp_path / "test_summaries.json")
    assert "error   (root): 'tool_version' is a required property (schema partner_test_summary.json)" in out


def test_a_registration_is_checked_with_the_files_it_names(tmp_path, site, capsys):
    folder = tmp_path / "partners"
    folder.mkdir()
    (folder / "my-tool.yaml").write_text("id: my-tool\ncollection:\n  path: my-tool/collection.yaml\n"
                                         "test_summaries: my-tool/test_summaries.json\n")
    code, out = run(capsys, folder / "my-tool.yaml")
    assert code == 1
    assert "error   collection.path: no such file or folder 'my-tool/collection.yaml' beside the registration" in out
    (folder / "my-tool").mkdir()
    (folder / "my-tool" / "collection.yaml").write_text("type: collection\n")
    shutil.copy(summary(tmp_path, [{"resource_id": RID, "version_id": "9", "tests": []}], tool="other"),
                folder / "my-tool" / "test_summaries.json")
    code, out = run(capsys, folder / "my-tool.yaml", "--collection", site)
    assert code == 1 and "version '9' of 10.5281/zenodo.8235070 is not published" in out
    assert "error   test_summaries: the summary is for tool 'other', but this partner is 'my-tool'" in out
    (folder / "bad.yaml").write_text("id: Bad Id\ntest_summaries: x.json\nextra: 1\n")
    code, out = run(capsys, folder / "bad.yaml")
    assert code == 1 and "error   (root): unknown field(s) extra" in out


def test_the_paper_era_partner_list_is_checked_entry_by_entry(tmp_path, capsys):
    path = tmp_path / "collection_rdf_template.yaml"
    path.write_text(yamlio.dumps({"format_version": "0.2.1", "type": "collection", "config": {"partners": [
        {"id": "ilastik", "repository": "ilastik/bioimage-io-resources", "branch": "main",
         "collection_file_name": "collection.yaml"},
        {"id": "zero", "repository": "HenriquesLab/ZeroCostDL4Mic", "branch": "master"}]}}))
    code, out = run(capsys, path)
    assert code == 1 and f"{path}: FAILED (partner list, 1 error(s), 0 warning(s))" in out
    assert "error   config.partners[1]: required field 'collection_file_name' is missing" in out


def test_report_files_of_both_eras_and_a_folder_of_them(tmp_path, site, capsys):
    deployed = tmp_path / "gh-pages"
    good, bad = deployed / RID / "8235072", deployed / RID / "1.0.0"
    for folder in (good, bad):
        folder.mkdir(parents=True)
    (good / "test_summary.yaml").write_text("name: run in Fiji\nstatus: passed\n")
    (good / "my-tool_2.1.json").write_text(json.dumps({"tool": "my-tool", "tool_version": "2.1",
                                                       "status": "not-applicable"}))
    (bad / "my-tool_2.1.json").write_text(json.dumps({"tool": "my-tool", "tool_version": "2.1", "status": "ok"}))
    code, out = run(capsys, good / "test_summary.yaml", good / "my-tool_2.1.json", "--collection", site)
    assert code == 0 and out.count("passed (partner report, 0 error(s), 0 warning(s))") == 2
    code, out = run(capsys, bad / "my-tool_2.1.json", "--collection", site)
    assert code == 1 and "error   status: expected a status of passed, failed or not-applicable, got 'ok'" in out
    code, out = run(capsys, deployed, "--collection", site)
    assert code == 1 and f"{deployed}: FAILED (partner report folder, 2 error(s)" in out
    assert f"error   {RID}/1.0.0: '1.0.0' is how the site labels version 8235072" in out


def test_json_has_one_shape_and_a_missing_source_is_bad_usage(tmp_path, capsys):
    code, out = run(capsys, "--json", paths.EXAMPLE_PARTNERS / "pixel-lab.yaml", paths.DATASET)
    data = json.loads(out)
    assert code == 0 and data["ok"] is True and [r["type"] for r in data["reports"]] == ["partner registration",
                                                                                         "dataset"]
    assert main(["validate", str(paths.DATASET), str(tmp_path / "missing.json")]) == 2
    assert "missing.json: no such file or folder" in capsys.readouterr().err
    assert main(["validate", str(paths.DATASET), "--collection", str(tmp_path / "none.json")]) == 2
