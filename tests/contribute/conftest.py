"""A loopback server speaking the few GitHub REST endpoints the PyGithub backend calls, and git repos."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}


class FakeGitHub:
    """In-memory repository `owner/repo`: branches with files, pull requests, a request log."""

    def __init__(self):
        self.counter = itertools.count(1)
        self.branches: dict[str, dict[str, Any]] = {"main": {"sha": self._sha("main"), "files": {}}}
        self.pulls: list[dict[str, Any]] = []
        self.log: list[str] = []
        self.lock = threading.Lock()
        self.base = ""

    def _sha(self, seed: str) -> str:
        return hashlib.sha1(f"{seed}{next(self.counter)}".encode()).hexdigest()

    def close(self, number: int) -> None:
        self.pulls[number - 1]["state"] = "closed"

    def merge(self, number: int) -> None:
        pull = self.pulls[number - 1]
        pull.update(state="closed", merged_at="2024-01-01T00:00:00Z")
        main = self.branches["main"]
        main["files"].update(self.branches[pull["head"]["ref"]]["files"])
        main["sha"] = self._sha("merge")

    def pull_json(self, pull: dict[str, Any]) -> dict[str, Any]:
        number = pull["number"]
        return {**pull, "url": f"{self.base}/repos/owner/repo/pulls/{number}",
                "html_url": f"https://github.test/owner/repo/pull/{number}", "id": number}

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        self.log.append(f"{method} {path}")
        repo = "/repos/owner/repo"
        if method == "GET" and path == repo:
            return 200, {"id": 1, "name": "repo", "full_name": "owner/repo", "owner": {"login": "owner"},
                         "url": f"{self.base}{repo}", "default_branch": "main"}
        if path == f"{repo}/pulls":
            if method == "GET":
                head = query.get("head", [""])[0].split(":", 1)[-1]
                return 200, [self.pull_json(p) for p in reversed(self.pulls) if p["head"]["ref"] == head]
            if any(p["head"]["ref"] == body["head"] and p["state"] == "open" for p in self.pulls):
                return 422, {"message": "A pull request already exists"}
            if body["head"] not in self.branches:
                return 422, {"message": "head branch does not exist"}
            pull = {"number": len(self.pulls) + 1, "state": "open", "title": body["title"], "body": body["body"],
                    "merged_at": None, "head": {"ref": body["head"]}, "base": {"ref": body["base"]}}
            self.pulls.append(pull)
            return 201, self.pull_json(pull)
        if m := re.fullmatch(rf"{repo}/pulls/(\d+)", path):
            pull = self.pulls[int(m.group(1)) - 1]
            if method == "PATCH":
                pull.update({k: v for k, v in body.items() if k in ("title", "body", "state")})
            return 200, self.pull_json(pull)
        if m := re.fullmatch(rf"{repo}/branches/(.+)", path):
            branch = self.branches.get(m.group(1))
            return (200, {"name": m.group(1), "commit": {"sha": branch["sha"]}}) if branch else (404, {"message": "Not Found"})
        if m := re.fullmatch(rf"{repo}/git/refs?/heads/(.+)", path):
            name = m.group(1)
            if name not in self.branches:
                return 404, {"message": "Not Found"}
            if method == "PATCH":
                source = next(b for b in self.branches.values() if b["sha"] == body["sha"])
                self.branches[name] = {"sha": self._sha(name), "files": dict(source["files"])}
            return 200, self.ref_json(name)
        if method == "POST" and path == f"{repo}/git/refs":
            name = body["ref"].removeprefix("refs/heads/")
            if name in self.branches:
                return 422, {"message": "Reference already exists"}
            source = next(b for b in self.branches.values() if b["sha"] == body["sha"])
            self.branches[name] = {"sha": self._sha(name), "files": dict(source["files"])}
            return 201, self.ref_json(name)
        if m := re.fullmatch(rf"{repo}/contents/(.+)", path):
            return self.contents(method, m.group(1), query, body)
        return 404, {"message": "Not Found"}

    def ref_json(self, name: str) -> dict[str, Any]:
        return {"ref": f"refs/heads/{name}", "url": f"{self.base}/repos/owner/repo/git/refs/heads/{name}",
                "object": {"sha": self.branches[name]["sha"], "type": "commit"}}

    def contents(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        branch = (query.get("ref") or [body.get("branch") if body else "main"])[0]
        files = self.branches[branch]["files"]
        if method == "GET":
            if path not in files:
                return 404, {"message": "Not Found"}
            return 200, self.file_json(path, files[path])
        data = base64.b64decode(body["content"])
        if path in files and body.get("sha") != self.blob_sha(files[path]):
            return 409, {"message": "sha does not match"}
        if path not in files and body.get("sha"):
            return 422, {"message": "file does not exist"}
        files[path] = data
        self.branches[branch]["sha"] = self._sha(branch)
        return (201 if not body.get("sha") else 200), {"content": self.file_json(path, data),
                                                       "commit": {"sha": self.branches[branch]["sha"]}}

    def blob_sha(self, data: bytes) -> str:
        return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()

    def file_json(self, path: str, data: bytes) -> dict[str, Any]:
        return {"type": "file", "encoding": "base64", "content": base64.b64encode(data).decode(),
                "sha": self.blob_sha(data), "path": path, "name": path.rsplit("/", 1)[-1], "size": len(data),
                "url": f"{self.base}/repos/owner/repo/contents/{path}"}


LOST = object()  # a fault hook's answer: GitHub acted, but the answer never arrives


def serve_fake(fake: "FakeGitHub", fault=None) -> ThreadingHTTPServer:
    """Serve `fake` on a loopback port (setting `fake.base`). `fault()`, called under the fake's lock
    before each request, may return `(status, data)` to answer instead of acting, or LOST."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else each keep-alive answer waits ~40 ms for a delayed ACK

        def log_message(self, *args):
            pass

        def _serve(self):
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            with fake.lock:
                injected = fault() if fault else None
                if injected is None or injected is LOST:
                    status, data = fake.handle(self.command, unquote(parts.path), parse_qs(parts.query), body)
                else:
                    status, data = injected
            if injected is LOST:
                self.close_connection = True
                return
            raw = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = do_PATCH = do_PUT = _serve

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    fake.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@pytest.fixture
def github_server():
    fake = FakeGitHub()
    httpd = serve_fake(fake)
    yield fake
    httpd.shutdown()
    httpd.server_close()


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
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
