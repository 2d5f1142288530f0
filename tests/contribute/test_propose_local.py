"""Contribution PRs in a plain git repository: branches with the change and a PR.md, never the worktree."""

from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.contribute import proposing
from pipeline.contribute.local import LocalGitBackend
from pipeline.contribute.proposing import ProposeConfig
from pipeline.contribute.proposing import branch_name
from pipeline.store import Resource, Store, Version, yaml
from testkit import paths

DATASET = paths.DATASET / "rdf.yaml"


def version(vid: str, rdf: Path = DATASET, status: str = "pending") -> Version:
    return Version(version_id=vid, rdf_source=str(rdf), rdf_sha256="0" * 64, created=f"2024-01-{int(vid):02d}T00:00:00Z",
                   status=status, doi=f"10.5281/zenodo.{vid}", name="Tiny Nuclei Example Images", version_name=f"1.{vid}")


def add(store: Store, rid: str, *versions: Version, status: str = "accepted", nickname: str = "calm-cat") -> None:
    store.put(Resource(id=rid, type="dataset", source="zenodo", status=status, nickname=nickname, nickname_icon="🐈",
                       name="Tiny Nuclei Example Images", versions=list(versions)))


def show(gitcmd, repo: Path, branch: str, path: str) -> str:
    return gitcmd(repo, "show", f"{branch}:{path}")


@pytest.mark.parametrize(
    ("rid", "branch"),
    [("10.5281/zenodo.5764892", "auto-update-10.5281-zenodo.5764892"),
     ("ilastik/Unet 2D", "auto-update-ilastik-unet-2d"), ("a/../b", "auto-update-a-.-b")],
)
def test_branch_names(rid, branch):
    assert branch_name(rid) == branch


def test_one_branch_per_resource_with_the_accepted_change(repo, gitcmd):
    store = Store(repo / "collection")
    add(store, "10.5281/zenodo.1", version("2"), version("1", status="accepted"))
    add(store, "10.5281/zenodo.3", version("3"), nickname="bold-bat")
    head, status = gitcmd(repo, "rev-parse", "HEAD"), gitcmd(repo, "status", "--porcelain")
    summary = proposing.run(ProposeConfig(store.root, backend=LocalGitBackend(repo), max_prs=10))
    assert summary.opened == ["10.5281/zenodo.1", "10.5281/zenodo.3"] and summary.ok
    branch = "auto-update-10.5281-zenodo.1"
    proposed = yaml.loads(show(gitcmd, repo, branch, "collection/10.5281/zenodo.1/resource.yaml"), source="x")
    assert [(v["version_id"], v["status"]) for v in proposed["versions"]] == [("2", "accepted"), ("1", "accepted")]
    body = show(gitcmd, repo, branch, "collection/10.5281/zenodo.1/PR.md")
    assert "🐈 **calm-cat**" in body and "### Validation report for version 2" in body
    assert "passed (dataset 0.3.0" in body and "- [ ] The validation report above passed" in body
    assert "Validation report for version 1" not in body  # only the new version is up for review
    assert "Block** by setting `status: blocked`" in body
    # The checked-out branch and the working tree are untouched.
    assert gitcmd(repo, "rev-parse", "HEAD") == head and gitcmd(repo, "status", "--porcelain") == status
    assert gitcmd(repo, "rev-parse", f"{branch}~1") == head


def test_rerun_is_idempotent_and_a_new_version_updates_the_same_pr(repo, gitcmd):
    store = Store(repo / "collection")
    add(store, "10.5281/zenodo.1", version("1"))
    backend = LocalGitBackend(repo)
    proposing.run(ProposeConfig(store.root, backend=backend, max_prs=10))
    branch = "auto-update-10.5281-zenodo.1"
    tip = gitcmd(repo, "rev-parse", branch)
    again = proposing.run(ProposeConfig(store.root, backend=backend, max_prs=10))
    assert again.unchanged == ["10.5281/zenodo.1"] and again.opened == [] and gitcmd(repo, "rev-parse", branch) == tip
    add(store, "10.5281/zenodo.1", version("2"), version("1"))
    updated = proposing.run(ProposeConfig(store.root, backend=backend, max_prs=10))
    assert updated.updated == ["10.5281/zenodo.1"] and gitcmd(repo, "rev-parse", branch) != tip
    assert "Validation report for version 2" in show(gitcmd, repo, branch, "collection/10.5281/zenodo.1/PR.md")
    assert gitcmd(repo, "branch", "--list", "auto-update-*").count("auto-update") == 1


def test_cap_per_run_defers_the_rest(repo):
    store = Store(repo / "collection")
    for i in range(1, 4):
        add(store, f"10.5281/zenodo.{i}", version(str(i)), nickname=f"n-{i}")
    backend = LocalGitBackend(repo)
    first = proposing.run(ProposeConfig(store.root, backend=backend, max_prs=1))
    assert first.opened == ["10.5281/zenodo.1"] and first.deferred == ["10.5281/zenodo.2", "10.5281/zenodo.3"]
    second = proposing.run(ProposeConfig(store.root, backend=backend, max_prs=1))
    assert second.opened == ["10.5281/zenodo.2"] and second.unchanged == ["10.5281/zenodo.1"]
    assert proposing.run(ProposeConfig(store.root, backend=backend, max_prs=0)).deferred == ["10.5281/zenodo.3"]


