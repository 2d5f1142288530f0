"""`zoo build --pr-base REV`: a PR's check fails exactly when what the PR adds or changes fails, and
says why; everything else (partners reporting on versions the zoo does not publish, unreachable
partners) is a warning on the PR and a problem of the scheduled build."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.contracts.stage import Problem
from pipeline.spec import yamlio
from pipeline.store.changes import PrScope, pr_scope
from testkit import paths

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t",
           "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=GIT_ENV).stdout.decode()


def resource(repo: Path, rid: str, rdf: Path, versions=("1",), status: str = "accepted", **fields) -> None:
    data = {"id": rid, "type": "dataset", "source": "zenodo", "nickname": f"nick-{rid[-1]}", **fields,
            "versions": [{"version_id": v, "rdf_source": str(rdf), "status": status} for v in versions]}
    path = repo / "collection" / rid / "resource.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yamlio.dumps(data))


def partner(repo: Path, pid: str, results: list[tuple[str, str]] | None = None, url: str | None = None) -> None:
    folder = repo / "partners"
    folder.mkdir(exist_ok=True)
    registration = {"id": pid, "test_summaries": url or f"{pid}.json"}
    (folder / f"{pid}.yaml").write_text(yamlio.dumps(registration))
    if results is not None:
        document = {"tool": pid, "tool_version": "1.0", "results": [
            {"resource_id": rid, "version_id": vid, "tests": [{"name": "open it", "status": "passed"}]}
            for rid, vid in results]}
        (folder / f"{pid}.json").write_text(json.dumps(document))


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/summary.json"


@pytest.fixture
def repo(tmp_path) -> Path:
    """The base: one accepted dataset, and a partner reporting on it and on a version nobody publishes."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    good = paths.DATASET / "rdf.yaml"
    resource(path, "10.5281/zenodo.1", good)
    partner(path, "lab", [("10.5281/zenodo.1", "1"), ("10.5281/zenodo.1", "1.0.0")])
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "base")
    return path


def invalid_rdf(tmp_path: Path) -> Path:
    folder = tmp_path / "invalid"
    shutil.copytree(paths.DATASET, folder)
    (folder / "rdf.yaml").write_text((folder / "rdf.yaml").read_text() + "\nnot_a_field: 1\n")
    return folder / "rdf.yaml"


def build(repo: Path, capsys, *extra: str) -> tuple[int, str]:
    code = main(["build", "--store", str(repo / "collection"), "--partners", str(repo / "partners"),
                 "--site", str(repo / "site"), "--cache", str(repo / ".cache"), "--no-tests", "--no-packages", *extra])
    return code, capsys.readouterr().out


def test_a_pr_adding_an_invalid_version_fails_and_says_why(repo, tmp_path, capsys):
    resource(repo, "10.5281/zenodo.2", invalid_rdf(tmp_path))
    code, out = build(repo, capsys, "--pr-base", "main")
    assert code == 1
    assert "pull request against main: 1 version(s) added or changed\n  10.5281/zenodo.2/1: failed\n" in out
    assert "failed: 10.5281/zenodo.2/1: validate format: not_a_field: unknown field" in out
    # the partner's report on a version nobody publishes is the partner's, not the contributor's
    assert ("warning (not this PR's): partner lab: results for 10.5281/zenodo.1/1.0.0, which the zoo does not "
            "publish") in out
    assert "\nproblem:" not in out


def test_a_pr_adding_a_valid_version_passes_despite_others_noise(repo, capsys):
    resource(repo, "10.5281/zenodo.3", paths.DATASET / "rdf.yaml", nickname="nick-x")
    code, out = build(repo, capsys, "--pr-base", "main", "--json")
    data = json.loads(out)
    assert code == 0 and data["ok"] is True
    assert data["pr"]["versions"] == ["10.5281/zenodo.3/1"] and data["pr"]["checked"] == {"10.5281/zenodo.3/1": "passed"}
    assert data["problems"] == [] and [w["source"] for w in data["warnings"]] == ["partner lab"]


def test_the_scheduled_build_reports_the_same_noise_as_a_problem(repo, capsys):
    code, out = build(repo, capsys)
    assert code == 1
    assert "problem: partner lab: results for 10.5281/zenodo.1/1.0.0, which the zoo does not publish" in out


