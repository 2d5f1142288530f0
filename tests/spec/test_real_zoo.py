"""Real RDFs get the verdict of the format's reference validator; where both fail, our errors name its field.

`../shared/real-zoo` (beside the repository) holds real published RDFs with the reference's verdicts
(bioimageio.spec 0.5.14.3, `load_description(path, perform_io_checks=False)`); those tests skip only
when that folder is absent. The real-shaped fixtures (tests/spec/fixtures/real_shaped, written by
make_real_shaped.py) carry the same shapes and are always checked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.spec import validate, yamlio
from testkit.reference_locs import same_field

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "real-zoo"
VERDICTS = SHARED / "reference_verdicts.json"
REAL = json.loads(VERDICTS.read_text(encoding="utf-8")) if VERDICTS.is_file() else []
SHAPED = sorted((Path(__file__).parent / "fixtures" / "real_shaped").glob("*/rdf.yaml"))
ABSENT = f"{SHARED} is absent: the real RDFs and their reference verdicts are not available here"


@pytest.mark.skipif(not VERDICTS.is_file(), reason=ABSENT)
@pytest.mark.parametrize("entry", REAL, ids=[e["path"].removeprefix("rdfs/") for e in REAL])
def test_real_rdf_gets_the_reference_verdict(entry):
    path = SHARED / entry["path"]
    report = validate(path, io=False)
    expected = "passed" if entry["status"] == "valid-format" else "failed"
    assert report.status == expected, report.format_text()
    if expected == "failed":
        data = yamlio.loads(path.read_bytes(), source=str(path))
        assert same_field(entry["errors"], [e.loc for e in report.errors], data), \
            (entry["errors"], report.format_text())


@pytest.mark.skipif(not VERDICTS.is_file(), reason=ABSENT)
def test_the_real_set_is_the_one_described():
    assert len(REAL) == 108
    assert sum(e["status"] == "failed" for e in REAL) == 6


@pytest.mark.parametrize("path", SHAPED, ids=[p.parent.name for p in SHAPED])
def test_real_shaped_rdf_is_valid(path):
    report = validate(path, io=False)
    assert report.errors == [], report.format_text()


def test_real_shapes_cover_todays_tools_and_the_paper_era():
    names = {p.parent.name for p in SHAPED}
    assert {"tool-model-0.4.10", "tool-model-0.5.3", "tool-model-0.5.10", "tool-dataset-0.2.4",
            "tool-dataset-0.3.0", "zenodo-model-0.4.0-dependencies", "partner-application-0.2.3"} <= names


@pytest.mark.parametrize(("case", "loc", "fragment"), [
    ("zenodo-model-0.4.9", ("weights", "pytorch_state_dict", "pytorch_version"), "missing: please give the PyTorch"),
    ("zenodo-model-0.4.0-dependencies", ("weights", "pytorch_state_dict", "dependencies"), "custom dependencies"),
    ("tool-model-0.5.3", ("inputs", 0, "sample_tensor"), "missing: needed for FAIR resources"),
])
def test_where_the_reference_warns_we_warn(case, loc, fragment):
    report = validate(Path(__file__).parent / "fixtures" / "real_shaped" / case, io=False)
    assert report.status == "passed"
    assert any(w.loc == loc and fragment in w.msg for w in report.warnings), report.format_text()
