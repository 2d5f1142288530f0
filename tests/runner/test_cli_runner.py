"""`zoo test` and `zoo predict` through the real command line."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tifffile

from pipeline.cli import main

from testkit.paths import MODELS


def test_zoo_test_json_shape_and_exit_code(capsys):
    assert main(["test", str(MODELS / "two-channel-fusion-2d"), "--weights", "onnx", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "passed" and data["source"].endswith("two-channel-fusion-2d")
    assert {t["weights_format"] for t in data["tests"]} == {"onnx"}
    assert all(t["env"]["onnxruntime"] and "torch" not in t["env"] for t in data["tests"])


def test_zoo_test_fails_with_exit_1_and_a_readable_report(capsys):
    assert main(["test", str(MODELS / "broken" / "wrong-sha256")]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "[ failed] torchscript: reproduce test outputs" in out and "sha256 mismatch" in out


def test_zoo_predict_tif_tiled(tmp_path, capsys):
    image = (np.random.default_rng(5).random((200, 136)) * 3000).astype(np.uint16)
    tifffile.imwrite(tmp_path / "in.tif", image)
    assert main(["predict", str(MODELS / "nuclei-boundary-2d"), str(tmp_path / "in.tif"), "-o",
                 str(tmp_path / "out.tif"), "--block", "64", "--weights", "onnx"]) == 0
    out = tifffile.imread(tmp_path / "out.tif")
    assert out.shape == (1, 2, 192, 128) and out.dtype == np.float32
    assert 0.0 <= out.min() and out.max() <= 1.0 and out.std() > 0.01


def test_zoo_predict_two_inputs_writes_one_file_per_output(tmp_path):
    folder = MODELS / "two-channel-fusion-2d"
    assert main(["predict", str(folder), str(folder / "test_input_raw.npy"), str(folder / "test_input_prior.npy"),
                 "-o", str(tmp_path / "pred.npy")]) == 0
    # prediction pads borders symmetrically, the test outputs saw zero padding: compare inside the halo
    inner = (..., slice(1, -1), slice(1, -1))
    probs = np.load(tmp_path / "pred_probabilities.npy")
    np.testing.assert_allclose(probs[inner], np.load(folder / "test_output_probabilities.npy")[inner], atol=1e-5)
    mask = np.load(tmp_path / "pred_mask.npy")
    assert (mask[inner].astype(bool) == np.load(folder / "test_output_mask.npy")[inner]).mean() > 0.999
    assert np.load(tmp_path / "pred_restored.npy").shape == (1, 2, 48, 48)


@pytest.mark.parametrize("argv, message", [
    (["predict", "MODEL", "missing.npy", "-o", "out.npy"], "input file not found"),
    (["predict", "MODEL", "IN", "-o", "out.png"], "output must end in .npy, .tif or .tiff"),
    (["predict", "MODEL", "IN", "IN", "-o", "out.npy"], "the model takes inputs ['raw'], got 2 files"),
])
def test_zoo_predict_bad_usage_exits_2(argv, message, tmp_path, capsys):
    np.save(tmp_path / "in.npy", np.ones((32, 32), np.uint16))
    argv = [str(MODELS / "nuclei-boundary-2d") if a == "MODEL" else str(tmp_path / "in.npy") if a == "IN"
            else str(tmp_path / a) if a.startswith(("missing", "out")) else a for a in argv]
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_zoo_test_prints_a_line_per_format_and_stage_on_stderr_only(capsys):
    assert main(["test", str(MODELS / "upsample-2d"), "--json"]) == 0
    captured = capsys.readouterr()
    json.loads(captured.out)  # stdout stays clean JSON
    lines = captured.err.splitlines()
    for fmt in ("torchscript", "onnx"):
        assert [ln.split(": ")[1] for ln in lines if ln.startswith(f"{fmt}: ")] == [
            "install test environment", "load weights", "reproduce test outputs",
            "run at parameterized sizes and batch sizes"]
    assert main(["test", str(MODELS / "upsample-2d"), "--weights", "onnx", "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_zoo_predict_shows_a_bar_per_block_unless_quiet(tmp_path, capsys):
    np.save(tmp_path / "in.npy", np.random.default_rng(6).random((300, 400)).astype(np.float32))
    argv = ["predict", str(MODELS / "fixed-shape-2d"), str(tmp_path / "in.npy"), "-o", str(tmp_path / "out.tif"),
            "--weights", "onnx"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "blocks: y: 7 x 64, x: 9 x 64" in err and "63/63" in err  # 48 new pixels per 64-pixel block
    assert tifffile.imread(tmp_path / "out.tif").shape == (1, 1, 300, 400)
    assert main([*argv, "--quiet"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.slow
def test_zoo_predict_reads_a_channel_last_file_with_axes(tmp_path, capsys):
    folder = MODELS / "two-channel-fusion-2d"
    raw = np.moveaxis(np.load(folder / "test_input_raw.npy")[0], 0, -1)  # y, x, channel
    np.save(tmp_path / "raw_yxc.npy", raw)
    argv = ["predict", str(folder), str(tmp_path / "raw_yxc.npy"), str(folder / "test_input_prior.npy"),
            "-o", str(tmp_path / "p.npy"), "--quiet"]
    assert main(argv) == 2
    assert "input 'raw' has 48 channels, the model expects 2" in capsys.readouterr().err
    assert main([*argv, "--axes", "yxc", "--axes", "bcyx"]) == 0
    assert np.load(tmp_path / "p_probabilities.npy").shape == (1, 3, 48, 48)
