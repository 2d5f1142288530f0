"""`zoo test` and `zoo predict` through the real command line."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tifffile

from pipeline.cli import main

from runner_helpers import MODELS


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
    # prediction pads borders by reflection, the test outputs saw zero padding: compare inside the halo
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
