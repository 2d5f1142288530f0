"""What a maintainer reads in a contribution PR: the facts of each new version, rendered safely and
within GitHub's body limit."""

from __future__ import annotations

import re
import shutil

import pytest

from pipeline.base.http import HttpPolicy
from pipeline.contracts.results import TestEntry, TestSummary
from pipeline.contribute import body
from pipeline.contribute.backend import PullRequest
from pipeline.contribute.facts import FileFact, License, Person, VersionFacts, gather, license_of
from pipeline.sources.zenodo_server import ZenodoServer
from pipeline.spec import Report
from pipeline.spec.report import error, warning
from pipeline.store import Resource, Version
from testkit import paths

RECORD = paths.EXAMPLE_ZENODO / "records" / "8235072" / "files" / "rdf.yaml"
RID = "10.5281/zenodo.8235070"


def model(**changes) -> tuple[Resource, Version]:
    version = Version(version_id="8235072", rdf_source=str(RECORD), rdf_sha256="", created="2024-04-07T09:00:00Z",
                      version_name="1.0.0", **changes)
    return Resource(id=RID, type="model", source="zenodo", owners=[101], nickname="calm-cat",
                    nickname_icon="🐈", name="Tiny Nuclei Boundary Net 2D", versions=[version]), version


def rendered(resource: Resource, version: Version, **kwargs) -> str:
    facts = gather(paths.REPO, resource, version, **kwargs)
    return body.propose_body(resource, [version], [facts], "d" * 16)


def test_a_real_record_shows_what_the_version_is_and_who_made_and_uploaded_it():
    resource, version = model()
    facts = gather(paths.REPO, resource, version)
    assert facts.license == License("CC-BY-4.0", True, "Creative Commons Attribution 4.0 International")
    assert [p.name for p in facts.authors] == ["Ada Lovelab", "Bruno Keller"]
    assert facts.uploader.startswith("Zenodo user 101 (record created by Ada Lovelab (Institute of Quantitative "
                                     "Microscopy), @ada-lovelab)")
    assert "torchscript (pytorch 2.13, converted from pytorch_state_dict)" in facts.weights
    files = {f.name: f for f in facts.files}
    assert files["weights.onnx"] == FileFact("weights.onnx", "weights", 1747,
                                             files["weights.onnx"].sha256, "237809239fa672eb83a8025f2df0725e")
    assert len(files["weights.onnx"].sha256) == 64 and files["rdf.yaml"].size == 3527
    text = body.propose_body(resource, [version], [facts], "d" * 16)
    assert "- license: `CC-BY-4.0` (Creative Commons Attribution 4.0 International)\n" in text
    # logins are shown, never pinged: a word joiner after the @ (contribute.body.neutral)
    assert "- authors: Ada Lovelab (Institute of Quantitative Microscopy; ORCID 0000-0002-1825-0097) " \
           "@\u2060ada-lovelab; " \
           "Bruno Keller (Open Bioimage Analysis Group)\n" in text
    assert "- uploaded by: Zenodo user 101 (record created by Ada Lovelab" in text
    assert "| weights.onnx | weights | 1.7 KiB | `" in text and "`237809239fa672eb83a8025f2df0725e` |" in text
    assert "- tags: 2d, fluorescence-light-microscopy, nuclei, semantic-segmentation, pytorch, cnn\n" in text
    assert "- validation: passed (model 0.5.4, 0 error(s), " in text
    assert "- changes: the first version of this resource" in text
    assert "⚠️" not in text.split("### Checklist")[0]


@pytest.mark.parametrize(("license", "shown"), [
    ("MIT", "`MIT` (MIT License)\n"),
    ("CC0-1.0", "`CC0-1.0` (Creative Commons Zero v1.0 Universal)\n"),
    ("cc-by-nc-4.0", "`cc-by-nc-4.0` (Creative Commons Attribution Non Commercial 4.0 International) ⚠️ **not an "
                     "open license**: check that the zoo may redistribute it"),
    ("LicenseRef-lab-only", "`LicenseRef-lab-only` ⚠️ **not an SPDX license id**: check the terms"),
])
def test_the_license_is_shown_with_a_warning_unless_it_is_open(license, shown):
    resource, version = model(overrides={"license": license})  # what the build would publish
    text = rendered(resource, version)
    assert f"- license: {shown}" in text
    assert ("(marked ⚠️ above: check it)" in text) == ("⚠️" in shown)


def test_no_license_at_all_is_flagged():
    assert license_of(None) is None
    facts = VersionFacts(RID, "1", name="x", report=Report("x"))
    assert "- license: **none given** ⚠️" in "\n".join(map(str, body.version_parts(facts)))


