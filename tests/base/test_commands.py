"""The one wrapper for external programs: time limits, missing programs and failures become typed errors."""

from __future__ import annotations

import sys

import pytest

from pipeline.base.commands import git_text, run_command, run_git
from pipeline.errors import ExternalToolFailed


def test_output_comes_back_and_stdin_is_closed():
    done = run_command([sys.executable, "-c", "import sys; print(sys.stdin.read() == '')"], timeout=30)
    assert done.stdout.decode().strip() == "True"


def test_a_failure_carries_the_programs_last_words():
    with pytest.raises(ExternalToolFailed, match=r"failed \(3\): boom"):
        run_command([sys.executable, "-c", "import sys; sys.stderr.write('boom'); sys.exit(3)"], timeout=30,
                    label="probe")


def test_unchecked_failure_is_returned():
    assert run_command([sys.executable, "-c", "raise SystemExit(4)"], timeout=30, check=False).returncode == 4


def test_time_limit_and_missing_program():
    with pytest.raises(ExternalToolFailed, match="probe timed out after 0.5 s"):
        run_command([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5, label="probe")
    with pytest.raises(ExternalToolFailed, match="no-such-program-xyz is not installed"):
        run_command(["no-such-program-xyz"], timeout=5)


def test_git_errors_name_the_subcommand(tmp_path):
    run_git(["init", "-q"], cwd=tmp_path)
    assert git_text(["rev-parse", "--is-inside-work-tree"], cwd=tmp_path) == "true"
    with pytest.raises(ExternalToolFailed, match="git rev-parse HEAD failed: .*"):
        run_git(["rev-parse", "HEAD"], cwd=tmp_path)