def test_failing_versions_the_pr_does_not_touch_are_counted_not_blamed(repo, tmp_path, capsys):
    resource(repo, "10.5281/zenodo.2", invalid_rdf(tmp_path))
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "an invalid version on main")
    resource(repo, "10.5281/zenodo.3", paths.DATASET / "rdf.yaml", nickname="nick-x")
    code, out = build(repo, capsys, "--pr-base", "main")
    assert code == 0
    assert "1 other published version(s) fail validation or their model test (not this PR's)" in out
    assert "failed: 10.5281/zenodo.2/1" not in out
    scheduled, out = build(repo, capsys)
    assert "failed: 10.5281/zenodo.2/1: validate format: not_a_field: unknown field" in out  # named, with its reason


def test_an_unreachable_partner_fails_only_the_pr_that_registers_it(repo, capsys):
    partner(repo, "down", url=closed_port_url())
    code, out = build(repo, capsys, "--pr-base", "main")
    assert code == 1 and "pull request against main: 0 version(s) added or changed, partner(s) down" in out
    assert "problem: partner down: " in out
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "register down")
    resource(repo, "10.5281/zenodo.3", paths.DATASET / "rdf.yaml", nickname="nick-x")
    code, out = build(repo, capsys, "--pr-base", "main")
    assert code == 0 and "warning (not this PR's): partner down: " in out


def test_the_scope_holds_what_the_pr_adds_or_changes(repo, tmp_path):
    resource(repo, "10.5281/zenodo.1", paths.DATASET / "rdf.yaml", versions=("1", "2"))  # adds version 2
    resource(repo, "10.5281/zenodo.4", paths.DATASET / "rdf.yaml", status="pending")  # not accepted: not built
    resource(repo, "10.5281/zenodo.5", paths.DATASET / "rdf.yaml", versions=("5", "6"))
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "more")
    base = git(repo, "rev-parse", "HEAD").strip()
    data = yamlio.loads((repo / "collection/10.5281/zenodo.5/resource.yaml").read_text(), source="x")
    data["versions"][1]["overrides"] = {"description": "corrected"}  # a maintainer's fix of version 6
    (repo / "collection/10.5281/zenodo.5/resource.yaml").write_text(yamlio.dumps(data))
    partner(repo, "lab", [("10.5281/zenodo.1", "2")])
    scope = pr_scope(repo / "collection", repo / "partners", base)
    changed = frozenset(str(repo / p) for p in ("collection/10.5281/zenodo.5/resource.yaml", "partners/lab.json"))
    assert scope == PrScope(base, frozenset({"10.5281/zenodo.5/6"}), frozenset({"10.5281/zenodo.5"}),
                            frozenset({"lab"}), changed)
    assert pr_scope(repo / "collection", repo / "partners", "main~1").versions == frozenset(
        {"10.5281/zenodo.1/2", "10.5281/zenodo.5/5", "10.5281/zenodo.5/6"})
    assert scope.owns(Problem("partner lab", "x")) and not scope.owns(Problem("partner other", "x"))
    assert scope.owns(Problem("rdfs/10.5281/zenodo.5/6", "cover")) and not scope.owns(Problem("10.5281/zenodo.1/1", "x"))
    assert scope.owns(Problem("nickname 'a'", "used by 2 resources: 10.5281/zenodo.1, 10.5281/zenodo.5"))
    assert scope.owns(Problem(str(repo / "partners/lab.json"), "damaged"))


def test_a_broken_entry_the_pr_adds_to_a_partner_list_fails_it(repo, capsys):
    template = repo / "partners" / "collection_rdf_template.yaml"
    template.write_text(yamlio.dumps({"config": {"partners": [{"id": "zero", "repository": "a/b"}]}}))
    code, out = build(repo, capsys, "--pr-base", "main")
    assert code == 1 and "config.partners[0]: required field 'branch' is missing" in out


def test_a_base_that_does_not_exist_is_bad_usage(repo, capsys):
    code = main(["build", "--store", str(repo / "collection"), "--pr-base", "no-such-branch"])
    assert code == 2 and "no such git revision 'no-such-branch'" in capsys.readouterr().err
