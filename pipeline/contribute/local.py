"""A PR backend for a plain local git repository: a branch per PR, one commit on the base branch
whose message is the PR's description (`git log -1 auto-update-<id>` shows it).

Before proposing, the store as harvest left it is committed on the base branch (`record`), so
each PR branch changes only its own resource and `git merge auto-update-<id>` applies cleanly to
the checked-out store. Branches are written with git plumbing through a temporary index, so the
working tree is never touched. A PR is merged when its branch is contained in the base branch;
closing one keeps its tip under `refs/zoo-closed/<branch>` and deletes the branch.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pipeline import defaults
from pipeline.contribute.backend import PullRequest
from pipeline.base.commands import git_text, run_git
from pipeline.errors import BadInput, ExternalToolFailed
from pipeline.store.store import STATE_DIR

CLOSED = "refs/zoo-closed/"
BOT = {"GIT_AUTHOR_NAME": "zoo bot", "GIT_AUTHOR_EMAIL": "zoo-bot@localhost",
       "GIT_COMMITTER_NAME": "zoo bot", "GIT_COMMITTER_EMAIL": "zoo-bot@localhost"}


class LocalGitBackend:
    """PRs as branches of the repository that holds the store."""

    def __init__(self, repo: Path, *, base: str | None = None, store_prefix: str = str(defaults.STORE)):
        self.repo = Path(repo)
        self._base = base
        self.store_prefix = store_prefix.strip("/")

    @property
    def base(self) -> str:
        """The branch PRs target: the one given, else the checked-out branch."""
        if self._base is None:
            try:
                self._base = git_text(["symbolic-ref", "--short", "HEAD"], cwd=self.repo)
            except ExternalToolFailed as e:
                raise BadInput(f"not a git repository with a checked-out branch ({e})", source=str(self.repo)) \
                    from None
        return self._base

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

    def record(self, store: Path) -> str | None:
        """Commit the store's files as they are in the working tree (caches aside) on the base
        branch; the new commit, or None when the base already holds them."""
        prefix = self.store_prefix or "."
        caches = Path(store) / STATE_DIR
        if caches.is_dir() and not (caches / ".gitignore").exists():
            (caches / ".gitignore").write_text("# caches, safe to delete: never committed\n*\n")
        base_tip = self._base_tip()
        with tempfile.TemporaryDirectory(prefix="zoo-index-") as tmp:
            env = {**BOT, "GIT_INDEX_FILE": os.path.join(tmp, "index")}
            run_git(["read-tree", base_tip], cwd=self.repo, env=env)
            caches = f":(exclude){self.store_prefix + '/' if self.store_prefix else ''}{STATE_DIR}"
            run_git(["add", "--all", "--", prefix, caches], cwd=self.repo, env=env)
            tree = git_text(["write-tree"], cwd=self.repo, env=env)
        if tree == git_text(["rev-parse", f"{base_tip}^{{tree}}"], cwd=self.repo):
            return None
        commit = git_text(["commit-tree", tree, "-p", base_tip, "-m", "Record the harvested store before proposing"],
                          cwd=self.repo, env=BOT)
        run_git(["update-ref", f"refs/heads/{self.base}", commit, base_tip], cwd=self.repo)
        if self._checked_out() == self.base:
            # The checked-out branch moved under the index: its entries for the store follow it
            # (the working tree already holds exactly these files).
            run_git(["reset", "--quiet", "--", prefix], cwd=self.repo)
        return commit

    def publish(self, branch: str, title: str, body: str, files: dict[str, bytes],
                existing: PullRequest | None) -> PullRequest:
        base_tip = self._base_tip()
        with tempfile.TemporaryDirectory(prefix="zoo-index-") as tmp:
            env = {**BOT, "GIT_INDEX_FILE": os.path.join(tmp, "index")}
            run_git(["read-tree", base_tip], cwd=self.repo, env=env)
            for path, data in sorted(files.items()):
                blob = git_text(["hash-object", "-w", "--stdin"], cwd=self.repo, input=data)
                run_git(["update-index", "--add", "--cacheinfo", f"100644,{blob},{path}"], cwd=self.repo, env=env)
            tree = git_text(["write-tree"], cwd=self.repo, env=env)
        # The description is the commit's message: it travels with the branch, never into the store.
        commit = git_text(["commit-tree", tree, "-p", base_tip, "-F", "-"], cwd=self.repo, env=BOT,
                          input=f"{title}\n\n{body}".encode())
        run_git(["update-ref", f"refs/heads/{branch}", commit], cwd=self.repo)
        if self._rev(f"{CLOSED}{branch}") is not None:
            run_git(["update-ref", "-d", f"{CLOSED}{branch}"], cwd=self.repo)
        return PullRequest.parse(branch, "open", body, url=f"branch {branch}")

    def description(self, pr: str) -> str:
        tip = self._rev(f"refs/heads/{pr}")
        if tip is None:
            raise BadInput(f"no branch {pr!r} in {self.repo}", source="--pr")
        return self._pr_text(tip)

    def describe(self, pr: str, body: str) -> None:
        """Give the branch's commit a new message (same tree, same parent), so only the description changes."""
        tip = self._rev(f"refs/heads/{pr}")
        if tip is None:
            raise BadInput(f"no branch {pr!r} in {self.repo}", source="--pr")
        parents = git_text(["log", "-1", "--format=%P", tip], cwd=self.repo).split()
        subject = git_text(["log", "-1", "--format=%s", tip], cwd=self.repo)
        args = ["commit-tree", f"{tip}^{{tree}}", *[x for p in parents for x in ("-p", p)], "-F", "-"]
        commit = git_text(args, cwd=self.repo, env=BOT, input=f"{subject}\n\n{body}".encode())
        run_git(["update-ref", f"refs/heads/{pr}", commit, tip], cwd=self.repo)

    def close(self, branch: str) -> None:
        """Close a PR without merging (what a maintainer does by hand with these two refs)."""
        tip = git_text(["rev-parse", "--verify", f"refs/heads/{branch}"], cwd=self.repo)
        run_git(["update-ref", f"{CLOSED}{branch}", tip], cwd=self.repo)
        run_git(["update-ref", "-d", f"refs/heads/{branch}"], cwd=self.repo)

    def _base_tip(self) -> str:
        return git_text(["rev-parse", "--verify", f"refs/heads/{self.base}^{{commit}}"], cwd=self.repo)

    def _checked_out(self) -> str | None:
        result = run_git(["symbolic-ref", "--quiet", "--short", "HEAD"], cwd=self.repo, check=False)
        return result.stdout.decode().strip() if result.returncode == 0 else None

    def _rev(self, ref: str) -> str | None:
        result = run_git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=self.repo, check=False)
        return result.stdout.decode().strip() if result.returncode == 0 else None

    def _pr_text(self, commit: str) -> str:
        # A PR branch is one commit on its base; that commit's message is the description.
        return run_git(["log", "-1", "--format=%B", commit], cwd=self.repo).stdout.decode(errors="replace")
