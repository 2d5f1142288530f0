"""Partner sections are replaced wholesale on every build; packages work offline."""

from __future__ import annotations

import json
import zipfile

from pipeline.build import builder
from pipeline.build.builder import BuildConfig
from pipeline.cli import main
from pipeline.spec import load_rdf, validate

from testkit.paths import EXAMPLES

DATASET = EXAMPLES / "resources" / "nuclei-dataset"


def _partner(folder, tests, tool="lab-tool"):
    folder.mkdir(exist_ok=True)
    (folder / f"{tool}.yaml").write_text(f"id: {tool}\nname: Lab Tool\ntest_summaries: {tool}.json\n")
    (folder / f"{tool}.json").write_text(json.dumps({"tool": tool, "tool_version": "2.0", "results": tests}))


def _summary(store):
    return json.loads((store.root / "site/rdfs/10.5281/zenodo.5/6/test_summary.json").read_text())


def test_partner_section_is_replaced_not_appended(store):
    store.add("10.5281/zenodo.5", store.record("d", copy_from=DATASET), type="dataset", versions=["6"])
    partners = store.root / "partners"
    options = BuildConfig(store=store.store, site=store.root / "site", cache=store.root / "cache",
                           partners=partners, run_tests=False)
    _partner(partners, [{"resource_id": "10.5281/zenodo.5", "version_id": "6",
                         "tests": [{"name": "open", "status": "failed", "error": "boom"}]},
                        {"resource_id": "10.5281/zenodo.999", "version_id": "1", "tests": []}])
    first = builder.run(options)
    assert [p.format_text() for p in first.problems] == [
        "partner lab-tool: results for 10.5281/zenodo.999/1, which the zoo does not publish"]
    assert [t["status"] for t in _summary(store)["tests"]["lab-tool"]] == ["failed"]
    _partner(partners, [{"resource_id": "10.5281/zenodo.5", "version_id": "6",
                         "tests": [{"name": "open", "status": "passed"}, {"name": "open", "status": "passed"}]}])
    assert builder.run(options).rebuilt == 1  # a new publication changes the version's inputs
    assert _summary(store)["tests"]["lab-tool"] == [
        {"name": "open", "status": "passed", "tool_version": "2.0"}]
    collection = json.loads((store.root / "site/collection.json").read_text())
    assert collection["collection"][0]["compatibility"] == {"lab-tool": "passed", "pipeline": "passed"}


def test_malformed_partner_summary_is_reported_and_skipped(store):
    store.add("10.5281/zenodo.5", store.record("d", copy_from=DATASET), type="dataset", versions=["6"])
    partners = store.root / "partners"
    partners.mkdir()
    (partners / "lab-tool.yaml").write_text("id: lab-tool\nname: Lab Tool\ntest_summaries: lab-tool.json\n")
    (partners / "lab-tool.json").write_text('{"tool": "lab-tool", "results": "nope"}')
    summary = builder.run(BuildConfig(store=store.store, site=store.root / "site", cache=store.root / "cache",
                                 partners=partners, run_tests=False))
    assert len(summary.problems) == 1 and summary.problems[0].format_text().startswith("partner lab-tool: ")
    assert "does not match the schema" in summary.problems[0].message
    assert list(_summary(store)["tests"]) == ["pipeline"]


def test_zoo_package_is_self_contained_and_valid(tmp_path, capsys):
    target = tmp_path / "nuclei.zip"
    assert main(["package", str(EXAMPLES / "models" / "nuclei-boundary-2d"), "-o", str(target)]) == 0
    assert "wrote" in capsys.readouterr().out
    with zipfile.ZipFile(target) as archive:
        assert "rdf.yaml" in archive.namelist()
        assert all(not n.startswith(("/", "..")) for n in archive.namelist())
    report = validate(load_rdf(target), io=True)
    assert report.status == "passed", report.format_text()
    again = tmp_path / "again.zip"
    main(["package", str(EXAMPLES / "models" / "nuclei-boundary-2d"), "-o", str(again)])
    assert again.read_bytes() == target.read_bytes()  # deterministic
