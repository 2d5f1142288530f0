"""Weight adapters loaded in-process on the real example weights, and their refusals."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.runner.adapters import WeightsError, import_architecture, load_adapter
from pipeline.runner.axes import NotRunnable

from testkit.paths import MODELS
from testkit.runner import read_rdf

NUCLEI = MODELS / "nuclei-boundary-2d"


def files_of(folder):
    return {p.name: p for p in folder.iterdir()}


@pytest.mark.parametrize("fmt", ["torchscript", "pytorch_state_dict", "onnx"])
def test_torch_and_onnx_weights_agree(fmt):
    descr = read_rdf(NUCLEI / "rdf.yaml")
    x = np.random.default_rng(0).random((2, 1, 48, 48)).astype(np.float32)
    reference = load_adapter("onnx", descr["weights"]["onnx"], files_of(NUCLEI), ["boundaries"], ["raw"])([x])[0]
    out = load_adapter(fmt, descr["weights"][fmt], files_of(NUCLEI), ["boundaries"], ["raw"])([x])
    assert len(out) == 1 and out[0].shape == (2, 2, 40, 40)
    np.testing.assert_allclose(out[0], reference, rtol=1e-4, atol=1e-5)


def test_tensorflow_js_and_unknown_formats_are_not_runnable():
    with pytest.raises(NotRunnable, match="tensorflow_js weights cannot be run in Python"):
        load_adapter("tensorflow_js", {"source": "x.zip"}, {}, [], [])
    with pytest.raises(NotRunnable, match="unknown weights format 'caffe'"):
        load_adapter("caffe", {"source": "x"}, {}, [], [])


def test_corrupt_onnx_is_a_weights_error(tmp_path):
    (tmp_path / "w.onnx").write_bytes(b"\x08\x07garbage")
    with pytest.raises(WeightsError, match="weights.onnx: cannot load w.onnx"):
        load_adapter("onnx", {"source": "w.onnx"}, {"w.onnx": tmp_path / "w.onnx"}, ["o"], ["i"])


@pytest.mark.slow  # loads TensorFlow
def test_saved_model_bundle_members_may_not_escape(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "b.zip", "w") as zf:
        zf.writestr("../evil.txt", "x")
    with pytest.raises(WeightsError, match="member '../evil.txt' escapes the bundle"):
        load_adapter("tensorflow_saved_model_bundle", {"source": "b.zip"}, {"b.zip": tmp_path / "b.zip"}, ["o"], ["i"])
    assert not (tmp_path.parent / "evil.txt").exists()


def test_architecture_from_an_importable_callable_and_checks():
    from torch import nn

    assert import_architecture({"import_from": "torch.nn", "callable": "Conv2d"}, {}) is nn.Conv2d
    with pytest.raises(WeightsError, match="'NoSuchNet' not found in torch.nn"):
        import_architecture({"import_from": "torch.nn", "callable": "NoSuchNet"}, {})
    with pytest.raises(WeightsError, match="sha256 mismatch"):
        import_architecture({"source": "nuclei_net.py", "sha256": "0" * 64, "callable": "TinyBoundaryNet"},
                            files_of(NUCLEI))


def test_state_dict_that_does_not_fit_the_architecture(tmp_path):
    import torch

    torch.save({"conv1.weight": torch.zeros(1)}, tmp_path / "w.pt")
    entry = {"source": "w.pt", "architecture": {"source": "nuclei_net.py", "callable": "TinyBoundaryNet"}}
    with pytest.raises(WeightsError, match="state dict does not fit the architecture"):
        load_adapter("pytorch_state_dict", entry, {**files_of(NUCLEI), "w.pt": tmp_path / "w.pt"}, ["o"], ["raw"])