def test_closed_pr_is_not_reopened_until_a_new_version(repo, gitcmd):
    store = Store(repo / "collection")
    add(store, "10.5281/zenodo.1", version("1"))
    backend = LocalGitBackend(repo)
    proposing.run(ProposeConfig(store.root, backend=backend, max_prs=10))
    backend.close("auto-update-10.5281-zenodo.1")
    summary = proposing.run(ProposeConfig(store.root, backend=backend, max_prs=10))
    assert summary.closed == ["10.5281/zenodo.1"] and summary.opened == []
    assert gitcmd(repo, "branch", "--list", "auto-update-*") == ""
    add(store, "10.5281/zenodo.1", version("2"), version("1"))
    summary = proposing.run(ProposeConfig(store.root, backend=backend, max_prs=10))
    assert summary.opened == ["10.5281/zenodo.1"]
    assert backend.find("auto-update-10.5281-zenodo.1").versions == ["2", "1"]


def test_merged_pr_counts_as_done(repo, gitcmd):
    store = Store(repo / "collection")
    add(store, "10.5281/zenodo.1", version("1"))
    backend = LocalGitBackend(repo)
    proposing.run(ProposeConfig(store.root, backend=backend, max_prs=10))
    # Merged (fast-forward) without touching the working tree, which holds the untracked store.
    gitcmd(repo, "update-ref", "refs/heads/main", "auto-update-10.5281-zenodo.1")
    assert backend.find("auto-update-10.5281-zenodo.1").state == "merged"
    assert proposing.run(ProposeConfig(store.root, backend=backend, max_prs=10)).unchanged == ["10.5281/zenodo.1"]


def test_blocked_resources_are_never_proposed(repo, gitcmd):
    store = Store(repo / "collection")
    add(store, "10.5281/zenodo.1", version("1"), status="blocked")
    add(store, "10.5281/zenodo.2", version("2", status="blocked"), nickname="n2")
    summary = proposing.run(ProposeConfig(store.root, backend=LocalGitBackend(repo), max_prs=10))
    assert summary.blocked == ["10.5281/zenodo.1"] and summary.opened == []
    assert gitcmd(repo, "branch", "--list", "auto-update-*") == ""


def test_invalid_rdf_shows_its_report(repo, gitcmd, tmp_path):
    bad = tmp_path / "bad" / "rdf.yaml"
    bad.parent.mkdir()
    bad.write_text(DATASET.read_text().replace("name: Tiny Nuclei Example Images", "name: x!"))
    store = Store(repo / "collection")
    add(store, "10.5281/zenodo.1", version("1", rdf=bad))
    proposing.run(ProposeConfig(store.root, backend=LocalGitBackend(repo), max_prs=10))
    body = show(gitcmd, repo, "auto-update-10.5281-zenodo.1", "collection/10.5281/zenodo.1/PR.md")
    assert "FAILED" in body and "name:" in body


def test_command_line(repo, capsys, tmp_path):
    store = Store(repo / "collection")
    add(store, "10.5281/zenodo.1", version("1"))
    assert main(["propose", "--store", str(repo / "collection")]) == 0
    assert "1 opened" in capsys.readouterr().out
    assert main(["propose", "--store", str(repo / "collection"), "--max", "-1"]) == 2
    outside = tmp_path / "not-git"
    outside.mkdir()
    assert main(["propose", "--store", str(outside)]) == 2
    assert "not inside a git repository" in capsys.readouterr().err


def test_body_stays_under_githubs_limit_and_reports_cannot_break_out():
    from pipeline.contribute.body import body

    resource = Resource(id="10.5281/zenodo.1", type="model", source="zenodo", nickname="calm-cat")
    versions = [version(str(i)) for i in range(1, 9)]
    text = body(resource, versions, "d" * 16, {v.version_id: "```\n<script>x</script>\n" + "e" * 30_000
                                                for v in versions})
    assert len(text) < 65_536
    assert text.count("```") == 2 * len(versions)  # only our own fences
    assert text.count("... (truncated)") == len(versions)


def test_untrusted_names_stay_on_one_line():
    from pipeline.contribute.body import body, title

    resource = Resource(id="10.5281/zenodo.1", type="model", source="zenodo", nickname="calm-cat",
                        name="Evil\n- [x] Approved by maintainers | `x`")
    v = version("1")
    v.version_name = "1.0\n\n## Merge me"
    text = body(resource, [v], "d" * 16, {"1": "passed"})
    assert "\n- [x] Approved" not in text and "\n## Merge me" not in text
    assert "## Evil - [x] Approved by maintainers / 'x'" in text
    assert "\n" not in title(resource, [v])
