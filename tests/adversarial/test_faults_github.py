"""The GitHub backend failing mid-way through `propose`, at every request of a run in turn.

Two ways to fail at request k: GitHub answers 500 without acting, or GitHub acts and the answer is
lost (the connection drops). After each, a healthy rerun must leave exactly one PR per resource
with the right change, and a further rerun must write nothing: no second PR, no lost change.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.contribute import proposing
from pipeline.contribute.proposing import ProposeConfig
from pipeline.contribute.github import GitHubBackend
from pipeline.errors import ExternalToolFailed
from pipeline.store import Resource, Store, Version

from testkit.github import LOST, FakeGitHub, serve_fake
from testkit.paths import DATASET

RESOURCES = ("10.5281/zenodo.1", "10.5281/zenodo.2")


class FaultyGitHub:
    """FakeGitHub behind a loopback server that fails request number `fail_at` (1-based) in `mode`."""

    def __init__(self):
        self.fake = FakeGitHub()
        self.fail_at: int | None = None
        self.mode = "error"
        self.count = 0
        self.fired = 0
        self.server = serve_fake(self.fake, self._fault)

    def _fault(self):
        self.count += 1
        if self.count != self.fail_at:
            return None
        self.fired += 1
        return (500, {"message": "Server Error"}) if self.mode == "error" else LOST

    def close(self) -> None:
        self.server.close()

    def backend(self) -> GitHubBackend:
        return GitHubBackend("owner/repo", "token", api_url=self.fake.base, store_prefix="collection", polite=False)


def _store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "collection")
    for n, rid in enumerate(RESOURCES, 1):
        version = Version(version_id=str(n), rdf_source=str(DATASET / "rdf.yaml"), rdf_sha256="0" * 64,
                          created=f"2024-01-0{n}T00:00:00Z", doi=f"10.5281/zenodo.{n}", name="Tiny Nuclei")
        store.put(Resource(id=rid, type="dataset", source="zenodo", nickname=f"calm-cat-{n}", name="Tiny Nuclei",
                           versions=[version]))
    return store


def _state(fake: FakeGitHub) -> tuple:
    """What a maintainer sees: PRs per branch (state, title) and every branch's files."""
    pulls = sorted((p["head"]["ref"], p["state"], p["title"]) for p in fake.pulls)
    files = {name: dict(b["files"]) for name, b in fake.branches.items()}
    return pulls, files


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """The requests of a fault-free run and what it leaves on GitHub."""
    server = FaultyGitHub()
    try:
        store = _store(tmp_path_factory.mktemp("clean"))
        assert proposing.run(ProposeConfig(store.root, backend=server.backend(), max_prs=10)).ok
        return server.count, _state(server.fake)
    finally:
        server.close()


def _crash_points() -> list[tuple[str, int]]:
    # A clean run of two resources takes 15 requests (counted by the `clean` fixture, asserted below).
    return [(mode, k) for mode in ("error", "lost") for k in range(1, 16)]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("mode, fail_at", _crash_points())
def test_github_failing_at_any_request_then_rerun(tmp_path, clean, mode, fail_at):
    requests, expected = clean
    assert requests == 15
    server = FaultyGitHub()
    try:
        store = _store(tmp_path)
        server.fail_at, server.mode = fail_at, mode
        try:
            first = proposing.run(ProposeConfig(store.root, backend=server.backend(), max_prs=10))
            assert first.ok or first.failed  # a failure is reported per resource, never raised
        except ExternalToolFailed:
            assert fail_at == 1  # only opening the repository itself may fail the whole run
        assert server.fired == 1
        server.fail_at = None
        second = proposing.run(ProposeConfig(store.root, backend=server.backend(), max_prs=10))
        assert second.ok, second.format_text()
        assert _state(server.fake) == expected
        writes = server.count
        third = proposing.run(ProposeConfig(store.root, backend=server.backend(), max_prs=10))
        assert sorted(third.unchanged) == sorted(RESOURCES)
        assert [line for line in server.fake.log[writes:] if not line.startswith("GET")] == []
    finally:
        server.close()
