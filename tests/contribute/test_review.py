"""A contribution from harvest to a maintainer's decision, through PyGithub against the loopback
GitHub: the PR's description, the PR's failing check and the results the check adds to it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.contribute import proposing
from pipeline.contribute.github import GitHubBackend
from pipeline.contribute.proposing import ProposeConfig
from pipeline.spec import yamlio
from testkit import paths

BROKEN = paths.MODELS / "broken" / "wrong-output" / "rdf.yaml"  # reproduces its test output wrongly
RID = "my-lab/broken-unet"


def write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yamlio.dumps(data))


@pytest.fixture
def checkout(repo, gitcmd) -> Path:
    """main: one accepted dataset, and a partner reporting on it, on the model to come, and on a
    version the zoo does not publish."""
    write(repo / "collection" / "10.5281" / "zenodo.1" / "resource.yaml",
          {"id": "10.5281/zenodo.1", "type": "dataset", "nickname": "calm-cat",
           "versions": [{"version_id": "1", "rdf_source": str(paths.DATASET / "rdf.yaml"), "status": "accepted"}]})
    write(repo / "partners" / "lab.yaml", {"id": "lab", "test_summaries": "lab.json"})
    (repo / "partners" / "lab.json").write_text(json.dumps({"tool": "lab", "tool_version": "2.0", "results": [
        {"resource_id": rid, "version_id": vid, "tests": [{"name": "open in Lab", "status": status}]}
        for rid, vid, status in [("10.5281/zenodo.1", "1", "passed"), (RID, "1", "passed"),
                                 ("10.5281/zenodo.1", "v1.0", "passed")]]}))
    gitcmd(repo, "add", ".")
    gitcmd(repo, "commit", "-q", "-m", "the zoo so far")
    return repo


@pytest.mark.slow  # runs a model test
def test_a_contribution_whose_model_test_fails(checkout, github_server, monkeypatch, capsys, tmp_path):
    repo, fake = checkout, github_server
    # What the harvest wrote: a hand-written store resource with a new version.
    write(repo / "collection" / "my-lab" / "broken-unet" / "resource.yaml",
          {"id": RID, "type": "model", "source": "store", "nickname": "odd-owl", "owners": ["ada-lovelab"],
           "versions": [{"version_id": "1", "rdf_source": str(BROKEN), "status": "pending", "version_name": "1.0"}]})
    backend = GitHubBackend("owner/repo", "token", api_url=fake.base, store_prefix="collection", polite=False)
    assert proposing.run(ProposeConfig(repo / "collection", backend=backend)).opened == [RID]
    described = fake.pulls[0]["body"]
    assert "- license: `CC-BY-4.0` (Creative Commons Attribution 4.0 International)\n" in described
    assert "- uploaded by: owner ada-lovelab\n" in described
    assert "- type: model; weights: torchscript (pytorch 2.13)" in described
    assert "| weights\\_torchscript.pt | weights |" in described and "- validation: passed (model 0.5" in described

    # The check runs on the PR merged into main.
    for path, data in fake.branches["auto-update-my-lab-broken-unet"]["files"].items():
        (repo / path).write_bytes(data)
    site, summary = tmp_path / "site", tmp_path / "build-summary.json"
    common = ["--store", str(repo / "collection"), "--partners", str(repo / "partners"), "--site", str(site)]
    code = main(["build", *common, "--cache", str(tmp_path / "cache"), "--no-packages", "--jobs", "1",
                 "--pr-base", "main", "--summary", str(summary)])
    out = capsys.readouterr().out
    assert code == 1  # the required check goes red, and says why
    assert "  my-lab/broken-unet/1: failed\n" in out
    assert ("failed: my-lab/broken-unet/1: torchscript: reproduce test outputs: AssertionError: output "
            "'boundaries': ") in out
    assert "warning (not this PR's): partner lab: results for 10.5281/zenodo.1/v1.0" in out

    monkeypatch.setenv("GITHUB_TOKEN", "token")
    code = main(["review", *common, "--pr-base", "main", "--build-summary", str(summary), "--github", "owner/repo",
                 "--github-api", fake.base, "--pr", "1", "--preview-url", "https://github.test/runs/7",
                 "--output", str(tmp_path / "pr-review.md")])
    assert code == 0
    body = fake.pulls[0]["body"]
    assert body.startswith(described.rstrip()) and body.count("## Check results") == 1
    results = body.split("## Check results", 1)[1]
    assert "Against `main`: **1 of 1 version(s) fail**." in results
    assert "Site preview: https://github.test/runs/7" in results
    row = next(line for line in results.splitlines() if line.startswith("| torchscript | reproduce test outputs |"))
    assert "| failed | AssertionError: output 'boundaries': " in row and "| python 3." in row and "torch 2." in row
    assert "| lab | passed | open in Lab: passed |" in results
    assert "partner lab: results for 10.5281/zenodo.1/v1.0, which the zoo does not publish" in results
    assert len(body) < 65_536
    # the full report, facts included, for the artifact
    assert "- license: `CC-BY-4.0`" in (tmp_path / "pr-review.md").read_text()
    # the description kept its marker: the next harvest leaves the PR alone
    assert proposing.run(ProposeConfig(repo / "collection", backend=backend)).opened == []


def test_reviewing_a_hand_written_pr_keeps_the_authors_text(checkout, github_server, monkeypatch, capsys, tmp_path):
    repo, fake = checkout, github_server
    fake.branches["fork"] = {"sha": "f" * 40, "files": {}}
    fake.pulls.append({"number": 1, "state": "open", "title": "My dataset", "body": "Please add my dataset.",
                       "merged_at": None, "head": {"ref": "fork"}, "base": {"ref": "main"}})
    write(repo / "collection" / "my-lab" / "data" / "resource.yaml",
          {"id": "my-lab/data", "type": "dataset", "source": "store", "nickname": "shy-elk",
           "versions": [{"version_id": "1", "rdf_source": str(paths.DATASET / "rdf.yaml"), "status": "accepted"}]})
    common = ["--store", str(repo / "collection"), "--partners", str(repo / "partners"), "--site", str(tmp_path)]
    assert main(["build", *common, "--cache", str(tmp_path / "c"), "--no-packages", "--pr-base", "main"]) == 0
    monkeypatch.setenv("GITHUB_TOKEN", "token")
    review = ["review", *common, "--pr-base", "main", "--github", "owner/repo", "--github-api", fake.base, "--pr", "1"]
    assert main(review) == 0 and main(review) == 0
    body = fake.pulls[0]["body"]
    assert body.startswith("Please add my dataset.\n\n<!-- zoo-review:start -->") and body.count("zoo-review:start") == 1
    # not proposed by zoo, so the section also says what the version is
    assert "### Version 1" in body and "- license: `CC0-1.0`" in body and "all 1 version(s) pass" in body
    capsys.readouterr()
    assert main([*review[:-2], "--pr", "x"]) == 2 and "expected a PR number" in capsys.readouterr().err
