"""The workflows pass check-jsonschema (structure) and zizmor (security) with nothing of medium or
higher severity; a deliberately bad workflow shows that both checks can fail."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from testkit.paths import REPO
from testkit.workflows import WORKFLOWS, workflow_files

BIN = Path(sys.executable).parent
SEVERE = {"Medium", "High"}
BAD_WORKFLOW = """\
name: bad
on: pull_request_target
jobs:
  greet:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.pull_request.title }}"
"""


def tool(name: str) -> str:
    path = BIN / name
    assert path.is_file(), f"{name} is missing: install the dev extra (pip install -e '.[dev]')"
    return str(path)


def check_jsonschema(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
                           *map(str, files)], capture_output=True, text=True, timeout=120, cwd=REPO)


def zizmor(target: Path) -> list[dict]:
    """Every finding zizmor reports offline, ignore comments disregarded."""
    done = subprocess.run([tool("zizmor"), "--offline", "--no-ignores", "--format", "json", str(target)],
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    # zizmor exits 0 without findings and 10-14 by the worst severity found; anything else is an error.
    assert done.returncode == 0 or 10 <= done.returncode <= 14, done.stderr[-2000:]
    return json.loads(done.stdout)


def severe(findings: list[dict]) -> list[str]:
    return [f"{f['ident']} ({f['determinations']['severity']}): "
            f"{f['locations'][0]['symbolic']['key']['Local']['verbatim_path']}: {f['desc']}"
            for f in findings if f["determinations"]["severity"] in SEVERE]


@pytest.fixture
def bad_repo(tmp_path: Path) -> Path:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "bad.yaml").write_text(BAD_WORKFLOW, encoding="utf-8")
    return tmp_path


def test_workflows_match_the_github_workflow_schema():
    done = check_jsonschema(*workflow_files())
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_refuses_a_job_without_a_runner(tmp_path: Path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("on: push\njobs:\n  x:\n    steps:\n      - run: zoo build\n", encoding="utf-8")
    done = check_jsonschema(broken)
    assert done.returncode == 1
    assert "broken.yaml" in done.stdout + done.stderr


def test_zizmor_finds_nothing_of_medium_or_higher_severity():
    assert severe(zizmor(WORKFLOWS)) == []


def test_zizmor_flags_injection_unpinned_actions_and_dangerous_triggers(bad_repo: Path):
    idents = {f["ident"] for f in zizmor(bad_repo / ".github" / "workflows") if f["determinations"]["severity"] in SEVERE}
    assert {"template-injection", "unpinned-uses", "dangerous-triggers", "artipacked"} <= idents
