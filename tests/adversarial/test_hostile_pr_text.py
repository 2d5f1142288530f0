"""Strangers' words in a contribution PR must not act on GitHub: no closing keyword closes an issue
on merge, no @mention notifies anyone, no #N or owner/repo#N references an issue, no HTML renders."""

from __future__ import annotations

import re

import pytest

from pipeline.contribute import proposing
from pipeline.contribute.github import GitHubBackend
from pipeline.contribute.proposing import ProposeConfig
from pipeline.store import Resource, Store, Version

from testkit.github import FakeGitHub, serve_fake
from testkit.paths import DATASET

# what GitHub acts on, as it parses PR titles, bodies and commit messages
CLOSING = re.compile(r"(?i)\b(close[sd]?|fix(e[sd])?|resolve[sd]?)\b:?\s*"
                     r"(#\d+|[\w.-]+/[\w.-]+#\d+|https?://\S+/issues/\d+)")
MENTION = re.compile(r"(?<![\w`])@[A-Za-z0-9][A-Za-z0-9-]*(/[A-Za-z0-9-]+)?")
REFERENCE = re.compile(r"(?<![\w&])(#\d+|GH-\d+)\b|[\w.-]+/[\w.-]+#\d+")
HOSTILE_NAMES = [
    "Fixes #1, closes #2, resolves owner/repo#3 cc @org/team",
    "FIXED: #4 and Closes: https://github.com/owner/repo/issues/5",
    "resolved GH-6 @someone thanks",
    "nuclei net <img src=https://tracker.example/p.png> @dependabot",
    "close\t#7\nfix #8\r\nresolve #9",
    "multi-line\n\nFixes #10\n@here",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_no_stranger_word_acts_in_the_pr_title_body_or_commit(tmp_path, name):
    fake = FakeGitHub()
    server = serve_fake(fake)
    try:
        store = Store(tmp_path / "collection")
        version = Version(version_id="1", rdf_source=str(DATASET / "rdf.yaml"), rdf_sha256="0" * 64,
                          created="2024-01-01T00:00:00Z", doi="10.5281/zenodo.1", name=name, version_name=name)
        store.put(Resource(id="10.5281/zenodo.1", type="dataset", source="zenodo", nickname="calm-cat",
                           name=name, versions=[version]))
        backend = GitHubBackend("owner/repo", "token", api_url=server.url, store_prefix="collection", polite=False)
        summary = proposing.run(ProposeConfig(store.root, backend=backend, max_prs=5))
    finally:
        server.close()
    assert summary.opened == ["10.5281/zenodo.1"], summary.format_text()
    pull = fake.pulls[0]
    for text in (pull["title"], pull["body"]):
        assert not CLOSING.search(text), text
        assert not MENTION.search(text), text
        assert not REFERENCE.search(text), text
    # titles are plain text on GitHub; bodies render some HTML, except inside code blocks
    assert "<img" not in re.sub(r"```.*?```", "", pull["body"], flags=re.S)
    # the name is still readable: only invisible joiners were added
    assert pull["title"].replace("\u2060", "").startswith("New resource: " + " ".join(name.split())[:40])
