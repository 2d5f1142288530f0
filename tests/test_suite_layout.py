"""Every folder of tests is collected: pytest skips folders that match `norecursedirs`, and its
default list names `build`, which left tests/build out of every run until the list was set."""

from __future__ import annotations

import fnmatch
import tomllib

from testkit.paths import REPO

TESTS = REPO / "tests"


def test_no_folder_of_tests_matches_norecursedirs():
    options = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    patterns = options.get("norecursedirs")
    assert patterns is not None, "without norecursedirs pytest's default list skips tests/build"
    folders = [p for p in TESTS.rglob("*") if p.is_dir() and any(p.glob("test_*.py"))]
    assert any(p.name == "build" for p in folders)  # the folder this test exists for
    skipped = [str(p.relative_to(REPO)) for p in folders
               if any(fnmatch.fnmatch(part, pattern) for part in p.relative_to(TESTS).parts for pattern in patterns)]
    assert skipped == []
