"""Contribution PRs in a plain git repository: a branch per PR whose commit message is its description;
the harvested store is committed on the base first, so `git merge auto-update-<id>` applies cleanly."""

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


def description(gitcmd, repo: Path, branch: str) -> str:
    return gitcmd(repo, "log", "-1", "--format=%B", branch)


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
    body = description(gitcmd, repo, branch)
    assert "🐈 **calm-cat**" in body and "### Version 2 (1.2)" in body
    assert "validation: passed (dataset 0.3.0" in body and "- [ ] The validation report passed" in body
    assert "### Version 1 " not in body  # only the new version is up for review
    assert "Block** by setting `status: blocked`" in body
    assert "PR.md" not in gitcmd(repo, "ls-tree", "-r", "--name-only", branch)
    # The harvest was committed on main first; the working tree still holds exactly those files.
    recorded = gitcmd(repo, "rev-parse", "main")
    assert recorded != head and gitcmd(repo, "rev-parse", f"{recorded}~1") == head
    assert gitcmd(repo, "status", "--porcelain") == "" != status
    assert gitcmd(repo, "rev-parse", f"{branch}~1") == recorded
    assert gitcmd(repo, "diff", "--name-only", recorded, branch) == "collection/10.5281/zenodo.1/resource.yaml"


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
    assert "### Version 2 (1.2)" in description(gitcmd, repo, branch)
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
    bad.write_text(DATASET.read_text() + "\nnot_a_field: 1\n")
    store = Store(repo / "collection")
    add(store, "10.5281/zenodo.1", version("1", rdf=bad))
    proposing.run(ProposeConfig(store.root, backend=LocalGitBackend(repo), max_prs=10))
    body = description(gitcmd, repo, "auto-update-10.5281-zenodo.1")
    assert "validation: **FAILED** (dataset 0.3.0, " in body and "error   not_a_field: unknown field" in body


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




def test_the_merge_the_docs_describe_applies_cleanly_and_keeps_descriptions_out_of_the_store(repo, gitcmd):
    """docs/operating.md, local mode: harvest, propose, `git merge auto-update-<id>`."""
    from pipeline.sources import harvesting
    from pipeline.sources.harvesting import HarvestConfig

    assert harvesting.run(HarvestConfig(str(paths.EXAMPLES / "zenodo"), None, repo / "collection")).ok
    summary = proposing.run(ProposeConfig(repo / "collection", backend=LocalGitBackend(repo), max_prs=3))
    assert len(summary.opened) == 3 and summary.ok
    assert gitcmd(repo, "status", "--porcelain") == ""  # the harvest is committed, its caches ignored
    for rid in summary.opened:
        gitcmd(repo, "merge", "--no-edit", branch_name(rid))
        merged = Store(repo / "collection").get(rid)
        assert merged.versions and all(v.status == "accepted" for v in merged.versions)
    assert gitcmd(repo, "status", "--porcelain") == ""
    assert [p for p in gitcmd(repo, "ls-files").splitlines() if p.endswith("PR.md")] == []
    unmerged = Store(repo / "collection").get(summary.deferred[0])
    assert {v.status for v in unmerged.versions} == {"pending"}  # recorded on main, still up for review
    assert proposing.run(ProposeConfig(repo / "collection", backend=LocalGitBackend(repo), max_prs=0)).ok


@pytest.mark.slow  # a dozen commands in subprocesses
def test_the_local_review_in_the_docs_runs_as_written(repo, gitcmd, tmp_path):
    """The block of docs/operating.md, "The local mode", after a harvest of the examples."""
    import os
    import subprocess
    import sys

    from pipeline.sources import harvesting
    from pipeline.sources.harvesting import HarvestConfig

    guide = (paths.REPO / "docs" / "operating.md").read_text()
    block = guide.split("## The local mode", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    lines = [line for line in block.splitlines() if not line.startswith("zoo harvest")]
    assert harvesting.run(HarvestConfig(str(paths.EXAMPLES / "zenodo"), None, repo / "collection")).ok
    rid = "10.5281/zenodo.8165450"  # the example notebook: no model to test
    script = "set -e\nzoo() { \"$PYTHON\" -m pipeline \"$@\"; }\n" + "\n".join(lines).replace(
        "<id>", branch_name(rid).removeprefix("auto-update-"))
    env = {**os.environ, "PYTHON": sys.executable, "PYTHONPATH": str(paths.REPO), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    done = subprocess.run(["bash", "-c", script], cwd=repo, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert {v.status for v in Store(repo / "collection").get(rid).versions} == {"accepted"}
    described = description(gitcmd, repo, branch_name(rid))
    assert "## Check results" in described and "all 1 version(s) pass" in described
    assert gitcmd(repo, "status", "--porcelain") == "" and not (tmp_path / "check").exists()
