"""Run a whole sample through a model: preprocessing, the network, postprocessing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from pipeline.base import npy
from pipeline.runner.adapters import Predict
from pipeline.runner.axes import axis_ids
from pipeline.runner.processing import Context, run_ops, with_implicit_steps

MAX_TENSOR_BYTES = 512 * 1024**2


class TensorError(ValueError):
    """A tensor does not fit its description (wrong rank, shape, dtype or unreadable)."""


def data_type(tensor: dict[str, Any]) -> str:
    """Declared dtype of a tensor (0.5 `data.type`, per-channel lists use the first, 0.4 `data_type`)."""
    data = tensor.get("data")
    if isinstance(data, list) and data:
        data = data[0]
    if isinstance(data, dict) and data.get("type"):
        return str(data["type"])
    return str(tensor.get("data_type") or "float32")


def load_npy(path: Path, what: str, *, max_bytes: int = MAX_TENSOR_BYTES, mapped: bool = False) -> np.ndarray:
    """A .npy file without pickle, bounded in size; its header may not claim more data than it holds.
    `mapped` leaves it memory-mapped (read-only) instead of reading it into memory."""
    try:
        if path.stat().st_size > max_bytes + npy.MAX_HEADER_BYTES:
            raise TensorError(f"{what}: {path.name} is larger than {max_bytes} bytes")
        arr = npy.open_mapped(path, max_bytes=max_bytes) if mapped else \
            npy.loads(path.read_bytes(), max_bytes=max_bytes)
    except npy.NpyError as e:
        raise TensorError(f"{what}: {path.name} cannot be read without pickle ({e})") from None
    except TensorError:
        raise
    except Exception as e:
        raise TensorError(f"{what}: {path.name} is not a valid .npy file ({e})") from None
    if arr.dtype.kind not in "biuf":
        raise TensorError(f"{what}: {path.name} holds dtype {arr.dtype}, not numbers")
    return arr


def fit_axes(arr: np.ndarray, tensor: dict[str, Any], what: str) -> np.ndarray:
    """Map an array onto the declared axes; a missing leading batch axis is added."""
    ids = axis_ids(tensor)
    if arr.ndim == len(ids) - 1 and ids and ids[0] == "batch":
        arr = arr[None]
    if arr.ndim != len(ids):
        raise TensorError(f"{what}: array has {arr.ndim} dimensions {arr.shape}, the description has "
                          f"{len(ids)} axes {ids}")
    return arr


class ModelRunner:
    """A model description plus a loaded network; `run` maps named inputs to named outputs."""

    def __init__(self, descr: dict[str, Any], predict: Predict):
        self.descr = descr
        self.predict = predict
        self.inputs = list(descr["inputs"])
        self.outputs = list(descr["outputs"])

    def preprocess(self, sample: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        refs = {t["id"]: (sample[t["id"]], axis_ids(t)) for t in self.inputs if t["id"] in sample}
        out = {}
        for i, t in enumerate(self.inputs):
            if t["id"] not in sample:
                if t.get("optional"):
                    continue
                raise TensorError(f"input {t['id']!r} is missing")
            # like the reference: cast to the declared type first and back to it last, unless the steps
            # end with an explicit ensure_dtype (0.4 descriptions get ensure_dtype float32 from the upgrade)
            ops = with_implicit_steps(t.get("preprocessing") or [], data_type(t), data_type(t))
            out[t["id"]] = run_ops(ops, sample[t["id"]], Context(axis_ids(t), refs, f"inputs[{i}].preprocessing"))
        return out

    def network(self, processed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        arrays = [processed[t["id"]] for t in self.inputs if t["id"] in processed]
        results = self.predict(arrays)
        if len(results) != len(self.outputs):
            raise TensorError(f"the network returned {len(results)} outputs, the description declares "
                              f"{len(self.outputs)}")
        return {t["id"]: r for t, r in zip(self.outputs, results)}

    def postprocess(self, raw_out: dict[str, np.ndarray], sample: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        refs = {t["id"]: (sample[t["id"]], axis_ids(t)) for t in self.inputs if t["id"] in sample}
        result = {}
        for i, t in enumerate(self.outputs):
            x = raw_out[t["id"]]
            if x.ndim != len(axis_ids(t)):
                raise TensorError(f"output {t['id']!r}: the network returned {x.ndim} dimensions {x.shape}, "
                                  f"the description has axes {axis_ids(t)}")
            ops = with_implicit_steps(t.get("postprocessing") or [], None, data_type(t))
            result[t["id"]] = run_ops(ops, x, Context(axis_ids(t), refs, f"outputs[{i}].postprocessing"))
        return result

    def run(self, sample: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Full pipeline on one (possibly batched) sample."""
        return self.postprocess(self.network(self.preprocess(sample)), sample)
