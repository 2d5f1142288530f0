"""Store tests run from the repository root, where the bundled examples live."""

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
