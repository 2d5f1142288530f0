"""`zoo validate` and `zoo upgrade` on the command line: output forms and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.spec import yamlio

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = str(FIXTURES / "valid" / "model-0.5")
BAD = str(FIXTURES / "invalid" / "m05_bad_doi.yaml")


def test_all_passing_exits_0_with_readable_report(capsys):
    assert main(["validate", GOOD, str(FIXTURES / "valid" / "generic-0.2")]) == 0
    out = capsys.readouterr().out
    assert f"{GOOD}: passed (model 0.5.4, 0 error(s), 0 warning(s))" in out


def test_json_object_with_one_report_per_source_and_exit_1_when_any_fails(capsys, tmp_path):
    assert main(["validate", "--json", GOOD, BAD]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and [r["status"] for r in data["reports"]] == ["passed", "failed"]
    assert data["reports"][1]["errors"] == [{"loc": ["cite", 0, "doi"], "type": "doi",
                                             "msg": "expected a DOI like 10.1234/abc, got 'doi-is-not-this'"}]
    missing = str(tmp_path / "nothing-here")
    assert main(["validate", "--json", GOOD, missing]) == 2  # an input that does not exist is bad usage
    assert f"{missing}: no such file or folder" in capsys.readouterr().err


def test_no_io_skips_file_checks(capsys):
    bad_sha = str(FIXTURES / "invalid" / "m05_sha256_mismatch.yaml")
    assert main(["validate", bad_sha]) == 1
    assert main(["validate", "--no-io", bad_sha]) == 0


def test_bad_usage_exits_2():
    with pytest.raises(SystemExit) as info:
        main(["validate"])
    assert info.value.code == 2


def test_upgrade_prints_latest_yaml(capsys):
    assert main(["upgrade", str(FIXTURES / "valid" / "generic-0.2")]) == 0
    upgraded = yamlio.loads(capsys.readouterr().out, source="stdout")
    assert upgraded["format_version"] == "0.3.4" and upgraded["authors"][0] == {"name": "Jane Doe"}


def test_upgrade_names_what_the_source_does_not_say_and_exits_1(capsys):
    # the 0.4 fixture's torchscript weights give no pytorch_version, which format 0.5 requires
    assert main(["upgrade", str(FIXTURES / "valid" / "model-0.4")]) == 1
    captured = capsys.readouterr()
    upgraded = yamlio.loads(captured.out, source="stdout")
    assert upgraded["format_version"] == "0.5.14" and upgraded["inputs"][0]["id"] == "raw"
    assert "pytorch_version" not in upgraded["weights"]["torchscript"]
    assert captured.err == ("zoo upgrade: weights.torchscript.pytorch_version: field required "
                            "(the source does not say it; add it)\n")


def test_upgrade_of_invalid_rdf_exits_1_and_unreadable_exits_2(capsys, tmp_path):
    assert main(["upgrade", BAD]) == 1
    assert "not format-valid" in capsys.readouterr().err
    (tmp_path / "rdf.yaml").write_text("a: [\n")
    assert main(["upgrade", str(tmp_path / "rdf.yaml")]) == 2
    assert "malformed YAML" in capsys.readouterr().err


def test_console_script_runs_end_to_end():
    out = subprocess.run([sys.executable, "-m", "pipeline", "validate", "--json", BAD], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 1 and json.loads(out.stdout)["reports"][0]["status"] == "failed"
    assert "Traceback" not in out.stderr
