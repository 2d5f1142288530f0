"""`zoo run` on the embedded default: every stage, offline, and a second run changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline import main_job
from pipeline.main_job import RunConfig
from testkit.paths import EXAMPLES



def _files(folder: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


@pytest.mark.slow  # every stage twice, model tests included
def test_embedded_default_end_to_end(tmp_path):
    lines: list[str] = []
    config = RunConfig.embedded(examples=EXAMPLES, work=tmp_path / "work", site=tmp_path / "site",
                                cache=tmp_path / "cache", say=lines.append)
    first = main_job.run(config)
    assert first.ok, "\n".join(lines)
    assert [stage for stage, _ in first.stages] == ["harvest", "propose", "build", "site"]
    for name, result in first.stages:  # one interface: ok, problems, to_json, format_text
        assert result.problems == [] and json.loads(json.dumps(result.to_json()))["ok"] is True, name
        assert result.format_text() in lines
    # 9 model versions: six example models, three of them also as their 0.4 description
    assert first.stage("build").tests_run == 9 and first.stage("build").failed == []
    collection = json.loads((tmp_path / "site" / "collection.json").read_text())
    types = collection["config"]["n_resources"]
    assert types["model"] == 6 and types["dataset"] == 1 and types["notebook"] == 1 and types["application"] >= 1
    assert {e["id"].split("/")[0] for e in collection["collection"]} >= {"pixel-lab", "macro-kit", "10.5281"}
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "work" / ".git").is_dir()  # the store's own repository, for local PRs

    before = _files(tmp_path / "site")
    second = main_job.run(config)
    assert second.ok
    assert (second.stage("build").tests_run, second.stage("build").rebuilt) == (0, 0)
    assert _files(tmp_path / "site") == before
