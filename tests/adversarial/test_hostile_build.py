"""Hostile versions going through the build stage: one bad version is reported, the rest is published."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

import pytest

from pipeline.sources.recordset import record_json, write_record_set
from pipeline.spec import yamlio

from testkit.hostile import npy_header, read_yaml
from testkit.paths import DATASET, MODEL


@pytest.mark.timeout(120)
def test_test_tensor_declaring_billions_of_elements_does_not_stop_the_build(tmp_path, bounded_memory):
    from pipeline import main_job
    from pipeline.main_job import RunConfig

    model = read_yaml(MODEL / "rdf.yaml")
    model["weights"] = {"onnx": {k: v for k, v in model["weights"]["onnx"].items() if k != "parent"}}
    files = {p.name: p.read_bytes() for p in MODEL.iterdir() if p.is_file() and p.name != "rdf.yaml"}
    files["test_input.npy"] = npy_header((100_000, 100_000)) + b"\0" * 128
    model["inputs"][0]["test_tensor"]["sha256"] = hashlib.sha256(files["test_input.npy"]).hexdigest()
    files["rdf.yaml"] = yamlio.dumps(model).encode()
    dataset = {p.name: p.read_bytes() for p in DATASET.iterdir() if p.is_file()}
    when = datetime(2024, 1, 1, tzinfo=timezone.utc)
    write_record_set(tmp_path / "zenodo", [(record_json(501, 500, when, files, title="bad"), files),
                                           (record_json(601, 600, when, dataset, title="good"), dataset)])
    (tmp_path / "partners").mkdir()
    config = RunConfig(zenodo=str(tmp_path / "zenodo"), partners=tmp_path / "partners",
                       store=tmp_path / "work" / "collection", site=tmp_path / "site", cache=tmp_path / "cache",
                       accept=True, own_repository=True, run_tests=False, say=lambda line: None)
    main_job.run(config)
    ids = {e["id"] for e in json.loads((tmp_path / "site" / "collection.json").read_text())["collection"]}
    assert "10.5281/zenodo.600" in ids
