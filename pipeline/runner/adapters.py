"""Weight adapters: load one weights entry with its framework and run it on numpy arrays.

Frameworks are imported inside each loader, so only the one a model needs is paid for. `files`
maps every relative path of the description to a local, already sha256-checked file. `device`
asks for the CPU or CUDA; where the framework cannot have CUDA the network runs on the CPU, and
the returned Network's `placement` says where it ran and why (devices.py decides).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from pipeline.runner.axes import NotRunnable
from pipeline.runner.devices import CPU, Placement, onnx_providers, tensorflow_placement, torch_placement

Predict = Callable[[Sequence[np.ndarray]], list[np.ndarray]]
MAX_BUNDLE_BYTES = 2 * 1024**3
MAX_BUNDLE_MEMBERS = 10_000


class WeightsError(Exception):
    """The weights (or their architecture) could not be loaded; the message names what failed."""


class Network:
    """A loaded network: called on a list of input arrays, it returns its outputs as numpy arrays."""

    def __init__(self, predict: Predict, placement: Placement):
        self.predict = predict
        self.placement = placement

    def __call__(self, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        return self.predict(inputs)


def load_adapter(fmt: str, entry: dict[str, Any], files: dict[str, Path], output_ids: list[str],
                 input_ids: list[str], device: str = CPU) -> Network:
    """The network of one weights format, placed on `device` where the framework can have it."""
    loaders = {"torchscript": _torchscript, "pytorch_state_dict": _state_dict, "onnx": _onnx,
               "keras_hdf5": _keras, "keras_v3": _keras, "tensorflow_saved_model_bundle": _saved_model}
    if fmt == "tensorflow_js":
        raise NotRunnable("tensorflow_js weights cannot be run in Python")
    if fmt not in loaders:
        raise NotRunnable(f"unknown weights format {fmt!r}")
    source = files.get(entry.get("source", ""))
    if source is None:
        raise WeightsError(f"weights.{fmt}.source: file {entry.get('source')!r} is not available")
    return loaders[fmt](entry, source, files, input_ids, output_ids, device)


def _as_list(out: Any) -> list[np.ndarray]:
    if isinstance(out, dict):
        out = list(out.values())
    if not isinstance(out, (list, tuple)):
        out = [out]
    return [o.detach().cpu().numpy() if hasattr(o, "detach") else np.asarray(o) for o in out]


def _torch_placement(device: str) -> Placement:
    import torch

    return torch_placement(device, torch.cuda.is_available)


def _torch_runner(module: Any, placement: Placement) -> Network:
    import torch

    module = module.to(placement.device)

    def predict(inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        with torch.no_grad():
            tensors = [torch.from_numpy(np.ascontiguousarray(x)).to(placement.device) for x in inputs]
            return _as_list(module(*tensors))

    return Network(predict, placement)


def _torchscript(entry: dict, source: Path, files: dict, input_ids: list, output_ids: list, device: str) -> Network:
    placement = _torch_placement(device)
    return _torch_runner(_torchscript_module(source, placement.device), placement)


def _torchscript_module(source: Path, device: str = CPU) -> Any:
    import torch

    try:
        return torch.jit.load(str(source), map_location=device).eval()
    except Exception as e:  # torch raises many types for corrupt archives
        raise WeightsError(f"weights.torchscript: cannot load {source.name}: {e}") from None


def import_architecture(arch: dict[str, Any], files: dict[str, Path]) -> Callable:
    """The architecture callable: from a sha256-checked source file, or from an importable module."""
    name = arch.get("callable")
    if not name:
        raise WeightsError("weights.pytorch_state_dict.architecture.callable is missing")
    if arch.get("source"):
        path = files.get(arch["source"])
        if path is None:
            raise WeightsError(f"architecture source {arch['source']!r} is not available")
        if arch.get("sha256") and hashlib.sha256(path.read_bytes()).hexdigest() != arch["sha256"]:
            raise WeightsError(f"architecture source {arch['source']!r}: sha256 mismatch")
        mod_name = f"_zoo_arch_{hashlib.sha256(str(path).encode()).hexdigest()[:12]}"
        spec = importlib.util.spec_from_file_location(mod_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[mod_name] = module
        spec.loader.exec_module(module)
    else:
        module = importlib.import_module(arch["import_from"])
    if not hasattr(module, name):
        raise WeightsError(f"architecture: {name!r} not found in {arch.get('source') or arch.get('import_from')}")
    return getattr(module, name)


def _state_dict(entry: dict, source: Path, files: dict, input_ids: list, output_ids: list, device: str) -> Network:
    return _torch_runner(_state_dict_module(entry, source, files), _torch_placement(device))


def torch_module(fmt: str, entry: dict[str, Any], files: dict[str, Path]) -> Any:
    """The eval-mode torch module of a torchscript or pytorch_state_dict entry (for ONNX export)."""
    source = files.get(entry.get("source", ""))
    if source is None:
        raise WeightsError(f"weights.{fmt}.source: file {entry.get('source')!r} is not available")
    if fmt == "torchscript":
        return _torchscript_module(source)
    if fmt == "pytorch_state_dict":
        return _state_dict_module(entry, source, files)
    raise NotRunnable(f"{fmt} weights are not torch weights")


def _state_dict_module(entry: dict, source: Path, files: dict) -> Any:
    import torch

    build = import_architecture(entry.get("architecture") or {}, files)
    net = build(**((entry.get("architecture") or {}).get("kwargs") or {}))
    try:
        state = torch.load(str(source), map_location="cpu", weights_only=True)  # never unpickle code
    except Exception as e:
        raise WeightsError(f"weights.pytorch_state_dict: {source.name} is not a plain state dict "
                           f"(refused by the safe loader): {_unpickling_reason(e)}") from None
    try:
        net.load_state_dict(state, strict=bool(entry.get("strict", True)))
    except Exception as e:
        raise WeightsError(f"weights.pytorch_state_dict: state dict does not fit the architecture: {e}") from None
    return net.eval()


def _unpickling_reason(error: Exception) -> str:
    """The informative line of torch's long safe-loader message (e.g. the refused global)."""
    lines = [ln.strip() for ln in str(error).splitlines() if ln.strip()]
    for ln in lines:
        if "unsupported" in ln.lower() and "weights_only" not in ln:
            return ln[:300]
    return (lines[0] if lines else type(error).__name__)[:300]


