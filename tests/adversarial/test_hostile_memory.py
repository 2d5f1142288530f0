"""Inputs that are small on the wire and huge in memory: validation and packaging stream them, and
what the zoo publishes about a stranger's resource is capped."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from pipeline.build.packages import write_package
from pipeline.sources.recordset import record_json, write_record_set
from pipeline.spec import load_rdf, validate, yamlio

from testkit.hostile import MiB, dataset_copy, npy_header, read_yaml, tensor_zip
from testkit.paths import DATASET, MODEL

WHEN = datetime(2024, 1, 1, tzinfo=timezone.utc)


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("fill", [b"\0", b"\x01"], ids=["all-zero", "constant"])
def test_validating_a_small_zip_of_huge_tensors_holds_one_chunk_at_a_time(tmp_path, bounded_memory, fill):
    package = tensor_zip(tmp_path / "bomb.zip", 6, 128 * MiB, fill)
    assert package.stat().st_size < 8 * MiB
    report = validate(load_rdf(str(package)), io=True)
    text = report.format_text()
    assert "sha256 mismatch for tensor5.npy" in text  # every tensor was read through
    if fill == b"\0":
        assert "useless as a test tensor" in text


def test_a_tensor_header_claiming_more_than_the_file_holds_is_refused_by_the_streamed_scan(tmp_path):
    folder = tmp_path / "model"
    rdf = read_yaml(MODEL / "rdf.yaml")
    folder.mkdir()
    for extra in MODEL.iterdir():
        if extra.is_file():
            (folder / extra.name).write_bytes(extra.read_bytes())
    (folder / "liar.npy").write_bytes(npy_header((1, 1, 10_000, 10_000)) + b"\0" * 1000)
    (folder / "pickle.npy").write_bytes(np.lib.format.magic(1, 0) + b"\x76\x00{'descr': '|O', 'fortran_order': "
                                        b"False, 'shape': (1,), }" + b" " * 60 + b"\n")
    rdf["inputs"][0]["test_tensor"] = {"source": "liar.npy"}
    rdf["outputs"][0]["test_tensor"] = {"source": "pickle.npy"}
    (folder / "rdf.yaml").write_text(yamlio.dumps(rdf))
    text = validate(load_rdf(str(folder / "rdf.yaml")), io=True).format_text()
    assert "but the file holds only" in text
    assert "holds Python objects" in text or "not a valid .npy header" in text


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_packaging_streams_files_of_any_size(tmp_path, bounded_memory):
    folder = dataset_copy(tmp_path, attachments=[{"source": "big.bin"}])
    with open(folder / "big.bin", "wb") as f:
        for i in range(768):
            f.write(bytes([i % 251]) * MiB)
    info = write_package(load_rdf(str(folder / "rdf.yaml")), tmp_path / "out" / "package.zip")
    assert info.written and "big.bin" in info.members
    with zipfile.ZipFile(info.path) as zf:
        assert zf.getinfo("big.bin").file_size == 768 * MiB
    again = write_package(load_rdf(str(folder / "rdf.yaml")), tmp_path / "out" / "package.zip")
    assert not again.written and again.sha256 == info.sha256  # deterministic, left in place


def test_a_package_whose_file_does_not_match_its_hash_leaves_nothing_behind(tmp_path):
    folder = dataset_copy(tmp_path, attachments=[{"source": "README.md", "sha256": "1" * 64}])
    out = tmp_path / "out"
    from pipeline.errors import BadInput

    with pytest.raises(BadInput, match="sha256 mismatch"):
        write_package(load_rdf(str(folder / "rdf.yaml")), out / "package.zip")
    assert list(out.iterdir()) == []


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_collection_json_stays_small_whatever_the_rdfs_say(tmp_path):
    from pipeline import main_job
    from pipeline.main_job import RunConfig

    dataset = {p.name: p.read_bytes() for p in DATASET.iterdir() if p.is_file()}
    records = []
    for n in range(3):
        rdf = read_yaml(DATASET / "rdf.yaml")
        rdf.update(description="d" * (12 * MiB), name="n" * 50_000, tags=[f"tag{i}" * 50 for i in range(5000)],
                   authors=[{"name": "a" * 10_000, "affiliation": {"deep": {"deeper": {"deepest": ["x"]}}}}] * 100)
        files = {**dataset, "rdf.yaml": yamlio.dumps(rdf).encode()}
        records.append((record_json(700 + 10 * n, 700 + 10 * n - 1, WHEN + timedelta(days=n), files,
                                    title=f"big {n}"), files))
    write_record_set(tmp_path / "zenodo", records)
    (tmp_path / "partners").mkdir()
    config = RunConfig(zenodo=str(tmp_path / "zenodo"), partners=tmp_path / "partners",
                       store=tmp_path / "work" / "collection", site=tmp_path / "site", cache=tmp_path / "cache",
                       accept=True, own_repository=True, run_tests=False, say=lambda line: None)
    main_job.run(config)
    collection = tmp_path / "site" / "collection.json"
    entries = json.loads(collection.read_text())["collection"]
    assert len(entries) == 3
    assert collection.stat().st_size < 3 * MiB
    for entry in entries:
        assert len(entry["description"]) <= 1024 and len(entry["name"]) <= 128
        assert len(entry["tags"]) <= 100 and len(entry["authors"]) <= 100


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_model_error_of_megabytes_is_published_cut(tmp_path):
    from pipeline.runner.sandbox import Limits
    from pipeline.runner.testing import test_model
    from testkit.hostile import model_with_code

    folder = model_with_code(tmp_path, "raise RuntimeError('e' * 3_000_000)")
    result = test_model(folder, limits=Limits(seconds=60, memory_bytes=4 * 1024**3)).to_json()
    assert result["status"] == "failed"
    for entry in result["tests"]:
        assert len(entry.get("error") or "") <= 10_100 and len(entry.get("traceback") or "") <= 100_100
    assert len(json.dumps(result)) < 300_000
