"""`zoo upgrade` round trip on the example models' 0.4 descriptions: the upgraded RDF validates, its test
passes, and it predicts exactly what the 0.4 source predicts (the models really run)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from pipeline.runner.predict import predict
from pipeline.runner.sandbox import Limits
from pipeline.runner.testing import test_model as run_model_test
from pipeline.spec import load_rdf, upgrade, validate, yamlio

MODELS = Path(__file__).resolve().parents[2] / "examples" / "models"
V04 = sorted(MODELS.glob("*/v0_4.bioimageio.yaml"))
LIMITS = Limits(seconds=120, memory_bytes=4 * 1024**3)


@pytest.fixture(params=V04, ids=[p.parent.name for p in V04])
def upgraded(request, tmp_path) -> tuple[Path, Path]:
    """(the 0.4 source, a copy of its folder whose rdf.yaml is the upgraded description)."""
    source = request.param
    folder = tmp_path / source.parent.name
    shutil.copytree(source.parent, folder)
    (folder / "v0_4.bioimageio.yaml").unlink()
    (folder / "rdf.yaml").write_text(yamlio.dumps(upgrade(load_rdf(source).data)), encoding="utf-8")
    return source, folder


@pytest.mark.slow
def test_upgraded_example_validates_tests_and_predicts_like_its_source(upgraded, tmp_path):
    source, folder = upgraded
    report = validate(folder)
    assert report.errors == [], report.format_text()
    result = run_model_test(folder, limits=LIMITS)
    assert result.status == "passed", result.to_json()
    test_inputs = [source.parent / name for name in load_rdf(source).data["test_inputs"]]
    fmt = next(iter(load_rdf(folder).data["weights"]))
    before = predict(source, test_inputs, tmp_path / "before", weights_format=fmt, limits=LIMITS)
    after = predict(folder, test_inputs, tmp_path / "after", weights_format=fmt, limits=LIMITS)
    assert list(before) == list(after)
    for output_id in before:
        old, new = np.load(before[output_id]), np.load(after[output_id])
        assert old.dtype == new.dtype and old.shape == new.shape
        np.testing.assert_array_equal(old, new)
