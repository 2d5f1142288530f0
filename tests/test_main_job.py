"""`zoo run` on the embedded default: every stage, offline, and a second run changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.main_job import RunConfig, run_all

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _files(folder: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_embedded_default_end_to_end(tmp_path):
    config = RunConfig.embedded(examples=EXAMPLES, work=tmp_path / "work", site=tmp_path / "site",
                                cache=tmp_path / "cache")
    lines: list[str] = []
    first = run_all(config, say=lines.append)
    assert first.ok, "\n".join(lines)
    assert [stage for stage, _, _ in first.stages] == ["harvest", "propose", "build", "site"]
    # 9 model versions: six example models, three of them also as their 0.4 description
    assert first.build.tests_run == 9 and first.build.failed == []
    collection = json.loads((tmp_path / "site" / "collection.json").read_text())
    types = collection["config"]["n_resources"]
    assert types["model"] == 6 and types["dataset"] == 1 and types["notebook"] == 1 and types["application"] >= 1
    assert {e["id"].split("/")[0] for e in collection["collection"]} >= {"pixel-lab", "macro-kit", "10.5281"}
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "work" / ".git").is_dir()  # the store's own repository, for local PRs

    before = _files(tmp_path / "site")
    second = run_all(config, say=lines.append)
    assert second.ok
    assert (second.build.tests_run, second.build.rebuilt) == (0, 0)
    assert _files(tmp_path / "site") == before
