"""The data flow test-models.yaml and deploy.yaml rely on, run with the real `zoo` commands on the
bundled examples: `zoo plan` prints one line of matrix JSON (written to $GITHUB_OUTPUT), each
`zoo build --shard I/N` fills its own copy of the cache, the shards' test folders merge by
copying (download-artifact with merge-multiple), and after the merge nothing is pending and the
full build reuses every result."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.runner.testing import TestResult
from testkit.paths import REPO

ZOO = str(Path(sys.executable).parent / "zoo")


def zoo(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run([ZOO, *args], capture_output=True, text=True, timeout=600, cwd=REPO, env=env)
    assert done.returncode == 0, f"zoo {' '.join(args)}: {done.stderr[-3000:]}"
    return done.stdout


@pytest.mark.slow
def test_shards_of_the_plan_merge_into_a_complete_cache(tmp_path: Path):
    env = {**os.environ, "ZOO_ENV_CACHE": str(tmp_path / "envs")}
    store, partners = tmp_path / "collection", tmp_path / "partners"
    partners.mkdir()
    zoo("harvest", "--zenodo", "examples/zenodo", "--partners", "none", "--store", str(store), "--accept", env=env)
    where = ["--store", str(store), "--partners", str(partners)]

    printed = zoo("plan", *where, "--cache", str(tmp_path / "planned"), "--max-jobs", "20", env=env)
    assert printed.count("\n") == 1, "GITHUB_OUTPUT takes the matrix as one line"
    matrix = json.loads(printed)
    shards = [entry["shard"] for entry in matrix["include"]]
    assert len(shards) >= 2 and all(entry["tests"] >= 1 for entry in matrix["include"])

    merged = tmp_path / "merged" / "tests"
    merged.mkdir(parents=True)
    for index, shard in enumerate(shards):
        cache = tmp_path / f"shard-{index}"
        zoo("build", *where, "--cache", str(cache), "--site", str(tmp_path / f"site-{index}"),
            "--shard", shard, "--no-packages", env=env)
        shutil.copytree(cache / "tests", merged, dirs_exist_ok=True)
    tests = sum(entry["tests"] for entry in matrix["include"])
    results = [TestResult.from_json(json.loads(p.read_bytes()), source=str(p)) for p in merged.rglob("*.json")]
    assert len(results) == tests and all(r.tests and r.status == "passed" for r in results)

    assert json.loads(zoo("plan", *where, "--cache", str(merged.parent), env=env)) == {"include": []}
    summary = json.loads(zoo("build", *where, "--cache", str(merged.parent), "--site", str(tmp_path / "site"),
                             "--no-packages", "--json", env=env))
    assert (summary["tests_run"], summary["tests_cached"], summary["problems"]) == (0, tests, [])
