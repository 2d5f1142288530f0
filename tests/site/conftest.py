"""Fixtures of the website tests: a generated site folder (see zoo_site_fixture.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# --import-mode=importlib gives test modules no package; the fixture module is shared by path.
sys.path.insert(0, str(Path(__file__).parent))

from zoo_site_fixture import make_site  # noqa: E402


@pytest.fixture
def fake_site(tmp_path: Path) -> tuple[Path, Path, dict]:
    site, partners = tmp_path / "site", tmp_path / "partners"
    site.mkdir()
    entries = make_site(site, partners)
    return site, partners, entries
