"""An in-memory GitHub speaking the few REST endpoints the PyGithub backend calls, on the loopback server."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import threading
from typing import Any
from urllib.parse import unquote

from testkit.loopback import DROP, LoopbackServer, Request

LOST = object()  # a fault hook's answer: GitHub acted, but the answer never arrives


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
            if branch is None:
                return 404, {"message": "Not Found"}
            return 200, {"name": m.group(1), "commit": {"sha": branch["sha"]}}
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


def serve_fake(fake: FakeGitHub, fault=None) -> LoopbackServer:
    """Serve `fake` on a loopback port (setting `fake.base`). `fault()`, called under the fake's lock
    before each request, may return `(status, data)` to answer instead of acting, or LOST."""

    def answer(request: Request) -> Any:
        body = json.loads(request.body) if request.body else None
        with fake.lock:
            injected = fault() if fault else None
            if injected is None or injected is LOST:
                status, data = fake.handle(request.method, unquote(request.path), request.query, body)
            else:
                status, data = injected
        if injected is LOST:
            return DROP
        return status, {"Content-Type": "application/json"}, json.dumps(data).encode()

    server = LoopbackServer(fallback=answer).start()
    fake.base = server.url
    return server
