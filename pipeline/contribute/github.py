"""A PR backend on GitHub through PyGithub: branch `auto-update-<id>`, files via the contents API."""

from __future__ import annotations

from typing import Any

from pipeline import defaults
from pipeline.contribute.backend import PullRequest
from pipeline.errors import BadInput, ExternalToolFailed

DEFAULT_API = "https://api.github.com"
TIMEOUT = 30


class GitHubBackend:
    """PRs on `owner/repo` against `base`; the store lives at `store_prefix` inside the repository."""

    def __init__(self, repository: str, token: str, *, base: str = "main", store_prefix: str = str(defaults.STORE),
                 api_url: str | None = None, polite: bool = True):
        from github import Auth, Github, GithubException

        if repository.count("/") != 1:
            raise BadInput(f"expected OWNER/REPO, got {repository!r}")
        self.owner = repository.split("/")[0]
        self.base = base
        self.store_prefix = store_prefix.strip("/")
        self._errors = GithubException
        # GitHub asks integrations to space out writes (secondary rate limits); PyGithub's
        # defaults do that, and only a test server may switch them off.
        spacing = {} if polite else {"seconds_between_requests": 0, "seconds_between_writes": 0}
        self._github = Github(auth=Auth.Token(token), base_url=(api_url or DEFAULT_API).rstrip("/"),
                              timeout=TIMEOUT, retry=2, **spacing)
        self.repo = self._call(lambda: self._github.get_repo(repository), f"open repository {repository}")

    def record(self, store: Any) -> None:
        """Nothing to do: the harvest's store is never committed on GitHub, each PR carries its resource."""
        return None

    def description(self, pr: str) -> str:
        number = _number(pr)
        pull = self._call(lambda: self.repo.get_pull(number), f"read PR #{number}")
        return pull.body or ""

    def describe(self, pr: str, body: str) -> None:
        number = _number(pr)
        pull = self._call(lambda: self.repo.get_pull(number), f"read PR #{number}")
        self._call(lambda: pull.edit(body=body), f"update the description of PR #{number}")

    def find(self, branch: str) -> PullRequest | None:
        def newest() -> Any:
            found = []
            for pull in self.repo.get_pulls(state="all", head=f"{self.owner}:{branch}", base=self.base):
                found.append(pull)
                if len(found) >= 20:  # a bounded look at the branch's history is enough
                    break
            return max(found, key=lambda p: p.number) if found else None

        pull = self._call(newest, f"list PRs of {branch}")
        if pull is None:
            return None
        state = "merged" if pull.merged_at is not None else pull.state
        pr = PullRequest.parse(branch, state, pull.body or "", url=pull.html_url or "")
        pr.number = pull.number
        return pr

    def publish(self, branch: str, title: str, body: str, files: dict[str, bytes],
                existing: PullRequest | None) -> PullRequest:
        self._call(lambda: self._prepare_branch(branch, fresh=existing is None), f"prepare branch {branch}")
        for path, data in sorted(files.items()):
            self._call(lambda: self._put_file(branch, path, data, title), f"write {path} on {branch}")
        if existing is not None and existing.number is not None:
            number = existing.number
            pull = self._call(lambda: self.repo.get_pull(number), f"read PR #{number}")
            self._call(lambda: pull.edit(title=title, body=body), f"update PR #{number}")
        else:
            pull = self._call(lambda: self.repo.create_pull(title=title, body=body, head=branch, base=self.base),
                              f"open a PR for {branch}")
        return PullRequest.parse(branch, "open", body, url=pull.html_url or "")

    def _prepare_branch(self, branch: str, fresh: bool) -> None:
        base_sha = self.repo.get_branch(self.base).commit.sha
        try:
            ref = self.repo.get_git_ref(f"heads/{branch}")
            ref.object  # the ref is fetched lazily: this is the request that may answer 404
        except self._errors as e:
            if getattr(e, "status", None) != 404:
                raise
            self.repo.create_git_ref(ref=f"refs/heads/{branch}", sha=base_sha)
            return
        if fresh:
            # A branch left over from a merged or closed PR starts again from the base.
            ref.edit(sha=base_sha, force=True)

    def _put_file(self, branch: str, path: str, data: bytes, message: str) -> None:
        try:
            current = self.repo.get_contents(path, ref=branch)
        except self._errors as e:
            if getattr(e, "status", None) != 404:
                raise
            self.repo.create_file(path, message, data, branch=branch)
            return
        if isinstance(current, list):
            raise BadInput(f"{path} is a folder on {branch}")
        if current.decoded_content != data:
            self.repo.update_file(path, message, data, current.sha, branch=branch)

    def _call(self, action: Any, what: str) -> Any:
        try:
            return action()
        except self._errors as e:
            message = e.data.get("message") if isinstance(getattr(e, "data", None), dict) else str(e)
            raise ExternalToolFailed(f"GitHub: could not {what}: {getattr(e, 'status', '')} {message}") from None
        except OSError as e:  # connection refused, DNS, timeouts from requests
            raise ExternalToolFailed(f"GitHub: could not {what}: {e}") from None


def _number(pr: str) -> int:
    if not str(pr).isdigit():
        raise BadInput(f"expected a PR number, got {pr!r}", source="--pr")
    return int(pr)