def _onnx(entry: dict, source: Path, files: dict, input_ids: list, output_ids: list, device: str) -> Network:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.log_severity_level = 3
    providers, placement = onnx_providers(device, ort.get_available_providers())
    try:
        session = ort.InferenceSession(str(source), sess_options=opts, providers=providers)
    except Exception as e:
        raise WeightsError(f"weights.onnx: cannot load {source.name}: {e}") from None
    if placement.device != CPU and providers[0] not in session.get_providers():  # CUDA failed to start
        placement = Placement(CPU, f"onnxruntime could not start {providers[0]}: ran on the CPU")
    names = [i.name for i in session.get_inputs()]

    def predict(inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        return list(session.run(None, {n: np.ascontiguousarray(x) for n, x in zip(names, inputs)}))

    return Network(predict, placement)


def _tensorflow_placement(device: str) -> Placement:
    """Hide the GPUs from TensorFlow when the CPU is asked for (it would take them by itself)."""
    import tensorflow as tf

    hide, placement = tensorflow_placement(device, tf.config.list_physical_devices("GPU"))
    if hide:
        try:
            tf.config.set_visible_devices([], "GPU")
        except RuntimeError:  # TensorFlow already initialised its devices
            return Placement("cuda:0", "the CPU was asked for, but TensorFlow had already taken the GPU")
    return placement


def _keras(entry: dict, source: Path, files: dict, input_ids: list, output_ids: list, device: str) -> Network:
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    placement = _tensorflow_placement(device)
    import keras

    try:  # .h5 goes through keras' legacy H5 loader; safe_mode refuses lambda code in .keras files
        model = keras.models.load_model(str(source), compile=False, safe_mode=True)
    except Exception as e:
        raise WeightsError(f"weights: cannot load keras model {source.name}: {e}") from None

    def predict(inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        return _as_list(model(list(inputs) if len(inputs) > 1 else inputs[0], training=False))

    return Network(predict, placement)


def _safe_extract(archive: Path, dest: Path) -> Path:
    with zipfile.ZipFile(archive) as zf:
        if len(zf.infolist()) > MAX_BUNDLE_MEMBERS:
            raise WeightsError(f"{archive.name}: more than {MAX_BUNDLE_MEMBERS} members")
        if sum(i.file_size for i in zf.infolist()) > MAX_BUNDLE_BYTES:
            raise WeightsError(f"{archive.name}: unpacked size exceeds {MAX_BUNDLE_BYTES} bytes")
        for info in zf.infolist():
            target = (dest / info.filename).resolve()
            if not str(target).startswith(str(dest.resolve()) + os.sep):
                raise WeightsError(f"{archive.name}: member {info.filename!r} escapes the bundle")
        zf.extractall(dest)
    inner = [p.parent for p in dest.rglob("saved_model.pb")]
    if not inner:
        raise WeightsError(f"{archive.name}: no saved_model.pb inside")
    return inner[0]


def _saved_model(entry: dict, source: Path, files: dict, input_ids: list, output_ids: list, device: str) -> Network:
    import tensorflow as tf

    placement = _tensorflow_placement(device)
    try:
        folder = _safe_extract(source, Path(tempfile.mkdtemp(prefix="zoo-tf-")))
        loaded = tf.saved_model.load(str(folder))
        sig = loaded.signatures["serving_default"]
    except WeightsError:
        raise
    except Exception as e:
        raise WeightsError(f"weights.tensorflow_saved_model_bundle: cannot load: {e}") from None
    in_names = list(sig.structured_input_signature[1].keys())
    in_names = [i for i in input_ids if i in in_names] or sorted(in_names)
    out_names = list(sig.structured_outputs.keys())
    out_names = [o for o in output_ids if o in out_names] or sorted(out_names)

    def predict(inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        result = sig(**{n: tf.constant(x) for n, x in zip(in_names, inputs)})
        return [result[n].numpy() for n in out_names]

    return Network(predict, placement)
