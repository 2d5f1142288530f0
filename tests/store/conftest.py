"""Store tests run from the repository root, where the bundled examples live."""


import pytest
from testkit.paths import REPO


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)
