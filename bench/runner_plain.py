"""Plain framework inference for bench/runner.py: load the weights and run them, nothing else."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np


def plain(fmt: str, folder: Path, descr: dict) -> float:
    """Seconds to load the weights with the framework and run the test inputs, in this process."""
    entry = descr["weights"][fmt]
    inputs = [np.load(folder / t["test_tensor"]["source"]).astype(np.float32) for t in descr["inputs"]]
    start = time.perf_counter()
    if fmt == "torchscript":
        import torch

        with torch.no_grad():
            torch.jit.load(str(folder / entry["source"])).eval()(*[torch.from_numpy(x) for x in inputs])
    elif fmt == "pytorch_state_dict":
        import importlib.util

        import torch

        spec = importlib.util.spec_from_file_location("arch", folder / entry["architecture"]["source"])
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        net = getattr(mod, entry["architecture"]["callable"])(**entry["architecture"].get("kwargs", {}))
        net.load_state_dict(torch.load(folder / entry["source"], weights_only=True))
        with torch.no_grad():
            net.eval()(*[torch.from_numpy(x) for x in inputs])
    elif fmt == "onnx":
        import onnxruntime as ort

        sess = ort.InferenceSession(str(folder / entry["source"]), providers=["CPUExecutionProvider"])
        sess.run(None, {i.name: x for i, x in zip(sess.get_inputs(), inputs)})
    elif fmt == "keras_hdf5":
        import keras

        keras.models.load_model(str(folder / entry["source"]), compile=False)(inputs[0])
    elif fmt == "tensorflow_saved_model_bundle":
        import tempfile
        import zipfile

        import tensorflow as tf

        with tempfile.TemporaryDirectory() as tmp:
            zipfile.ZipFile(folder / entry["source"]).extractall(tmp)
            sig = tf.saved_model.load(tmp).signatures["serving_default"]
            name = list(sig.structured_input_signature[1])[0]
            sig(**{name: tf.constant(inputs[0])})
    return time.perf_counter() - start