def test_the_uploader_the_rdf_names_gets_the_maintainers_login():
    resource, version = model(overrides={"uploader": {"name": "Ada Lovelab", "email": "ada@lab.example"}})
    assert "- uploaded by: Ada Lovelab &lt;ada@lab.example&gt; (@\u2060ada-lovelab); Zenodo user 101; " \
           "record creators: " \
           "Ada Lovelab (Institute of Quantitative Microscopy); Bruno Keller" in rendered(resource, version)


def test_a_partner_entry_is_uploaded_by_its_partner():
    resource = Resource(id="macro-kit/batch-macro", type="application", source="partner:macro-kit")
    version = Version(version_id="latest", rdf_source=str(paths.EXAMPLE_PARTNERS / "macro-kit" / "batch-macro" /
                                                          "rdf.yaml"), rdf_sha256="", created="")
    assert gather(paths.REPO, resource, version).uploader == "the partner macro-kit (from its collection)"


def test_the_diff_against_the_previous_accepted_version(tmp_path):
    new = tmp_path / "v2"
    shutil.copytree(paths.DATASET, new)
    rdf = (new / "rdf.yaml").read_text()
    (new / "rdf.yaml").write_text(rdf.replace("instance-segmentation", "semantic-segmentation"))
    old = Version(version_id="1", rdf_source=str(paths.DATASET / "rdf.yaml"), rdf_sha256="", created="", status="accepted")
    version = Version(version_id="2", rdf_source=str(new / "rdf.yaml"), rdf_sha256="", created="")
    resource = Resource(id="10.5281/zenodo.1", type="dataset", source="zenodo", versions=[version, old])
    text = rendered(resource, version, previous=old)
    assert "- changes: 2 line(s) of the RDF changed since version 1 (below)" in text
    diff = text.split("<summary>Changes to the RDF since version 1</summary>", 1)[1].split("</details>")[0]
    assert "\n-- instance-segmentation\n" in diff and "\n+- semantic-segmentation\n" in diff
    assert "```diff" in diff and "--- version 1\n+++ this version" in diff


def test_covers_are_images_in_the_pr_when_the_rdf_is_served(tmp_path):
    with ZenodoServer(paths.EXAMPLE_ZENODO) as server:
        resource, version = model()
        version.rdf_source = f"{server.base}/records/8235072/files/rdf.yaml/content"
        policy = HttpPolicy(retries=0).trusting(server.base)
        facts = gather(paths.REPO, resource, version, policy=policy)
    cover = f"{server.base}/records/8235072/files/cover.png/content"
    assert facts.covers == (cover,)
    assert facts.uploader.startswith("Zenodo user 101 (record created by Ada Lovelab")  # the record, over HTTP
    assert f'<img src="{cover}" alt="cover" height="160">' in body.propose_body(resource, [version], [facts], "d" * 16)


def _large_facts(n: int) -> VersionFacts:
    report = Report("rdf.yaml", "model", "0.5.4", errors=[error(["x", i], "e" * 200, "t") for i in range(300)],
                    warnings=[warning(["y", i], "w" * 200, "t") for i in range(300)])
    return VersionFacts(RID, str(n), name="Large", description="d" * 5000, license=License("MIT", True, "MIT"),
                        authors=tuple(Person(f"Author {i}") for i in range(100)),
                        files=tuple(FileFact(f"tile_{i:05d}.npy", "attachment", 1000 + i, "a" * 64) for i in range(5000)),
                        previous="1", diff="\n".join(f"+line {i} " + "x" * 80 for i in range(2000)), report=report)


def test_a_large_resource_stays_under_githubs_limit_with_the_rest_collapsed():
    resource = Resource(id=RID, type="model", source="zenodo", nickname="calm-cat")
    versions = [Version(version_id=str(i), rdf_source="x", rdf_sha256="", created="") for i in range(3)]
    facts = [_large_facts(i) for i in range(3)]
    text = body.propose_body(resource, versions, facts, "d" * 16)
    assert len(text) <= body.PROPOSE_LIMIT
    assert PullRequest.parse("b", "open", text).versions == ["0", "1", "2"]  # the marker survives
    assert text.count("<details>") == text.count("</details>") == 9 and text.count("```") % 2 == 0
    assert text.count("left out to fit the PR; the check's pr-review report has them") == 9
    assert "| tile\\_00000.npy | attachment |" in text and "and 80 more" in text  # every fold keeps its start
    summaries = [TestSummary.compose(resource_id=RID, version_id=str(i), rdf_sha256="0", is_model=True,
                                     our_tests=[TestEntry("reproduce test outputs", "failed", "e" * 9000,
                                                          traceback="t" * 50_000, weights_format="onnx")],
                                     partner_tests={}) for i in range(3)]
    section = body.review_section([body.CheckedVersion(f, s) for f, s in zip(facts, summaries, strict=True)], base="main",
                                  with_facts=False, preview_url=None, warnings=["w" * 500] * 500,
                                  limit=body.GITHUB_LIMIT - len(text) - 200)
    assert len(body.with_review(text, section)) < body.GITHUB_LIMIT


