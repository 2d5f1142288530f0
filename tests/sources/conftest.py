"""Shared helpers for the sources tests: small record sets written in the Zenodo shape."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import pytest

from pipeline.sources.recordset import record_json, write_record_set
from testkit.paths import REPO

START = datetime(2024, 1, 1, tzinfo=timezone.utc)


def _dataset_rdf(name: str = "Test Dataset One", version: str = "1.0.0", extra: str = "") -> bytes:
    """A valid dataset RDF (format 0.3.0) whose only file reference is README.md."""
    return f"""format_version: 0.3.0
type: dataset
name: {name}
description: a dataset for tests
authors:
  - name: Test Author
    github_user: tester
cite:
  - text: a paper
    doi: 10.1101/2022.06.07.495102
license: CC0-1.0
documentation: README.md
version: {version}
{extra}""".encode()


def _files_for(rdf: bytes, rdf_name: str = "rdf.yaml") -> dict[str, bytes]:
    return {rdf_name: rdf, "README.md": b"# readme\n"}


@pytest.fixture
def make_records(tmp_path: Path) -> Callable[..., Path]:
    """`make_records([(rid, cid, files, keywords?), ...], page_size=2)` -> a record-set folder."""

    def make(specs: list[tuple], *, page_size: int = 2, name: str = "zenodo") -> Path:
        records = []
        for i, spec in enumerate(specs):
            rid, cid, files = spec[:3]
            keywords = spec[3] if len(spec) > 3 else ["bioimage.io"]
            records.append((record_json(rid, cid, START + timedelta(days=i), files, title=f"record {rid}",
                                        version=f"{i}", keywords=keywords), files))
        folder = tmp_path / name
        write_record_set(folder, records, page_size=page_size)
        return folder

    return make


@pytest.fixture
def dataset_rdf() -> Callable[..., bytes]:
    return _dataset_rdf


@pytest.fixture
def files_for() -> Callable[..., dict[str, bytes]]:
    return _files_for


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    """Tests name the bundled examples by their paths in the repository."""
    monkeypatch.chdir(REPO)
