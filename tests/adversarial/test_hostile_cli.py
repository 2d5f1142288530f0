"""Hostile input through the command line: a clear message and an exit code, never a traceback."""

from __future__ import annotations

import pytest

from pipeline.cli import main

from testkit.hostile import billion_laughs
from testkit.hostile import model_copy, npy_header, sha


def _bomb(tmp_path):
    (tmp_path / "rdf.yaml").write_bytes(billion_laughs())
    return str(tmp_path / "rdf.yaml")


def _lying_tensor(tmp_path):
    def edit(rdf, folder):
        (folder / "test_input.npy").write_bytes(npy_header((100_000, 100_000)) + b"\0" * 64)
        rdf["inputs"][0]["test_tensor"]["sha256"] = sha(folder / "test_input.npy")

    return str(model_copy(tmp_path, edit=edit))


CASES = [
    ("validate-alias-bomb", ["validate"], _bomb, 1, "alias bomb"),
    ("validate-file-url", ["validate"], lambda t: "file:///etc/passwd", 1, "only local paths and http(s) URLs"),
    ("validate-ftp-url", ["validate"], lambda t: "ftp://example.org/rdf.yaml", 1, "only local paths"),
    ("validate-missing", ["validate"], lambda t: str(t / "nothing-here"), 2, "no such file or folder"),
    ("validate-lying-tensor", ["validate"], _lying_tensor, 1, "more than the limit"),
    ("upgrade-alias-bomb", ["upgrade"], _bomb, 2, "alias bomb"),
    ("test-lying-tensor", ["test", "--json"], _lying_tensor, 1, "more than the limit"),
]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("command, make, code, fragment", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_input_on_the_command_line(tmp_path, capsys, command, make, code, fragment):
    source = make(tmp_path)
    assert main([*command, source]) == code
    out, err = capsys.readouterr()
    assert fragment in out + err
    assert "Traceback" not in err