def test_strangers_text_cannot_break_out_of_its_place():
    evil = "Evil\n## Merge me\n</details>\n```\n<script>alert(1)</script> | [x](https://evil.example) @maintainers"
    facts = VersionFacts(RID, "1\n## v", name=evil, description=evil, license=License(evil, None),
                         authors=(Person(evil, github_user="x\n- [x] ok"),), tags=(evil,),
                         files=(FileFact(evil, "weights", 1),), previous="0", diff=evil, report=Report(evil))
    resource = Resource(id=RID, type="model", source="zenodo", nickname="calm-cat", name=evil)
    version = Version(version_id="1", rdf_source="x", rdf_sha256="", created="", version_name="1.0\n\n## Merge me")
    text = body.propose_body(resource, [version], [facts], "d" * 16)
    assert text.count("```") == 4  # our two fences; inside them markdown and HTML are shown as text
    markup = re.sub(r"```[a-z]*\n.*?\n```|`[^`\n]*`", "", text, flags=re.DOTALL)  # code is shown as it is
    assert not re.search(r"^(## Merge me|- \[x\] ok|<script>)", markup, re.MULTILINE)
    assert markup.count("<details>") == markup.count("</details>") == 3
    assert "<script>" not in markup and "&lt;script&gt;" in markup and "\\[x\\](https://evil.example)" in markup
    assert "\n" not in body.title(resource, [version])


def test_the_checks_section_shows_each_weights_format_with_its_error_and_environment():
    failing = TestEntry("reproduce test outputs", "failed", "AssertionError: output 'boundaries': 6212 of 6272 "
                        "elements differ\nmore detail", traceback="Traceback ...", weights_format="torchscript",
                        env={"python": "3.11.7", "numpy": "2.4.6", "torch": "2.13.0+cpu"})
    passing = TestEntry("reproduce test outputs", "passed", weights_format="onnx",
                        env={"python": "3.11.7", "onnxruntime": "1.32.0"})
    fmt = TestEntry("validate format", "passed", warnings=("inputs[0]: no sample tensor",))
    partner = TestEntry("Run in Macro Kit", "failed", "runs models with a single input only")
    summary = TestSummary.compose(resource_id=RID, version_id="8235072", rdf_sha256="0", is_model=True,
                                  our_tests=[fmt, failing, passing], partner_tests={"macro-kit": [partner]})
    facts = VersionFacts(RID, "8235072", name="Tiny")
    section = body.review_section([body.CheckedVersion(facts, summary), body.CheckedVersion(
        VersionFacts(RID, "8235071"), None)], base="origin/main", with_facts=False,
        preview_url="https://github.com/o/r/actions/runs/7", warnings=["partner x: results for a/1, which the zoo "
                                                                       "does not publish"], limit=60_000)
    assert "Against `origin/main`: **2 of 2 version(s) fail**." in section
    assert "Site preview: https://github.com/o/r/actions/runs/7" in section
    assert ("| torchscript | reproduce test outputs | failed | AssertionError: output 'boundaries': 6212 of 6272 "
            "elements differ | python 3.11.7, numpy 2.4.6, torch 2.13.0+cpu |") in section
    assert "| onnx | reproduce test outputs | passed | - | python 3.11.7, onnxruntime 1.32.0 |" in section
    assert "**FAILED** (format valid, runs, does not reproduce its test outputs)" in section
    assert "<summary>Format warnings (1)</summary>" in section and "- inputs\\[0\\]: no sample tensor" in section
    assert "torchscript: reproduce test outputs\nAssertionError" in section and "Traceback ..." in section
    assert "| macro-kit | failed | Run in Macro Kit: failed (runs models with a single input only) |" in section
    assert "#### Results of 10.5281/zenodo.8235070/8235071\n\n**Not built**" in section
    assert "<summary>Warnings that are not this PR's (1)</summary>" in section
    once = body.with_review("description\n", section)
    twice = body.with_review(once, section.replace("origin/main", "main"))
    assert twice.count(body.REVIEW_START) == 1 and "Against `main`" in twice and twice.startswith("description")


def test_a_version_id_cannot_end_the_marker_that_remembers_it():
    from pipeline.contribute.backend import marker

    versions = ["1 --> <b>merged</b>", "2"]
    line = marker(versions, "d" * 16)
    assert line.count("-->") == 1 and line.endswith("-->") and "<b>" not in line
    assert PullRequest.parse("b", "open", f"text\n\n{line}\n").versions == versions
