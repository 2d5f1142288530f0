"""Runner test fixtures; helpers live in testkit.runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from testkit.paths import MODELS
from testkit.runner import read_rdf, sha, write_rdf


@pytest.fixture
def nuclei_copy(tmp_path: Path):
    """A writable copy of the 2D example reduced to its pytorch_state_dict weights, with an edit hook."""

    def make(architecture: str | None = None, edit=None) -> Path:
        folder = tmp_path / "model"
        shutil.copytree(MODELS / "nuclei-boundary-2d", folder)
        rdf = read_rdf(folder / "rdf.yaml")
        entry = rdf["weights"]["pytorch_state_dict"]
        rdf["weights"] = {"pytorch_state_dict": entry}
        if architecture is not None:
            (folder / "nuclei_net.py").write_text(architecture, encoding="utf-8")
            entry["architecture"]["sha256"] = sha(folder / "nuclei_net.py")
        if edit:
            edit(rdf, folder)
        write_rdf(folder / "rdf.yaml", rdf)
        return folder

    return make




@pytest.fixture(autouse=True)
def cpu_tests(monkeypatch):
    """Requirement sets as on a CPU runner, whatever this machine has (test_devices covers CUDA)."""
    monkeypatch.setenv("ZOO_TEST_DEVICE", "cpu")
