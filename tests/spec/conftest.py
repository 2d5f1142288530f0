"""Fixtures of the format library's tests: a loopback file server and RDF writers."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.base.http import HttpPolicy
from testkit.loopback import LoopbackServer

FIXTURES = Path(__file__).parent / "fixtures"


def _zenodo_style(path: str) -> str:
    """`/api/records/<id>/files/<name>/content` names `<name>` in the served folder."""
    parts = path.split("/")
    if len(parts) >= 6 and parts[1:3] == ["api", "records"] and parts[4] == "files" and parts[-1] == "content":
        return "/" + "/".join(parts[5:-1])
    return path


@pytest.fixture
def serve():
    """Start a loopback HTTP server for a folder; returns (base_url, policy trusting it)."""
    servers = []

    def start(folder: Path) -> tuple[str, HttpPolicy]:
        server = LoopbackServer(files=folder, map_path=_zenodo_style).start()
        servers.append(server)
        return server.url, HttpPolicy(retries=0, read_timeout=5, connect_timeout=5).trusting(server.url)

    yield start
    for server in servers:
        server.close()
