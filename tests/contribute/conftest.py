"""Fixtures of the contribution tests: the in-memory GitHub (testkit.github) and git repositories."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from testkit.paths import REPO

from testkit.github import FakeGitHub, serve_fake

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}


@pytest.fixture
def github_server():
    fake = FakeGitHub()
    server = serve_fake(fake)
    yield fake
    server.close()


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=GIT_ENV).stdout.decode().strip()


@pytest.fixture
def repo(tmp_path) -> Path:
    """A git repository on branch main with one commit and an empty collection/ folder."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "README.md").write_text("zoo\n")
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "init")
    (path / "collection").mkdir()
    return path


@pytest.fixture
def gitcmd():
    return git


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    """Tests name the bundled examples by their paths in the repository."""
    monkeypatch.chdir(REPO)
