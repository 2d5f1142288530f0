"""`zoo run` killed with SIGKILL at random points, then rerun: the store always parses, nothing is
lost or duplicated, and the rerun finishes with the same store and site a clean run produces."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.store import yaml as store_yaml

from testkit.paths import EXAMPLES

ZOO = [str(Path(sys.executable).with_name("zoo"))]
CRASH_POINTS = 6
SEED = 20261129  # fixed so a failure can be replayed; the points still spread over every stage


def _workdir(tmp: Path) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "examples").symlink_to(EXAMPLES)
    return tmp


def _start(cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([*ZOO, "run", "--no-tests", "--jobs", "1"], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)


def _run(cwd: Path) -> None:
    proc = _start(cwd)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()[-3000:]


def _store_state(cwd: Path) -> dict[str, bytes]:
    """Every resource.yaml parses and lists unique versions; returned normalised for comparison."""
    out = {}
    store = cwd / ".zoo" / "collection"
    for path in sorted(store.rglob("resource.yaml")):
        data = store_yaml.loads(path.read_bytes(), source=str(path))
        ids = [v["version_id"] for v in data.get("versions", [])]
        assert len(ids) == len(set(ids)), f"duplicated version in {path}"
        text = re.sub(rb"created: '[^']*'", b"created: T", path.read_bytes().replace(str(cwd).encode(), b"W"))
        out[str(path.relative_to(store))] = text
    return out


def _site_state(cwd: Path) -> dict:
    """collection.json parses (it is replaced atomically) and names each resource once."""
    path = cwd / "site" / "collection.json"
    if not path.exists():
        return {}
    entries = json.loads(path.read_bytes())["collection"]
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids)), "a resource is listed twice"
    return {e["id"]: sorted(e.get("versions") or []) for e in entries}


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_sigkill_at_random_points_then_rerun(tmp_path):
    clean = _workdir(tmp_path / "clean")
    started = time.monotonic()
    _run(clean)
    duration = time.monotonic() - started
    expected_store, expected_site = _store_state(clean), _site_state(clean)
    assert len(expected_store) >= 5 and expected_site

    rng = random.Random(SEED)
    killed = 0
    for point in range(CRASH_POINTS):
        work = _workdir(tmp_path / f"killed-{point}")
        proc = _start(work)
        time.sleep(rng.uniform(0.2, 0.95 * duration))  # anywhere from start-up to the site stage
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the whole group, as a cancelled CI job would
            killed += 1
        proc.wait()
        proc.stderr.close()
        assert set(_store_state(work)) <= set(expected_store)  # parses after the crash, no duplicates
        assert set(_site_state(work)) <= set(expected_site)
        _run(work)
        assert _store_state(work) == expected_store
        assert _site_state(work) == expected_site
    assert killed >= CRASH_POINTS - 2  # nearly every point really interrupted a run
