"""validate(): report shape, version dispatch, hostile input, remote file checks."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from pipeline.spec import load_rdf, validate, yamlio
from pipeline.spec.validator import validate_data

FIXTURES = Path(__file__).parent / "fixtures"
MODEL05 = FIXTURES / "valid" / "model-0.5"


def _model05() -> dict:
    return load_rdf(MODEL05).data


def _write(tmp_path: Path, data: dict, name: str = "rdf.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yamlio.dumps(data), encoding="utf-8")
    return path


def test_report_json_has_exactly_the_documented_shape():
    data = _model05()
    data["license"] = "GPL-2.0"  # a deprecated SPDX id: a warning
    del data["tags"]  # FAIR field: an ALERT
    data["inputs"][0]["axes"][2]["size"] = "big"
    report = validate_data(data, source="x.yaml", io=False)
    out = report.to_json()
    assert list(out) == ["source", "type", "format_version", "status", "errors", "warnings"]
    assert out["status"] == "failed" and out["type"] == "model" and out["format_version"] == "0.5.4"
    assert out["errors"] == [{"loc": ["inputs", 0, "axes", 2, "size"], "type": "type",
                              "msg": "expected a positive integer, {min, step} or {tensor_id, axis_id, offset}, "
                                     "got 'big'"}]
    assert {"loc": ["license"], "msg": "'GPL-2.0' is a deprecated SPDX license id", "type": "license_deprecated",
            "severity": "WARNING"} in out["warnings"]
    assert {"loc": ["tags"], "msg": "missing: needed for FAIR resources", "type": "fair",
            "severity": "ALERT"} in out["warnings"]
    assert "inputs[0].axes[2].size: expected a positive integer" in report.format_text()


@pytest.mark.parametrize(
    ("version", "status", "issue"),
    [
        ("0.5.99", "passed", "format_version 0.5.99 is newer than this validator knows; validated as 0.5.14"),
        ("0.7.0", "passed", "format_version 0.7.0 is newer than this validator knows; validated as 0.5.14"),
        ("0.2.0", "failed", "expected a known format version of three numbers (model 0.3.x, 0.4.x or 0.5.x"),
        ("0.5", "failed", "got '0.5'"),
        ("latest", "failed", "got 'latest'"),
    ],
)
def test_format_version_dispatch(version, status, issue):
    data = _model05()
    data["format_version"] = version
    # a newer patch is validated as the latest one, where files are {source, sha256} objects
    data["documentation"] = {"source": data["documentation"]}
    data["covers"] = [{"source": c} for c in data["covers"]]
    report = validate_data(data, source="x", io=False)
    assert report.status == status
    assert any(issue in i.msg and i.loc == ("format_version",) for i in report.errors + report.warnings)


def test_unknown_type_is_validated_as_generic_and_ignores_unknown_keys():
    data = {"format_version": "0.3.0", "type": "workflow-thing", "name": "My workflow", "anything": {"goes": 1},
            "description": "d", "authors": [{"name": "A", "github_user": "a"}]}
    report = validate_data(data, source="x", io=False)
    assert report.status == "passed"
    assert (("type",), "INFO") in [(w.loc, w.severity_name) for w in report.warnings]
    assert not any(w.loc == ("anything",) for w in report.warnings)  # not close to any field: silently ignored


def test_license_unknown_is_error_in_03_and_warning_in_02():
    data = load_rdf(FIXTURES / "valid" / "generic-0.2").data
    data["license"] = "my-own"
    assert validate_data(data, io=False).status == "passed"
    data = load_rdf(FIXTURES / "valid" / "generic-0.3").data
    data["license"] = "my-own"
    assert [e.loc for e in validate_data(data, io=False).errors] == [("license",)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name: [unclosed\n", "malformed YAML"),
        (b"a: &a [x, x, x, x, x, x, x, x, x, x]\n" + b"".join(
            f"b{i}: &b{i} [{', '.join([('*a' if i == 0 else f'*b{i - 1}')] * 10)}]\n".encode() for i in range(8)),
         "alias bomb"),
        (b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nesting deeper than 100 levels"),
        (b"\xff\xfe\x00\x00", "not valid UTF-8"),
        (b"- just\n- a list\n", "expected a YAML mapping"),
        (b"type: model\ntype: dataset\n", "duplicate key 'type'"),
    ],
)
def test_hostile_files_give_failed_reports_quickly(tmp_path, content, message):
    path = tmp_path / "rdf.yaml"
    path.write_bytes(content)
    start = time.monotonic()
    report = validate(path)
    assert time.monotonic() - start < 20
    assert report.status == "failed"
    assert report.errors[0].loc == () and report.errors[0].type == "load_error"
    assert message in report.errors[0].msg


def test_hundred_megabyte_file_is_refused_by_size(tmp_path):
    path = tmp_path / "rdf.yaml"
    with open(path, "wb") as f:
        f.write(b"name: x\n")
        f.truncate(100 * 1024 * 1024)
    report = validate(path)
    assert report.status == "failed" and "more than the RDF limit" in report.errors[0].msg


@pytest.mark.parametrize(
    ("field", "value", "loc"),
    [
        ("inputs", "abc", ["inputs"]),
        ("weights", [1, 2], ["weights"]),
        ("authors", {"name": "x"}, ["authors"]),
        ("config", "x", ["config"]),
        ("timestamp", "yesterday", ["timestamp"]),
        ("version", "one point oh", ["version"]),
    ],
)
def test_wrong_types_anywhere_are_located(field, value, loc):
    data = _model05()
    data[field] = value
    report = validate_data(data, source="x", io=False)
    assert report.status == "failed"
    assert loc in [list(e.loc) for e in report.errors], report.format_text()


def test_remote_files_are_checked_only_with_remote(tmp_path, serve):
    folder = tmp_path / "m"
    shutil.copytree(MODEL05, folder)
    data = _model05()
    data["weights"]["onnx"]["sha256"] = "0" * 64
    _write(folder, data)
    base, policy = serve(folder)
    url = f"{base}/api/records/7/files/rdf.yaml/content"
    assert validate(url, policy=policy).status == "passed"  # remote files are not downloaded
    report = validate(url, policy=policy, remote=True)
    assert [e.loc for e in report.errors] == [("weights", "onnx", "sha256")]
    (folder / "weights_ts.pt").unlink()
    report = validate(url, policy=policy, remote=True)
    assert ("weights", "torchscript", "source") in [e.loc for e in report.errors]


def test_zip_package_validates_with_file_checks(tmp_path):
    archive = shutil.make_archive(str(tmp_path / "pkg"), "zip", MODEL05)
    assert validate(archive).status == "passed"


def test_loaded_rdf_can_be_passed_directly():
    loaded = load_rdf(MODEL05)
    report = validate(loaded)
    assert report.source == str(MODEL05) and report.status == "passed"


def test_unreachable_or_oversized_urls_are_failed_reports(tmp_path, serve):
    with open(tmp_path / "rdf.yaml", "wb") as f:
        f.truncate(20 * 1024 * 1024)
    base, policy = serve(tmp_path)
    big = validate(f"{base}/rdf.yaml", policy=policy)
    assert big.status == "failed" and "exceeds the limit of 16777216" in big.errors[0].msg
    missing = validate(f"{base}/nope/rdf.yaml", policy=policy)
    assert missing.status == "failed" and "HTTP 404" in missing.errors[0].msg
    refused = validate(f"{base}/rdf.yaml")  # a loopback URL nobody configured as trusted
    assert refused.status == "failed" and "non-public address" in refused.errors[0].msg
