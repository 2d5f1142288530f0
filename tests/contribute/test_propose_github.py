"""The PyGithub backend against a loopback server speaking the GitHub REST endpoints it calls."""


import pytest

from pipeline.contribute import proposing
from pipeline.contribute.proposing import ProposeConfig
from pipeline.contribute.github import GitHubBackend
from pipeline.errors import ExternalToolFailed
from pipeline.store import Resource, Store, Version, yaml
from testkit import paths

DATASET = paths.DATASET / "rdf.yaml"


def version(vid: str) -> Version:
    return Version(version_id=vid, rdf_source=str(DATASET), rdf_sha256="0" * 64, created=f"2024-01-0{vid}T00:00:00Z",
                   doi=f"10.5281/zenodo.{vid}", name="Tiny Nuclei Example Images")


def add(store: Store, *versions: Version) -> None:
    store.put(Resource(id="10.5281/zenodo.1", type="dataset", source="zenodo", nickname="calm-cat",
                       name="Tiny Nuclei Example Images", versions=list(versions)))


@pytest.fixture
def setup(github_server, tmp_path):
    store = Store(tmp_path / "collection")
    backend = GitHubBackend("owner/repo", "token", api_url=github_server.base, store_prefix="collection",
                            polite=False)
    return github_server, store, backend


def test_opens_a_pr_with_the_change(setup):
    fake, store, backend = setup
    add(store, version("1"))
    summary = proposing.run(ProposeConfig(store.root, backend=backend, max_prs=5))
    assert summary.opened == ["10.5281/zenodo.1"] and summary.ok
    assert len(fake.pulls) == 1
    pull = fake.pulls[0]
    assert pull["head"]["ref"] == "auto-update-10.5281-zenodo.1" and pull["base"]["ref"] == "main"
    assert "**calm-cat**" in pull["body"] and "validation: passed (dataset 0.3.0" in pull["body"]
    files = fake.branches["auto-update-10.5281-zenodo.1"]["files"]
    assert list(files) == ["collection/10.5281/zenodo.1/resource.yaml"]  # no PR.md: the PR body holds it
    proposed = yaml.loads(files["collection/10.5281/zenodo.1/resource.yaml"], source="x")
    assert [v["status"] for v in proposed["versions"]] == ["accepted"]
    assert fake.branches["main"]["files"] == {}


def test_rerun_updates_the_existing_pr_instead_of_opening_another(setup):
    fake, store, backend = setup
    add(store, version("1"))
    proposing.run(ProposeConfig(store.root, backend=backend, max_prs=5))
    writes = [line for line in fake.log if not line.startswith("GET")]
    assert proposing.run(ProposeConfig(store.root, backend=backend, max_prs=5)).unchanged == ["10.5281/zenodo.1"]
    assert [line for line in fake.log if not line.startswith("GET")] == writes  # nothing written
    add(store, version("2"), version("1"))
    summary = proposing.run(ProposeConfig(store.root, backend=backend, max_prs=5))
    assert summary.updated == ["10.5281/zenodo.1"] and len(fake.pulls) == 1
    assert "### Version 2" in fake.pulls[0]["body"] and "PATCH /repos/owner/repo/pulls/1" in fake.log


def test_closed_pr_stays_closed_until_a_new_version(setup):
    fake, store, backend = setup
    add(store, version("1"))
    proposing.run(ProposeConfig(store.root, backend=backend, max_prs=5))
    fake.close(1)
    assert proposing.run(ProposeConfig(store.root, backend=backend, max_prs=5)).closed == ["10.5281/zenodo.1"]
    assert len(fake.pulls) == 1 and fake.pulls[0]["state"] == "closed"
    add(store, version("2"), version("1"))
    assert proposing.run(ProposeConfig(store.root, backend=backend, max_prs=5)).opened == ["10.5281/zenodo.1"]
    assert [p["state"] for p in fake.pulls] == ["closed", "open"]


def test_merged_pr_counts_as_done_and_a_later_version_starts_fresh(setup):
    fake, store, backend = setup
    add(store, version("1"))
    proposing.run(ProposeConfig(store.root, backend=backend, max_prs=5))
    fake.merge(1)
    assert proposing.run(ProposeConfig(store.root, backend=backend, max_prs=5)).unchanged == ["10.5281/zenodo.1"]
    add(store, version("2"), version("1"))
    assert proposing.run(ProposeConfig(store.root, backend=backend, max_prs=5)).opened == ["10.5281/zenodo.1"]
    assert len(fake.pulls) == 2 and "PATCH /repos/owner/repo/git/refs/heads/auto-update-10.5281-zenodo.1" in fake.log


def test_unreachable_github_is_an_external_tool_failure():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ExternalToolFailed, match="GitHub: could not open repository owner/repo"):
        GitHubBackend("owner/repo", "token", api_url=f"http://127.0.0.1:{port}", polite=False)


def test_command_line_with_github(github_server, repo, monkeypatch, capsys):
    from pipeline.cli import main

    store = Store(repo / "collection")
    add(store, version("1"))
    args = ["propose", "--store", str(repo / "collection"), "--github", "owner/repo", "--github-api", github_server.base]
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    assert main(args) == 2 and "no token" in capsys.readouterr().err
    monkeypatch.setenv("GITHUB_TOKEN", "secret")
    assert main([*args, "--json"]) == 0
    assert '"opened": [\n    "10.5281/zenodo.1"' in capsys.readouterr().out
    assert len(github_server.pulls) == 1
