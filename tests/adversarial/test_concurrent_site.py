"""Several `zoo site` (and `zoo build`) runs on one site folder: they take turns, none crashes or
hangs, and the folder ends complete; a run killed while it holds the folder does not block the next."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from testkit.paths import REPO
from testkit.site import make_site

ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def _zoo(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pipeline", *args], env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)


def _complete(site: Path, entries: dict) -> None:
    manifest = json.loads((site / ".zoo-site.json").read_text())
    assert set(manifest["resources"]) == set(entries)
    for entry in manifest["resources"].values():
        assert all((site / page).is_file() for page in entry["pages"])
    assert (site / "index.html").is_file() and (site / "pagefind").is_dir()


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("runs", [2, 3])
def test_concurrent_site_runs_take_turns(tmp_path, runs):
    site, partners = tmp_path / "site", tmp_path / "partners"
    entries = make_site(site, partners)
    procs = [_zoo("site", "--site", str(site), "--partners", str(partners)) for _ in range(runs)]
    outputs = [p.communicate(timeout=240)[0].decode(errors="replace") for p in procs]
    assert [p.returncode for p in procs] == [0] * runs, outputs
    assert not any("Traceback" in out for out in outputs), outputs
    _complete(site, entries)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_site_run_killed_while_it_holds_the_folder_does_not_block_the_next(tmp_path):
    site, partners = tmp_path / "site", tmp_path / "partners"
    entries = make_site(site, partners)
    first = _zoo("site", "--site", str(site), "--partners", str(partners))
    deadline = time.monotonic() + 60
    while not any(site.glob("**/*.html")) and time.monotonic() < deadline:
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.communicate()
    second = _zoo("site", "--site", str(site), "--partners", str(partners))
    out = second.communicate(timeout=240)[0].decode(errors="replace")
    assert second.returncode == 0, out
    _complete(site, entries)
