"""The command line stays thin and honest about usage errors."""

import subprocess
import sys

from pipeline.cli import main


def test_unknown_command_is_usage_error(capsys):
    try:
        main(["no-such-command"])
    except SystemExit as e:
        assert e.code == 2
    else:
        raise AssertionError("argparse accepted an unknown command")
    assert "invalid choice" in capsys.readouterr().err


def test_module_entry_point_prints_version():
    out = subprocess.run([sys.executable, "-m", "pipeline", "--version"], capture_output=True, text=True)
    assert out.returncode == 0
    assert out.stdout.startswith("zoo ")
