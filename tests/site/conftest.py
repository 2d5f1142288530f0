"""Fixtures of the website tests: a generated site folder (see testkit.site)."""

from __future__ import annotations

from pathlib import Path

import pytest

from testkit.site import make_site


@pytest.fixture
def fake_site(tmp_path: Path) -> tuple[Path, Path, dict]:
    site, partners = tmp_path / "site", tmp_path / "partners"
    site.mkdir()
    entries = make_site(site, partners)
    return site, partners, entries
