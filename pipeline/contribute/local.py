"""A PR backend for a plain local git repository: a branch per PR, its description in `PR.md`.

Branches are written with git plumbing through a temporary index, so the working tree and the
checked-out branch are never touched. A PR is merged when its branch is contained in the base
branch; closing one keeps its tip under `refs/zoo-closed/<branch>` and deletes the branch.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pipeline import defaults
from pipeline.contribute.backend import PullRequest
from pipeline.base.commands import git_text, run_git
from pipeline.errors import BadInput, ExternalToolFailed

CLOSED = "refs/zoo-closed/"
BOT = {"GIT_AUTHOR_NAME": "zoo bot", "GIT_AUTHOR_EMAIL": "zoo-bot@localhost",
       "GIT_COMMITTER_NAME": "zoo bot", "GIT_COMMITTER_EMAIL": "zoo-bot@localhost"}


class LocalGitBackend:
    """PRs as branches of the repository that holds the store."""

    def __init__(self, repo: Path, *, base: str | None = None, store_prefix: str = str(defaults.STORE)):
        self.repo = Path(repo)
        try:
            self.base = base or git_text(["symbolic-ref", "--short", "HEAD"], cwd=self.repo)
        except ExternalToolFailed as e:
            raise BadInput(f"not a git repository with a checked-out branch ({e})", source=str(repo)) from None
        self.store_prefix = store_prefix.strip("/")

    def find(self, branch: str) -> PullRequest | None:
        tip = self._rev(f"refs/heads/{branch}")
        if tip is not None:
            merged = run_git(["merge-base", "--is-ancestor", tip, self.base], cwd=self.repo, check=False)
            state = "merged" if merged.returncode == 0 else "open"
            return PullRequest.parse(branch, state, self._pr_text(tip), url=f"branch {branch}")
        closed = self._rev(f"{CLOSED}{branch}")
        if closed is not None:
            return PullRequest.parse(branch, "closed", self._pr_text(closed), url=f"{CLOSED}{branch}")
        return None

    def publish(self, branch: str, title: str, body: str, files: dict[str, bytes],
                existing: PullRequest | None) -> PullRequest:
        base_tip = git_text(["rev-parse", "--verify", f"refs/heads/{self.base}^{{commit}}"], cwd=self.repo)
        with tempfile.TemporaryDirectory(prefix="zoo-index-") as tmp:
            env = {**BOT, "GIT_INDEX_FILE": os.path.join(tmp, "index")}
            run_git(["read-tree", base_tip], cwd=self.repo, env=env)
            for path, data in sorted(files.items()):
                blob = git_text(["hash-object", "-w", "--stdin"], cwd=self.repo, input=data)
                run_git(["update-index", "--add", "--cacheinfo", f"100644,{blob},{path}"], cwd=self.repo, env=env)
            tree = git_text(["write-tree"], cwd=self.repo, env=env)
        commit = git_text(["commit-tree", tree, "-p", base_tip, "-m", title], cwd=self.repo, env=BOT)
        run_git(["update-ref", f"refs/heads/{branch}", commit], cwd=self.repo)
        if self._rev(f"{CLOSED}{branch}") is not None:
            run_git(["update-ref", "-d", f"{CLOSED}{branch}"], cwd=self.repo)
        return PullRequest.parse(branch, "open", body, url=f"branch {branch}")

    def close(self, branch: str) -> None:
        """Close a PR without merging (what a maintainer does by hand with these two refs)."""
        tip = git_text(["rev-parse", "--verify", f"refs/heads/{branch}"], cwd=self.repo)
        run_git(["update-ref", f"{CLOSED}{branch}", tip], cwd=self.repo)
        run_git(["update-ref", "-d", f"refs/heads/{branch}"], cwd=self.repo)

    def pr_path(self, resource_path: str) -> str:
        return resource_path.rsplit("/", 1)[0] + "/PR.md"

    def _rev(self, ref: str) -> str | None:
        result = run_git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=self.repo, check=False)
        return result.stdout.decode().strip() if result.returncode == 0 else None

    def _pr_text(self, commit: str) -> str:
        # A PR branch is one commit on its base; the PR.md that commit writes is the description.
        changed = git_text(["diff", "--name-only", f"{commit}~1", commit], cwd=self.repo).splitlines()
        for name in changed:
            if name == "PR.md" or name.endswith("/PR.md"):
                return run_git(["show", f"{commit}:{name}"], cwd=self.repo).stdout.decode(errors="replace")
        return ""
