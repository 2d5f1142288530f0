"""Generate the example models under examples/models/ deterministically (fixed seeds, fixed zip stamps).

Run: .venv/bin/python examples/make_models.py [OUTPUT_DIR]
Expected outputs are computed here with plain numpy written out op by op, independently of
pipeline.runner, so the runner's processing code is checked against a second implementation.
"""

from __future__ import annotations

import copy
import hashlib
import io
import os
import shutil
import sys
import types
import zipfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # oneDNN reorders float sums: keep outputs stable
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from ruamel.yaml import YAML  # noqa: E402

HERE = Path(__file__).resolve().parent
MODELS = HERE / "models"
FIXED_ZIP_TIME = (2024, 1, 1, 0, 0, 0)
EPS = 1e-6

AUTHORS = [
    {"name": "Ada Lovelab", "affiliation": "Institute of Quantitative Microscopy", "orcid": "0000-0002-1825-0097",
     "github_user": "ada-lovelab"},
    {"name": "Bruno Keller", "affiliation": "Open Bioimage Analysis Group"},
]
MAINTAINERS = [{"name": "Ada Lovelab", "github_user": "ada-lovelab"}]
CITE = [{"text": "Ouyang et al. BioImage Model Zoo: a community-driven resource for accessible deep learning "
                 "in bioimage analysis. bioRxiv (2022)", "doi": "10.1101/2022.06.07.495102"}]


# ----------------------------------------------------------------------------- small helpers
def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_yaml(path: Path, data: dict) -> None:
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    buf = io.StringIO()
    yaml.dump(data, buf)
    path.write_text(buf.getvalue(), encoding="utf-8")


def save_npy(path: Path, array: np.ndarray) -> None:
    with path.open("wb") as f:
        np.save(f, np.ascontiguousarray(array), allow_pickle=False)


def zip_folder(folder: Path, dest: Path) -> None:
    """Zip with fixed timestamps and sorted names so the bytes repeat."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                info = zipfile.ZipInfo(p.relative_to(folder).as_posix(), FIXED_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, p.read_bytes())


def to_gray8(img: np.ndarray) -> np.ndarray:
    img = img.astype(np.float64)
    lo, hi = np.percentile(img, [1, 99])
    return (np.clip((img - lo) / (hi - lo + 1e-12), 0, 1) * 255).astype(np.uint8)


def save_torchscript(module, path: Path) -> None:
    """Save TorchScript without its optional *.debug_pkl members: they record the generator's own
    line numbers, so any edit of this script would otherwise change the weights' bytes."""
    module.save(str(path))
    with zipfile.ZipFile(path) as zf:
        members = [(info, zf.read(info)) for info in zf.infolist() if not info.filename.endswith(".debug_pkl")]
    # torch derives serialization_id from the debug info too: derive it from the kept content instead
    digest = hashlib.sha256(b"".join(d for i, d in members if not i.filename.endswith("serialization_id")))
    new_id = str(int(digest.hexdigest(), 16) % 10**40).zfill(40).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for info, data in members:
            zf.writestr(info, new_id if info.filename.endswith("serialization_id") else data)


def write_cover(path: Path, panels: list[np.ndarray]) -> None:
    """Side-by-side grey panels of 2D images, upscaled to a card-friendly size."""
    tiles = [Image.fromarray(to_gray8(p)).resize((256, 256), Image.NEAREST) for p in panels]
    cover = Image.new("L", (256 * len(tiles) + 8 * (len(tiles) - 1), 256), color=255)
    for i, t in enumerate(tiles):
        cover.paste(t, (i * 264, 0))
    cover.save(path, format="PNG", optimize=False)


def write_readme(path: Path, title: str, body: str, validation: str) -> None:
    path.write_text(f"# {title}\n\n{body.strip()}\n\n## Validation\n\n{validation.strip()}\n", encoding="utf-8")


def import_file(path: Path, name: str):
    """Import a written architecture under its bare file name: TorchScript records source file names,
    so an absolute path would make the weights differ between checkouts."""
    module = types.ModuleType(name)
    module.__file__ = path.name
    sys.modules[name] = module
    exec(compile(path.read_text(encoding="utf-8"), path.name, "exec"), module.__dict__)
    return module


def blobs(rng: np.random.Generator, shape: tuple[int, ...], n: int, radius: float) -> np.ndarray:
    """Synthetic nuclei: gaussian blobs on a noisy background."""
    grid = np.meshgrid(*[np.arange(s, dtype=np.float64) for s in shape], indexing="ij")
    img = np.zeros(shape)
    for _ in range(n):
        centre = [rng.uniform(0, s) for s in shape]
        d2 = sum((g - c) ** 2 for g, c in zip(grid, centre))
        img += rng.uniform(0.6, 1.0) * np.exp(-d2 / (2 * radius**2))
    return img + rng.normal(0, 0.05, shape)


NUCLEI_DATASET_ID = "10.5281/zenodo.8520320"


def general_fields(name: str, description: str, tags: list[str], version: str = "0.5.4") -> dict:
    return {
        "format_version": version, "type": "model", "name": name, "description": description,
        "authors": AUTHORS, "maintainers": MAINTAINERS, "cite": CITE, "license": "CC-BY-4.0",
        "tags": tags, "documentation": "README.md", "covers": ["cover.png"], "version": "1.0.0",
        "git_repo": "https://github.com/bioimage-io/collection-examples",
        "timestamp": "2024-01-01T00:00:00Z",
    }


def linear_quantile(x: np.ndarray, q: float, axes: tuple[int, ...]) -> np.ndarray:
    return np.quantile(x, q / 100.0, axis=axes, keepdims=True, method="linear")


# ----------------------------------------------------------------------------- model 1: 2D torch
NUCLEI_NET = '''"""Tiny boundary network: three 3x3 convolutions, border crop of 4 pixels (valid output)."""
import torch
from torch import nn


class TinyBoundaryNet(nn.Module):
    """Predicts foreground and boundary logits for nuclei in a single-channel 2D image."""

    def __init__(self, hidden: int = 4, crop: int = 4):
        super().__init__()
        self.crop = crop
        self.conv1 = nn.Conv2d(1, hidden, 3, padding=1)
        self.conv2 = nn.Conv2d(hidden, hidden, 3, padding=1)
        self.conv3 = nn.Conv2d(hidden, 2, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.conv1(x))
        h = torch.relu(self.conv2(h))
        y = self.conv3(h)
        c = self.crop
        return y[:, :, c:-c, c:-c]
'''


def onnx_conv(name: str, inp: str, out: str, w: np.ndarray, b: np.ndarray, pad: int, inits: list):
    from onnx import helper, numpy_helper

    inits += [numpy_helper.from_array(w.astype(np.float32), f"{name}.weight"),
              numpy_helper.from_array(b.astype(np.float32), f"{name}.bias")]
    return helper.make_node("Conv", [inp, f"{name}.weight", f"{name}.bias"], [out], name=name,
                            kernel_shape=list(w.shape[2:]), pads=[pad] * (2 * (w.ndim - 2)))


def save_onnx(path: Path, nodes: list, inits: list, inputs: list, outputs: list) -> None:
    import onnx
    from onnx import helper

    graph = helper.make_graph(nodes, "model", inputs, outputs, initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="make_models")
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.write_bytes(model.SerializeToString())


def nuclei_onnx(path: Path, sd: dict, crop: int) -> None:
    from onnx import TensorProto, helper, numpy_helper

    g = {k: v.detach().numpy() for k, v in sd.items()}
    inits: list = []
    nodes = [
        onnx_conv("conv1", "raw", "h1", g["conv1.weight"], g["conv1.bias"], 1, inits),
        helper.make_node("Relu", ["h1"], ["r1"]),
        onnx_conv("conv2", "r1", "h2", g["conv2.weight"], g["conv2.bias"], 1, inits),
        helper.make_node("Relu", ["h2"], ["r2"]),
        onnx_conv("conv3", "r2", "y", g["conv3.weight"], g["conv3.bias"], 1, inits),
    ]
    inits += [numpy_helper.from_array(np.array([crop, crop], np.int64), "starts"),
              numpy_helper.from_array(np.array([-crop, -crop], np.int64), "ends"),
              numpy_helper.from_array(np.array([2, 3], np.int64), "axes")]
    nodes.append(helper.make_node("Slice", ["y", "starts", "ends", "axes"], ["boundaries"]))
    ins = [helper.make_tensor_value_info("raw", TensorProto.FLOAT, ["b", 1, "y", "x"])]
    outs = [helper.make_tensor_value_info("boundaries", TensorProto.FLOAT, ["b", 2, "y2", "x2"])]
    save_onnx(path, nodes, inits, ins, outs)


def nuclei_rdf(folder: Path) -> dict:
    """The format 0.5 description of the files written by make_nuclei."""
    rdf = general_fields(
        "Tiny Nuclei Boundary Net 2D",
        "Predicts foreground and boundary probabilities for fluorescent nuclei in single-channel 2D "
        "images. A deliberately tiny three-layer CNN meant as a fast, reproducible example.",
        ["2d", "fluorescence-light-microscopy", "nuclei", "semantic-segmentation", "pytorch", "cnn"],
    )
    # The example dataset's concept DOI (examples/make_zenodo.py derives it from its folder name).
    rdf["training_data"] = {"id": NUCLEI_DATASET_ID}
    rdf["inputs"] = [{
        "id": "raw", "description": "nuclear stain, any intensity range",
        "axes": [{"type": "batch"}, {"type": "channel", "channel_names": ["dapi"]},
                 {"type": "space", "id": "y", "size": {"min": 32, "step": 16}},
                 {"type": "space", "id": "x", "size": {"min": 32, "step": 16}}],
        "test_tensor": {"source": "test_input.npy", "sha256": sha256(folder / "test_input.npy")},
        "data": {"type": "uint16"},
        "preprocessing": [
            {"id": "ensure_dtype", "kwargs": {"dtype": "float32"}},
            {"id": "scale_range", "kwargs": {"axes": ["channel", "y", "x"], "min_percentile": 1.0,
                                             "max_percentile": 99.8, "eps": EPS}},
            {"id": "clip", "kwargs": {"min": 0.0, "max": 1.0}},
            # uint16 in, float32 to the network: said explicitly, or the implicit last step casts back
            {"id": "ensure_dtype", "kwargs": {"dtype": "float32"}},
        ],
    }]
    rdf["outputs"] = [{
        "id": "boundaries", "description": "foreground and boundary probabilities",
        "axes": [{"type": "batch"}, {"type": "channel", "channel_names": ["foreground", "boundary"]},
                 {"type": "space", "id": "y", "size": {"tensor_id": "raw", "axis_id": "y", "offset": -8},
                  "halo": 4},
                 {"type": "space", "id": "x", "size": {"tensor_id": "raw", "axis_id": "x", "offset": -8},
                  "halo": 4}],
        "test_tensor": {"source": "test_output.npy", "sha256": sha256(folder / "test_output.npy")},
        "data": {"type": "float32", "range": [0.0, 1.0]},
        "postprocessing": [{"id": "sigmoid"}],
    }]
    arch = {"source": "nuclei_net.py", "sha256": sha256(folder / "nuclei_net.py"),
            "callable": "TinyBoundaryNet", "kwargs": {"hidden": 4, "crop": 4}}
    rdf["weights"] = {
        "pytorch_state_dict": {"source": "weights.pt", "sha256": sha256(folder / "weights.pt"),
                               "architecture": arch, "pytorch_version": "2.13"},
        "torchscript": {"source": "weights_torchscript.pt", "sha256": sha256(folder / "weights_torchscript.pt"),
                        "parent": "pytorch_state_dict", "pytorch_version": "2.13"},
        "onnx": {"source": "weights.onnx", "sha256": sha256(folder / "weights.onnx"),
                 "parent": "pytorch_state_dict", "opset_version": 17},
    }
    rdf["config"] = {"bioimageio": {"reproducibility_tolerance": [
        {"relative_tolerance": 1e-4, "absolute_tolerance": 1e-5, "mismatched_elements_per_million": 0}]}}
    return rdf


def make_nuclei(folder: Path) -> None:
    import torch

    torch.manual_seed(11)
    rng = np.random.default_rng(11)
    (folder / "nuclei_net.py").write_text(NUCLEI_NET, encoding="utf-8")
    net = import_file(folder / "nuclei_net.py", "nuclei_net").TinyBoundaryNet(hidden=4, crop=4).eval()
    with torch.no_grad():  # default init gives near-constant outputs; widen them for a telling example
        for p in net.parameters():
            p.mul_(3.0)
    torch.save(net.state_dict(), folder / "weights.pt")
    with torch.no_grad():
        scripted = torch.jit.trace(net, torch.zeros(1, 1, 32, 32))
    save_torchscript(scripted, folder / "weights_torchscript.pt")
    nuclei_onnx(folder / "weights.onnx", net.state_dict(), crop=4)

    raw = (blobs(rng, (64, 64), 9, 3.0) * 3000 + 400).clip(0, 65535).astype(np.uint16)[None, None]
    # preprocessing: ensure_dtype float32, scale_range per sample over (c, y, x), clip [0, 1]
    x = raw.astype(np.float32)
    lo, hi = linear_quantile(x, 1.0, (1, 2, 3)), linear_quantile(x, 99.8, (1, 2, 3))
    x = ((x - lo) / (hi - lo + EPS)).astype(np.float32)
    x = np.clip(x, 0.0, 1.0).astype(np.float32)
    with torch.no_grad():
        logits = net(torch.from_numpy(x)).numpy()
    out = (1.0 / (1.0 + np.exp(-logits.astype(np.float64)))).astype(np.float32)  # sigmoid
    save_npy(folder / "test_input.npy", raw)
    save_npy(folder / "test_output.npy", out)
    write_cover(folder / "cover.png", [raw[0, 0], out[0, 0], out[0, 1]])

    rdf = nuclei_rdf(folder)
    write_yaml(folder / "rdf.yaml", rdf)
    write_yaml(folder / "v0_4.bioimageio.yaml", nuclei_v04(folder, rdf))
    write_readme(folder / "README.md", "Tiny Nuclei Boundary Net 2D", """
A three-layer convolutional network that turns a single-channel nuclear stain (DAPI, Hoechst)
into two probability maps: nucleus foreground and nucleus boundary. The network crops 4 pixels
on every side (its output is 8 pixels smaller than its input) and declares a halo of 4 pixels,
so large images are predicted tile by tile.

Input intensities are normalised per image to the 1st..99.8th percentile range and clipped to
[0, 1]. Weights come as PyTorch state dict, TorchScript and ONNX.
""", """
The test image is a synthetic 64x64 field of nine nuclei with Gaussian noise. All three weight
formats reproduce the published test output to within 1e-4 relative / 1e-5 absolute with no
mismatched elements (`zoo test examples/models/nuclei-boundary-2d`).
""")


def nuclei_v04(folder: Path, rdf05: dict) -> dict:
    """The same model written in format 0.4 (old layout: axes letters, test_inputs lists)."""
    rdf = {k: rdf05[k] for k in ("name", "description", "authors", "maintainers", "cite", "license",
                                 "tags", "documentation", "covers", "git_repo", "timestamp")}
    rdf.update({"format_version": "0.4.10", "type": "model"})
    rdf["inputs"] = [{
        "name": "raw", "axes": "bcyx", "data_type": "uint16",
        "shape": {"min": [1, 1, 32, 32], "step": [0, 0, 16, 16]},
        "preprocessing": [
            {"name": "scale_range", "kwargs": {"mode": "per_sample", "axes": "cyx", "min_percentile": 1.0,
                                               "max_percentile": 99.8}},
            {"name": "clip", "kwargs": {"min": 0.0, "max": 1.0}},
        ],
    }]
    rdf["outputs"] = [{
        "name": "boundaries", "axes": "bcyx", "data_type": "float32", "data_range": [0.0, 1.0],
        "shape": {"reference_tensor": "raw", "scale": [1.0, 0.0, 1.0, 1.0], "offset": [0, 1, -4, -4]},
        "halo": [0, 0, 4, 4], "postprocessing": [{"name": "sigmoid"}],
    }]
    rdf["test_inputs"] = ["test_input.npy"]
    rdf["test_outputs"] = ["test_output.npy"]
    rdf["weights"] = {
        "pytorch_state_dict": {"source": "weights.pt", "sha256": sha256(folder / "weights.pt"),
                               "architecture": "nuclei_net.py:TinyBoundaryNet",
                               "architecture_sha256": sha256(folder / "nuclei_net.py"),
                               "kwargs": {"hidden": 4, "crop": 4}, "pytorch_version": "2.13"},
        "torchscript": {"source": "weights_torchscript.pt", "sha256": sha256(folder / "weights_torchscript.pt"),
                        "parent": "pytorch_state_dict", "pytorch_version": "2.13"},
        "onnx": {"source": "weights.onnx", "sha256": sha256(folder / "weights.onnx"),
                 "parent": "pytorch_state_dict", "opset_version": 17},
    }
    return rdf


# ----------------------------------------------------------------------------- model 2: 3D keras
def membrane_rdf(folder: Path) -> dict:
    """The format 0.5 description of the files written by make_membrane."""
    rdf = general_fields(
        "Tiny Membrane Distance Net 3D",
        "Estimates a normalised distance-to-membrane map in 3D stacks of membrane-stained tissue. "
        "A tiny two-layer 3D CNN in Keras, provided as HDF5 and TensorFlow SavedModel.",
        ["3d", "membrane", "tissue", "regression", "tensorflow", "keras", "cnn"],
    )
    space = lambda i, m, s: {"type": "space", "id": i, "size": {"min": m, "step": s}}  # noqa: E731
    ref = lambda i: {"type": "space", "id": i, "size": {"tensor_id": "raw", "axis_id": i}, "halo": 1}  # noqa: E731
    rdf["inputs"] = [{
        "id": "raw", "description": "membrane stain, z-stack",
        "axes": [{"type": "batch"}, space("z", 4, 4), space("y", 16, 8), space("x", 16, 8),
                 {"type": "channel", "channel_names": ["membrane"]}],
        "test_tensor": {"source": "test_input.npy", "sha256": sha256(folder / "test_input.npy")},
        "data": {"type": "float32"},
        "preprocessing": [{"id": "zero_mean_unit_variance", "kwargs": {"axes": ["z", "y", "x", "channel"],
                                                                       "eps": EPS}}],
    }]
    rdf["outputs"] = [{
        "id": "distance", "description": "normalised distance to the nearest membrane",
        "axes": [{"type": "batch"}, ref("z"), ref("y"), ref("x"),
                 {"type": "channel", "channel_names": ["distance"]}],
        "test_tensor": {"source": "test_output.npy", "sha256": sha256(folder / "test_output.npy")},
        "data": {"type": "float32", "range": [0.0, 1.0]},
        "postprocessing": [{"id": "scale_linear", "kwargs": {"gain": 0.5, "offset": 0.5}},
                           {"id": "clip", "kwargs": {"min": 0.0, "max": 1.0}}],
    }]
    tfv = ".".join(tf_version().split(".")[:2])
    rdf["weights"] = {
        "keras_hdf5": {"source": "weights.h5", "sha256": sha256(folder / "weights.h5"), "tensorflow_version": tfv},
        "tensorflow_saved_model_bundle": {
            "source": "tf_saved_model_bundle.zip", "sha256": sha256(folder / "tf_saved_model_bundle.zip"),
            "parent": "keras_hdf5", "tensorflow_version": tfv},
    }
    return rdf


def make_membrane(folder: Path) -> None:
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(23)
    rng = np.random.default_rng(23)
    inp = keras.Input(shape=(None, None, None, 1), name="raw")
    h = keras.layers.Conv3D(4, 3, padding="same", activation="relu", name="conv1")(inp)
    out = keras.layers.Conv3D(1, 1, padding="same", name="distance")(h)
    model = keras.Model(inp, out, name="membrane_distance_3d")
    model.save(folder / "weights.h5")

    export_dir = folder / "_saved_model"
    save_membrane_saved_model(model, export_dir)
    zip_folder(export_dir, folder / "tf_saved_model_bundle.zip")
    shutil.rmtree(export_dir)

    img = blobs(rng, (8, 32, 32), 6, 2.5)
    shell = np.abs(np.gradient(img)[1]) + np.abs(np.gradient(img)[2])  # membrane-like ridges
    raw = (shell * 5 + rng.normal(0, 0.02, shell.shape)).astype(np.float32)[None, ..., None]
    # preprocessing: zero_mean_unit_variance per sample over z, y, x, channel (population std)
    mean = raw.mean(axis=(1, 2, 3, 4), keepdims=True)
    std = raw.std(axis=(1, 2, 3, 4), keepdims=True)
    x = ((raw - mean) / (std + EPS)).astype(np.float32)
    y = model.predict(x, verbose=0).astype(np.float32)
    # postprocessing: scale_linear gain 0.5 offset 0.5, clip [0, 1]
    y = np.clip((y * 0.5 + 0.5).astype(np.float32), 0.0, 1.0).astype(np.float32)
    save_npy(folder / "test_input.npy", raw)
    save_npy(folder / "test_output.npy", y)
    write_cover(folder / "cover.png", [raw[0, 4, :, :, 0], y[0, 4, :, :, 0]])
    del tf

    rdf = membrane_rdf(folder)
    write_yaml(folder / "rdf.yaml", rdf)
    write_yaml(folder / "v0_4.bioimageio.yaml", membrane_v04(rdf))
    write_readme(folder / "README.md", "Tiny Membrane Distance Net 3D", """
A two-layer 3D convolutional network (3x3x3 then 1x1x1) that maps a membrane-stained z-stack
to a distance map scaled to [0, 1]. Axes are channel-last (batch, z, y, x, channel) as Keras
expects. Each stack is standardised to zero mean and unit variance before the network.
""", """
The test stack is a synthetic 8x32x32 volume of membrane-like ridges. Both the Keras HDF5 and
the TensorFlow SavedModel weights reproduce the test output within the default tolerances
(`zoo test examples/models/membrane-distance-3d`).
""")


def save_membrane_saved_model(model, export_dir: Path) -> None:
    """The Keras network as a plain TF2 SavedModel with a `serving_default` signature.

    Written from a tf.Module holding only the weights (keras' own export adds run-dependent
    bytes); fingerprint.pb is dropped because TensorFlow makes it differ on every save and loading
    does not need it.
    """
    import tensorflow as tf

    weights = {layer.name: layer.get_weights() for layer in model.layers if layer.get_weights()}

    class MembraneDistance(tf.Module):
        def __init__(self):
            super().__init__()
            self.k1, self.b1 = (tf.Variable(w, name=n) for w, n in zip(weights["conv1"], ("k1", "b1")))
            self.k2, self.b2 = (tf.Variable(w, name=n) for w, n in zip(weights["distance"], ("k2", "b2")))

        @tf.function(input_signature=[tf.TensorSpec([None, None, None, None, 1], tf.float32, name="raw")])
        def serve(self, raw):
            h = tf.nn.relu(tf.nn.conv3d(raw, self.k1, [1] * 5, "SAME") + self.b1)
            return {"distance": tf.nn.conv3d(h, self.k2, [1] * 5, "SAME") + self.b2}

    module = MembraneDistance()
    tf.saved_model.save(module, str(export_dir), signatures={"serving_default": module.serve})
    (export_dir / "fingerprint.pb").unlink(missing_ok=True)


def tf_version() -> str:
    import tensorflow as tf

    return tf.__version__


def membrane_v04(rdf05: dict) -> dict:
    rdf = {k: rdf05[k] for k in ("name", "description", "authors", "maintainers", "cite", "license",
                                 "tags", "documentation", "covers", "git_repo", "timestamp")}
    rdf.update({"format_version": "0.4.10", "type": "model"})
    rdf["inputs"] = [{
        "name": "raw", "axes": "bzyxc", "data_type": "float32",
        "shape": {"min": [1, 4, 16, 16, 1], "step": [0, 4, 8, 8, 0]},
        "preprocessing": [{"name": "zero_mean_unit_variance", "kwargs": {"mode": "per_sample", "axes": "zyxc"}}],
    }]
    rdf["outputs"] = [{
        "name": "distance", "axes": "bzyxc", "data_type": "float32",
        "shape": {"reference_tensor": "raw", "scale": [1, 1, 1, 1, 1], "offset": [0, 0, 0, 0, 0]},
        "halo": [0, 1, 1, 1, 0],
        # a 0.4 postprocessing step with an `axes` option must name them: the format's reference refuses it otherwise
        "postprocessing": [{"name": "scale_linear", "kwargs": {"axes": "zyxc", "gain": 0.5, "offset": 0.5}},
                           {"name": "clip", "kwargs": {"min": 0.0, "max": 1.0}}],
    }]
    rdf["test_inputs"] = ["test_input.npy"]
    rdf["test_outputs"] = ["test_output.npy"]
    rdf["weights"] = copy.deepcopy(rdf05["weights"])  # both formats describe the same weight files
    return rdf


# ----------------------------------------------------------------------------- model 3: two inputs
FUSION_NET = '''"""Two-input fusion network: a shared 3x3 trunk and three 1x1 heads."""
import torch
from torch import nn


class FusionNet(nn.Module):
    """Fuses a two-channel image with a one-channel prior into class logits, a restoration and masks."""

    def __init__(self, hidden: int = 6):
        super().__init__()
        self.trunk = nn.Conv2d(3, hidden, 3, padding=1)
        self.classes = nn.Conv2d(hidden, 3, 1)
        self.restore = nn.Conv2d(hidden, 2, 1)
        self.masks = nn.Conv2d(hidden, 2, 1)

    def forward(self, raw: torch.Tensor, prior: torch.Tensor):
        h = torch.relu(self.trunk(torch.cat([raw, prior], dim=1)))
        return self.classes(h), self.restore(h), torch.sigmoid(self.masks(h))
'''


def fusion_onnx(path: Path, sd: dict) -> None:
    from onnx import TensorProto, helper

    g = {k: v.detach().numpy() for k, v in sd.items()}
    inits: list = []
    nodes = [
        helper.make_node("Concat", ["raw", "prior"], ["cat"], axis=1),
        onnx_conv("trunk", "cat", "t", g["trunk.weight"], g["trunk.bias"], 1, inits),
        helper.make_node("Relu", ["t"], ["h"]),
        onnx_conv("classes", "h", "probabilities", g["classes.weight"], g["classes.bias"], 0, inits),
        onnx_conv("restore", "h", "restored", g["restore.weight"], g["restore.bias"], 0, inits),
        onnx_conv("masks", "h", "m", g["masks.weight"], g["masks.bias"], 0, inits),
        helper.make_node("Sigmoid", ["m"], ["mask"]),
    ]
    f = TensorProto.FLOAT
    ins = [helper.make_tensor_value_info("raw", f, ["b", 2, "y", "x"]),
           helper.make_tensor_value_info("prior", f, ["b", 1, "y", "x"])]
    outs = [helper.make_tensor_value_info(n, f, ["b", c, "y", "x"])
            for n, c in (("probabilities", 3), ("restored", 2), ("mask", 2))]
    save_onnx(path, nodes, inits, ins, outs)


FUSION_MEAN, FUSION_STD = [120.0, 80.0], [40.0, 25.0]
MASK_THRESHOLDS = [0.5, 0.35]


def fusion_expected(net, raw: np.ndarray, prior: np.ndarray) -> dict[str, np.ndarray]:
    import torch

    mean = np.array(FUSION_MEAN, np.float32).reshape(1, 2, 1, 1)
    std = np.array(FUSION_STD, np.float32).reshape(1, 2, 1, 1)
    r = ((raw - mean) / (std + EPS)).astype(np.float32)  # fixed_zero_mean_unit_variance per channel
    lo, hi = linear_quantile(raw, 5.0, (1, 2, 3)), linear_quantile(raw, 95.0, (1, 2, 3))  # ref = raw
    p = ((prior - lo) / (hi - lo + EPS)).astype(np.float32)  # scale_range with reference tensor
    p = (p * np.float32(2.0) + np.float32(-1.0)).astype(np.float32)  # scale_linear along channel
    p = ((p - np.float32(0.1)) / np.float32(0.9 + EPS)).astype(np.float32)  # fixed zmuv scalar
    with torch.no_grad():
        logits, restored, mask = (t.numpy() for t in net(torch.from_numpy(r), torch.from_numpy(p)))
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)  # softmax over channel
    m, s = restored.mean(axis=(2, 3), keepdims=True), restored.std(axis=(2, 3), keepdims=True)
    rm, rs = raw.mean(axis=(2, 3), keepdims=True), raw.std(axis=(2, 3), keepdims=True)
    restored = ((restored - m) / (s + EPS) * (rs + EPS) + rm).astype(np.float32)  # scale_mean_variance
    q_lo = np.quantile(restored, 0.001, axis=(2, 3), keepdims=True, method="inverted_cdf")
    q_hi = np.quantile(restored, 0.999, axis=(2, 3), keepdims=True, method="inverted_cdf")
    restored = np.clip(restored, q_lo, q_hi).astype(np.float32)  # clip with percentiles per channel
    thr = np.array(MASK_THRESHOLDS, np.float32).reshape(1, 2, 1, 1)
    return {"probabilities": probs, "restored": restored, "mask": mask > thr}  # binarize per channel


def fusion_rdf(folder: Path) -> dict:
    """The format 0.5 description of the files written by make_fusion."""
    rdf = general_fields(
        "Tiny Two Channel Fusion Net 2D",
        "Combines a two-channel fluorescence image (nuclei and cytoplasm) with a prior probability "
        "map into cell class probabilities, a restored image and binary masks.",
        ["2d", "fluorescence-light-microscopy", "cells", "multi-input", "semantic-segmentation",
         "denoising", "pytorch", "onnx"],
    )
    yx = [{"type": "space", "id": "y", "size": {"min": 16, "step": 8}},
          {"type": "space", "id": "x", "size": {"min": 16, "step": 8}}]
    ref = lambda i: {"type": "space", "id": i, "size": {"tensor_id": "raw", "axis_id": i}}  # noqa: E731
    out_ref = lambda i: {**ref(i), "halo": 1}  # noqa: E731
    tt = lambda n: {"source": n, "sha256": sha256(folder / n)}  # noqa: E731
    rdf["inputs"] = [
        {"id": "raw", "description": "nuclei and cytoplasm channels",
         "axes": [{"type": "batch"}, {"type": "channel", "channel_names": ["nuclei", "cytoplasm"]}, *yx],
         "test_tensor": tt("test_input_raw.npy"), "data": {"type": "float32"},
         "preprocessing": [{"id": "fixed_zero_mean_unit_variance",
                            "kwargs": {"axis": "channel", "mean": FUSION_MEAN, "std": FUSION_STD}}]},
        {"id": "prior", "description": "prior cell probability from a previous step",
         "axes": [{"type": "batch"}, {"type": "channel", "channel_names": ["prior"]}, ref("y"), ref("x")],
         "test_tensor": tt("test_input_prior.npy"), "data": {"type": "float32"},
         "preprocessing": [
             {"id": "scale_range", "kwargs": {"reference_tensor": "raw", "axes": ["channel", "y", "x"],
                                              "min_percentile": 5.0, "max_percentile": 95.0, "eps": EPS}},
             {"id": "scale_linear", "kwargs": {"axis": "channel", "gain": [2.0], "offset": [-1.0]}},
             {"id": "fixed_zero_mean_unit_variance", "kwargs": {"mean": 0.1, "std": 0.9}}]},
    ]
    rdf["outputs"] = [
        {"id": "probabilities", "description": "background, cell and border probabilities",
         "axes": [{"type": "batch"}, {"type": "channel", "channel_names": ["background", "cell", "border"]},
                  out_ref("y"), out_ref("x")],
         "test_tensor": tt("test_output_probabilities.npy"), "data": {"type": "float32"},
         "postprocessing": [{"id": "softmax", "kwargs": {"axis": "channel"}}]},
        {"id": "restored", "description": "restored image with the raw image's intensity statistics",
         "axes": [{"type": "batch"}, {"type": "channel", "channel_names": ["nuclei", "cytoplasm"]},
                  out_ref("y"), out_ref("x")],
         "test_tensor": tt("test_output_restored.npy"), "data": {"type": "float32"},
         "postprocessing": [
             {"id": "scale_mean_variance", "kwargs": {"reference_tensor": "raw", "axes": ["y", "x"], "eps": EPS}},
             {"id": "clip", "kwargs": {"min_percentile": 0.1, "max_percentile": 99.9, "axes": ["y", "x"]}}]},
        {"id": "mask", "description": "binary nuclei and cytoplasm masks",
         "axes": [{"type": "batch"}, {"type": "channel", "channel_names": ["nuclei", "cytoplasm"]},
                  out_ref("y"), out_ref("x")],
         "test_tensor": tt("test_output_mask.npy"), "data": {"type": "bool", "values": [False, True]},
         "postprocessing": [{"id": "binarize", "kwargs": {"axis": "channel", "threshold": MASK_THRESHOLDS}}]},
    ]
    rdf["weights"] = {
        "torchscript": {"source": "weights_torchscript.pt", "sha256": sha256(folder / "weights_torchscript.pt"),
                        "pytorch_version": "2.13"},
        "onnx": {"source": "weights.onnx", "sha256": sha256(folder / "weights.onnx"),
                 "parent": "torchscript", "opset_version": 17},
    }
    return rdf


def make_fusion(folder: Path) -> None:
    import torch

    torch.manual_seed(37)
    rng = np.random.default_rng(37)
    (folder / "fusion_net.py").write_text(FUSION_NET, encoding="utf-8")
    net = import_file(folder / "fusion_net.py", "fusion_net").FusionNet(hidden=6).eval()
    with torch.no_grad():
        scripted = torch.jit.trace(net, (torch.zeros(1, 2, 16, 16), torch.zeros(1, 1, 16, 16)))
    save_torchscript(scripted, folder / "weights_torchscript.pt")
    fusion_onnx(folder / "weights.onnx", net.state_dict())

    base = blobs(rng, (48, 48), 7, 3.0)
    raw = np.stack([base * 150 + 60, np.roll(base, 3, axis=1) * 90 + 50 + rng.normal(0, 4, base.shape)])
    raw = raw.astype(np.float32)[None]
    prior = (blobs(rng, (48, 48), 7, 4.0) * 100 + 90).astype(np.float32)[None, None]
    outs = fusion_expected(net, raw, prior)
    save_npy(folder / "test_input_raw.npy", raw)
    save_npy(folder / "test_input_prior.npy", prior)
    for k, v in outs.items():
        save_npy(folder / f"test_output_{k}.npy", v)
    write_cover(folder / "cover.png", [raw[0, 0], raw[0, 1], outs["probabilities"][0, 1], outs["restored"][0, 0]])

    rdf = fusion_rdf(folder)
    write_yaml(folder / "rdf.yaml", rdf)
    write_readme(folder / "README.md", "Tiny Two Channel Fusion Net 2D", """
A network with two inputs: a two-channel fluorescence image (nuclei, cytoplasm) and a one-channel
prior probability map. It outputs class probabilities (softmax over background, cell, border),
a restored image rescaled to the raw image's per-channel mean and variance, and two binary masks
thresholded per channel. The prior is normalised with the raw image's percentiles.
""", """
Synthetic 48x48 test images. TorchScript and ONNX weights reproduce all three test outputs within
the default tolerances (`zoo test examples/models/two-channel-fusion-2d`).
""")


# ----------------------------------------------------------------------------- models 4-6: other shapes
UPSAMPLE_NET = '''"""Tiny 2x upsampler: a 3x3 convolution, a stride-2 transposed convolution, a 3x3 convolution."""
import torch
from torch import nn


class TinyUpsampler(nn.Module):
    """Doubles the resolution of a single-channel 2D image."""

    def __init__(self, hidden: int = 4):
        super().__init__()
        self.conv1 = nn.Conv2d(1, hidden, 3, padding=1)
        self.up = nn.ConvTranspose2d(hidden, hidden, 2, stride=2)
        self.conv2 = nn.Conv2d(hidden, 1, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(torch.relu(self.up(torch.relu(self.conv1(x)))))
'''

DOWNSAMPLE_NET = '''"""Tiny 2x downsampler: a 3x3 convolution, 2x2 average pooling, a 3x3 convolution."""
import torch
from torch import nn


class TinyDownsampler(nn.Module):
    """Maps a single-channel 2D image to a probability map of half its size."""

    def __init__(self, hidden: int = 4):
        super().__init__()
        self.conv1 = nn.Conv2d(1, hidden, 3, padding=1)
        self.pool = nn.AvgPool2d(2)
        self.conv2 = nn.Conv2d(hidden, 1, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.pool(torch.relu(self.conv1(x))))
'''

FIXED_NET = '''"""Tiny U-Net of one level: the skip connection needs an even input size, the model is trained at 64x64."""
import torch
from torch import nn


class TinyUNet(nn.Module):
    """One encoder level, max pooling, one bottleneck convolution, nearest upsampling, one decoder level."""

    def __init__(self, hidden: int = 4):
        super().__init__()
        self.enc = nn.Conv2d(1, hidden, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.mid = nn.Conv2d(hidden, hidden, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.dec = nn.Conv2d(2 * hidden, 1, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e = torch.relu(self.enc(x))
        m = torch.relu(self.mid(self.pool(e)))
        return self.dec(torch.cat([e, self.up(m)], dim=1))
'''


def _weights(net) -> dict:
    return {k: v.detach().numpy() for k, v in net.state_dict().items()}


def upsample_onnx(path: Path, net) -> None:
    from onnx import TensorProto, helper, numpy_helper

    g, inits = _weights(net), []
    inits += [numpy_helper.from_array(g["up.weight"], "up.weight"), numpy_helper.from_array(g["up.bias"], "up.bias")]
    nodes = [
        onnx_conv("conv1", "raw", "h1", g["conv1.weight"], g["conv1.bias"], 1, inits),
        helper.make_node("Relu", ["h1"], ["r1"]),
        helper.make_node("ConvTranspose", ["r1", "up.weight", "up.bias"], ["h2"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Relu", ["h2"], ["r2"]),
        onnx_conv("conv2", "r2", "upsampled", g["conv2.weight"], g["conv2.bias"], 1, inits),
    ]
    f = TensorProto.FLOAT
    save_onnx(path, nodes, inits, [helper.make_tensor_value_info("raw", f, ["b", 1, "y", "x"])],
              [helper.make_tensor_value_info("upsampled", f, ["b", 1, "y2", "x2"])])


def downsample_onnx(path: Path, net) -> None:
    from onnx import TensorProto, helper

    g, inits = _weights(net), []
    nodes = [
        onnx_conv("conv1", "raw", "h1", g["conv1.weight"], g["conv1.bias"], 1, inits),
        helper.make_node("Relu", ["h1"], ["r1"]),
        helper.make_node("AveragePool", ["r1"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
        onnx_conv("conv2", "p", "probability", g["conv2.weight"], g["conv2.bias"], 1, inits),
    ]
    f = TensorProto.FLOAT
    save_onnx(path, nodes, inits, [helper.make_tensor_value_info("raw", f, ["b", 1, "y", "x"])],
              [helper.make_tensor_value_info("probability", f, ["b", 1, "y2", "x2"])])


def fixed_onnx(path: Path, net, size: int) -> None:
    """Declared with a fixed image size, like real exports: onnxruntime refuses any other size."""
    from onnx import TensorProto, helper, numpy_helper

    g, inits = _weights(net), []
    inits.append(numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales"))
    nodes = [
        onnx_conv("enc", "raw", "e0", g["enc.weight"], g["enc.bias"], 1, inits),
        helper.make_node("Relu", ["e0"], ["e"]),
        helper.make_node("MaxPool", ["e"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
        onnx_conv("mid", "p", "m0", g["mid.weight"], g["mid.bias"], 1, inits),
        helper.make_node("Relu", ["m0"], ["m"]),
        helper.make_node("Resize", ["m", "", "scales"], ["u"], mode="nearest",
                         coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
        helper.make_node("Concat", ["e", "u"], ["cat"], axis=1),
        onnx_conv("dec", "cat", "restored", g["dec.weight"], g["dec.bias"], 1, inits),
    ]
    f = TensorProto.FLOAT
    save_onnx(path, nodes, inits, [helper.make_tensor_value_info("raw", f, ["b", 1, size, size])],
              [helper.make_tensor_value_info("restored", f, ["b", 1, size, size])])


def zmuv(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """zero_mean_unit_variance per sample (population std, the reference's eps)."""
    return ((x - x.mean(axis=axes, keepdims=True)) / (x.std(axis=axes, keepdims=True) + EPS)).astype(np.float32)


def shape_model(folder: Path, code: str, module: str, cls: str, seed: int, trace_shape: tuple[int, ...]):
    """Write the architecture, build the network with widened weights and save its TorchScript."""
    import torch

    torch.manual_seed(seed)
    (folder / f"{module}.py").write_text(code, encoding="utf-8")
    net = getattr(import_file(folder / f"{module}.py", module), cls)(hidden=4).eval()
    with torch.no_grad():  # default init gives near-constant outputs; widen them for a telling example
        for p in net.parameters():
            p.mul_(2.0)
        scripted = torch.jit.trace(net, torch.zeros(*trace_shape))
    save_torchscript(scripted, folder / "weights_torchscript.pt")
    return net


def run_net(net, x: np.ndarray) -> np.ndarray:
    import torch

    with torch.no_grad():
        return net(torch.from_numpy(x)).numpy().astype(np.float32)


def shape_weights(folder: Path) -> dict:
    return {
        "torchscript": {"source": "weights_torchscript.pt", "sha256": sha256(folder / "weights_torchscript.pt"),
                        "pytorch_version": "2.13"},
        "onnx": {"source": "weights.onnx", "sha256": sha256(folder / "weights.onnx"), "parent": "torchscript",
                 "opset_version": 17},
    }


def bcyx(channel: str, y: object, x: object, **extra) -> list[dict]:
    return [{"type": "batch"}, {"type": "channel", "channel_names": [channel]},
            {"type": "space", "id": "y", "size": y, **extra}, {"type": "space", "id": "x", "size": x, **extra}]


def tensor_file(folder: Path, name: str) -> dict:
    return {"source": name, "sha256": sha256(folder / name)}


def ref_raw(axis: str) -> dict:
    return {"tensor_id": "raw", "axis_id": axis}


def make_upsample(folder: Path) -> None:
    rng = np.random.default_rng(41)
    net = shape_model(folder, UPSAMPLE_NET, "upsample_net", "TinyUpsampler", 41, (1, 1, 16, 16))
    upsample_onnx(folder / "weights.onnx", net)
    raw = (blobs(rng, (32, 32), 5, 2.0) * 200 + 30).astype(np.float32)[None, None]
    out = run_net(net, zmuv(raw, (1, 2, 3)))
    save_npy(folder / "test_input.npy", raw)
    save_npy(folder / "test_output.npy", out)
    write_cover(folder / "cover.png", [raw[0, 0], out[0, 0]])
    rdf = general_fields(
        "Tiny Upsampler 2D",
        "Doubles the resolution of single-channel 2D fluorescence images. A deliberately tiny "
        "network whose output is twice the size of its input, as an example of a scaled output.",
        ["2d", "fluorescence-light-microscopy", "super-resolution", "pytorch", "onnx", "cnn"])
    rdf["inputs"] = [{
        "id": "raw", "description": "fluorescence image, any intensity range",
        "axes": bcyx("intensity", {"min": 16, "step": 8}, {"min": 16, "step": 8}),
        "test_tensor": tensor_file(folder, "test_input.npy"), "data": {"type": "float32"},
        "preprocessing": [{"id": "zero_mean_unit_variance", "kwargs": {"axes": ["channel", "y", "x"], "eps": EPS}}],
    }]
    # scale 0.5: output pixels are half as large, so the output is twice the input's size; the halo of
    # 6 output pixels is 3 input pixels of context
    rdf["outputs"] = [{
        "id": "upsampled", "description": "the image at twice the resolution (standardised intensities)",
        "axes": bcyx("intensity", ref_raw("y"), ref_raw("x"), scale=0.5, halo=6),
        "test_tensor": tensor_file(folder, "test_output.npy"), "data": {"type": "float32"},
    }]
    rdf["weights"] = shape_weights(folder)
    write_yaml(folder / "rdf.yaml", rdf)
    write_readme(folder / "README.md", "Tiny Upsampler 2D", """
A three-layer network that doubles the resolution of a single-channel 2D image: a 3x3
convolution, a stride-2 transposed convolution and a 3x3 convolution. The output axes have
`scale: 0.5` against the input's, so the output is twice the input's size, and a halo of 6
output pixels (3 input pixels) so large images are predicted block by block. Each image is
standardised to zero mean and unit variance first. Weights come as TorchScript and ONNX.
""", """
The test image is a synthetic 32x32 field of five blobs; its output is 64x64. Both weight formats
reproduce the test output within the default tolerances (`zoo test examples/models/upsample-2d`).
""")


def make_downsample(folder: Path) -> None:
    rng = np.random.default_rng(43)
    net = shape_model(folder, DOWNSAMPLE_NET, "downsample_net", "TinyDownsampler", 43, (1, 1, 32, 32))
    downsample_onnx(folder / "weights.onnx", net)
    raw = (blobs(rng, (64, 64), 8, 3.0) * 900 + 100).clip(0, 65535).astype(np.uint16)[None, None]
    x = raw.astype(np.float32)
    lo, hi = linear_quantile(x, 1.0, (1, 2, 3)), linear_quantile(x, 99.0, (1, 2, 3))
    x = ((x - lo) / (hi - lo + EPS)).astype(np.float32)  # scale_range per sample
    logits = run_net(net, x)
    out = (1.0 / (1.0 + np.exp(-logits.astype(np.float64)))).astype(np.float32)  # sigmoid
    save_npy(folder / "test_input.npy", raw)
    save_npy(folder / "test_output.npy", out)
    write_cover(folder / "cover.png", [raw[0, 0], out[0, 0]])
    rdf = general_fields(
        "Tiny Downsampler 2D",
        "Predicts a foreground probability map at half the resolution of a single-channel 2D image. "
        "A deliberately tiny network whose output is smaller than its input.",
        ["2d", "fluorescence-light-microscopy", "semantic-segmentation", "pytorch", "onnx", "cnn"])
    rdf["inputs"] = [{
        "id": "raw", "description": "fluorescence image",
        "axes": bcyx("intensity", {"min": 32, "step": 16}, {"min": 32, "step": 16}),
        "test_tensor": tensor_file(folder, "test_input.npy"), "data": {"type": "uint16"},
        "preprocessing": [
            {"id": "ensure_dtype", "kwargs": {"dtype": "float32"}},
            {"id": "scale_range", "kwargs": {"axes": ["channel", "y", "x"], "min_percentile": 1.0,
                                             "max_percentile": 99.0, "eps": EPS}},
            {"id": "ensure_dtype", "kwargs": {"dtype": "float32"}}],
    }]
    # scale 2.0: output pixels are twice as large, the output half the input's size; its halo of 3
    # output pixels is 6 input pixels of context
    rdf["outputs"] = [{
        "id": "probability", "description": "foreground probability at half resolution",
        "axes": bcyx("foreground", ref_raw("y"), ref_raw("x"), scale=2.0, halo=3),
        "test_tensor": tensor_file(folder, "test_output.npy"), "data": {"type": "float32", "range": [0.0, 1.0]},
        "postprocessing": [{"id": "sigmoid"}],
    }]
    rdf["weights"] = shape_weights(folder)
    write_yaml(folder / "rdf.yaml", rdf)
    write_readme(folder / "README.md", "Tiny Downsampler 2D", """
A three-layer network with 2x2 average pooling in the middle: its output is half the size of
its input. The output axes have `scale: 2.0` against the input's and a halo of 3 output pixels
(6 input pixels). Intensities are normalised per image to the 1st..99th percentile range; the
output is a sigmoid probability. Weights come as TorchScript and ONNX.
""", """
The test image is a synthetic 64x64 field of eight blobs; its output is 32x32. Both weight formats
reproduce the test output within the default tolerances (`zoo test examples/models/downsample-2d`).
""")


FIXED_SIZE = 64


def make_fixed(folder: Path) -> None:
    rng = np.random.default_rng(47)
    net = shape_model(folder, FIXED_NET, "unet_net", "TinyUNet", 47, (1, 1, FIXED_SIZE, FIXED_SIZE))
    fixed_onnx(folder / "weights.onnx", net, FIXED_SIZE)
    raw = blobs(rng, (FIXED_SIZE, FIXED_SIZE), 6, 3.0) * 500 + 50 + rng.normal(0, 20, (FIXED_SIZE, FIXED_SIZE))
    raw = raw.astype(np.float32)[None, None]
    out = run_net(net, zmuv(raw, (1, 2, 3)))
    save_npy(folder / "test_input.npy", raw)
    save_npy(folder / "test_output.npy", out)
    write_cover(folder / "cover.png", [raw[0, 0], out[0, 0]])
    rdf = general_fields(
        "Tiny Fixed Shape UNet 2D",
        "Restores single-channel 2D images with a one-level U-Net that only takes 64x64 inputs, as an "
        "example of a fixed-shape model: larger images are tiled, smaller ones padded.",
        ["2d", "fluorescence-light-microscopy", "denoising", "unet", "pytorch", "onnx"])
    rdf["inputs"] = [{
        "id": "raw", "description": "fluorescence image",
        "axes": bcyx("intensity", FIXED_SIZE, FIXED_SIZE),
        "test_tensor": tensor_file(folder, "test_input.npy"), "data": {"type": "float32"},
        "pad": {"mode": "reflect"},  # how the model wants its borders padded (0.5 `pad`)
        "preprocessing": [{"id": "zero_mean_unit_variance", "kwargs": {"axes": ["channel", "y", "x"], "eps": EPS}}],
    }]
    rdf["outputs"] = [{
        "id": "restored", "description": "restored image (standardised intensities)",
        "axes": bcyx("intensity", ref_raw("y"), ref_raw("x"), halo=8),
        "test_tensor": tensor_file(folder, "test_output.npy"), "data": {"type": "float32"},
    }]
    rdf["weights"] = shape_weights(folder)
    write_yaml(folder / "rdf.yaml", rdf)
    write_yaml(folder / "v0_4.bioimageio.yaml", fixed_v04(rdf))
    write_readme(folder / "README.md", "Tiny Fixed Shape UNet 2D", """
A one-level U-Net (encoder convolution, 2x2 max pooling, bottleneck convolution, nearest
upsampling, concatenation with the skip connection, decoder convolution). Its input has the
fixed size 64x64: the ONNX weights refuse any other size and the skip connection of the
TorchScript weights fails on odd sizes. The output has the input's size and a halo of 8 pixels,
and the input asks to be padded by reflection, so `zoo predict` tiles larger images into
64x64 blocks and pads smaller ones. Each image is standardised to zero mean and unit variance.
""", """
The test image is a synthetic 64x64 field of six blobs with Gaussian noise. Both weight formats
reproduce the test output within the default tolerances (`zoo test examples/models/fixed-shape-2d`).
The 0.4 description `v0_4.bioimageio.yaml` writes the same shapes the way the 0.4 format did.
""")


def fixed_v04(rdf05: dict) -> dict:
    """The fixed-shape model in format 0.4: an explicit input shape, the output's relative to it, with a halo."""
    rdf = {k: rdf05[k] for k in ("name", "description", "authors", "maintainers", "cite", "license",
                                 "tags", "documentation", "covers", "git_repo", "timestamp")}
    rdf.update({"format_version": "0.4.10", "type": "model"})
    shape = [1, 1, FIXED_SIZE, FIXED_SIZE]
    rdf["inputs"] = [{"name": "raw", "axes": "bcyx", "data_type": "float32", "shape": shape,
                      "preprocessing": [{"name": "zero_mean_unit_variance",
                                         "kwargs": {"mode": "per_sample", "axes": "cyx"}}]}]
    rdf["outputs"] = [{"name": "restored", "axes": "bcyx", "data_type": "float32", "halo": [0, 0, 8, 8],
                       "shape": {"reference_tensor": "raw", "scale": [1, 1, 1, 1], "offset": [0, 0, 0, 0]}}]
    rdf["test_inputs"] = ["test_input.npy"]
    rdf["test_outputs"] = ["test_output.npy"]
    rdf["weights"] = copy.deepcopy(rdf05["weights"])
    return rdf


# ----------------------------------------------------------------------------- broken variants
RAISING_NET = NUCLEI_NET.replace(
    "        h = torch.relu(self.conv1(x))\n",
    "        raise RuntimeError(\"deliberate failure inside the architecture\")\n"
    "        h = torch.relu(self.conv1(x))\n",
)
NAN_NET = NUCLEI_NET.replace("        return y[:, :, c:-c, c:-c]\n",
                             "        return y[:, :, c:-c, c:-c] * float(\"nan\")\n")
HANGING_NET = NUCLEI_NET.replace(
    "        h = torch.relu(self.conv1(x))\n",
    "        while True:\n            x = x + 0\n        h = torch.relu(self.conv1(x))\n",
)


class CallsGetcwd:
    """Unpickles by calling os.getcwd: harmless, but any call during loading means unsafe unpickling."""

    def __reduce__(self):
        return (os.getcwd, ())


def copy_nuclei(src: Path, dest: Path, names: list[str]) -> dict:
    dest.mkdir(parents=True)
    for n in [*names, "README.md"]:  # the description names README.md as its documentation
        shutil.copyfile(src / n, dest / n)
    yaml = YAML(typ="safe")
    return yaml.load((src / "rdf.yaml").read_text(encoding="utf-8"))


def only_weights(rdf: dict, fmt: str) -> dict:
    entry = dict(rdf["weights"][fmt])
    entry.pop("parent", None)
    rdf["weights"] = {fmt: entry}
    return rdf


def make_broken(nuclei: Path, broken: Path) -> None:
    # wrong expected output: the network is fine, the published test output is not
    d = broken / "wrong-output"
    rdf = only_weights(copy_nuclei(nuclei, d, ["weights_torchscript.pt", "test_input.npy", "cover.png"]),
                       "torchscript")
    wrong = np.load(nuclei / "test_output.npy") * np.float32(0.9) + np.float32(0.05)
    save_npy(d / "test_output.npy", wrong.astype(np.float32))
    rdf["outputs"][0]["test_tensor"]["sha256"] = sha256(d / "test_output.npy")
    rdf["name"] = "Broken example wrong test output"
    write_yaml(d / "rdf.yaml", rdf)

    # wrong sha256 of the weights
    d = broken / "wrong-sha256"
    rdf = only_weights(copy_nuclei(nuclei, d, ["weights_torchscript.pt", "test_input.npy", "test_output.npy",
                                                "cover.png"]), "torchscript")
    rdf["weights"]["torchscript"]["sha256"] = "0" * 64
    rdf["name"] = "Broken example wrong weights sha256"
    write_yaml(d / "rdf.yaml", rdf)

    # architectures that raise, return NaN, or never return
    for name, code, title in (("crashing-architecture", RAISING_NET, "raising architecture"),
                              ("nan-output", NAN_NET, "NaN output"),
                              ("hanging-architecture", HANGING_NET, "hanging architecture")):
        d = broken / name
        rdf = only_weights(copy_nuclei(nuclei, d, ["weights.pt", "test_input.npy", "test_output.npy", "cover.png"]),
                           "pytorch_state_dict")
        (d / "nuclei_net.py").write_text(code, encoding="utf-8")
        rdf["weights"]["pytorch_state_dict"]["architecture"]["sha256"] = sha256(d / "nuclei_net.py")
        rdf["name"] = f"Broken example {title}"
        write_yaml(d / "rdf.yaml", rdf)

    # a state dict that is an arbitrary pickle (would call os.getcwd when unpickled unsafely)
    d = broken / "pickled-weights"
    rdf = only_weights(copy_nuclei(nuclei, d, ["nuclei_net.py", "test_input.npy", "test_output.npy", "cover.png"]),
                       "pytorch_state_dict")
    import torch

    torch.save({"conv1.weight": CallsGetcwd()}, d / "weights.pt")
    rdf["weights"]["pytorch_state_dict"]["sha256"] = sha256(d / "weights.pt")
    rdf["name"] = "Broken example pickled weights"
    write_yaml(d / "rdf.yaml", rdf)


OVERVIEW = """# Example models

Tiny real networks, the embedded default for every stage (harvest, build, site). Generated by
`.venv/bin/python examples/make_models.py` (fixed seeds, fixed zip stamps: every file is
byte-identical on every run with the pinned frameworks). Do not edit by hand.

- `nuclei-boundary-2d`: 2D, one uint16 input; pytorch_state_dict, torchscript, onnx.
  Preprocessing ensure_dtype, scale_range, clip; postprocessing sigmoid. The output is 8 pixels
  smaller than the input and has a halo of 4, so `zoo predict` tiles it.
- `membrane-distance-3d`: 3D (channel-last), one input; keras_hdf5, tensorflow_saved_model_bundle.
  Preprocessing zero_mean_unit_variance; postprocessing scale_linear, clip.
- `two-channel-fusion-2d`: 2D, two inputs, three outputs; torchscript, onnx. Preprocessing
  fixed_zero_mean_unit_variance (per channel and scalar), scale_range with a reference tensor,
  scale_linear per channel; postprocessing softmax, scale_mean_variance, clip with percentiles,
  binarize per channel.

- `upsample-2d`: 2D, output twice the input's size (output axes `scale: 0.5`, halo 6); torchscript,
  onnx. Preprocessing zero_mean_unit_variance.
- `downsample-2d`: 2D, output half the input's size (output axes `scale: 2.0`, halo 3); torchscript,
  onnx. Preprocessing ensure_dtype, scale_range; postprocessing sigmoid.
- `fixed-shape-2d`: 2D, input fixed at 64x64 with `pad: reflect`, output of the same size with halo 8;
  torchscript, onnx (declared with the fixed shape). Preprocessing zero_mean_unit_variance.

`nuclei-boundary-2d`, `membrane-distance-3d` and `fixed-shape-2d` also have a format 0.4 description,
`v0_4.bioimageio.yaml`, beside their `rdf.yaml`.

`broken/` holds variants that must fail `zoo test` (wrong test output, wrong weights sha256, an
architecture that raises, one that hangs, one that returns NaN, pickled weights). They are format
valid except `wrong-sha256`, and are not part of the example collection.
"""


# ----------------------------------------------------------------------------- main
def main(argv: list[str]) -> int:
    """Write every example model into examples/models (or the folder given as the only argument)."""
    models = Path(argv[0]) if argv else MODELS
    if models.exists():
        shutil.rmtree(models)
    models.mkdir(parents=True)
    nuclei = models / "nuclei-boundary-2d"
    for name, make in (("nuclei-boundary-2d", make_nuclei), ("membrane-distance-3d", make_membrane),
                       ("two-channel-fusion-2d", make_fusion), ("upsample-2d", make_upsample),
                       ("downsample-2d", make_downsample), ("fixed-shape-2d", make_fixed)):
        (models / name).mkdir()
        make(models / name)
    make_broken(nuclei, models / "broken")
    (models / "broken" / "README.md").write_text(
        "# Broken example models\n\nEach folder here must FAIL `zoo test`: they check that the runner "
        "reports wrong outputs, wrong checksums, raising, hanging and NaN-producing architectures and "
        "pickled weights as failures. They are not part of the example collection.\n", encoding="utf-8")
    (models / "README.md").write_text(OVERVIEW, encoding="utf-8")
    total = sum(p.stat().st_size for p in models.rglob("*") if p.is_file())
    print(f"{models}: {total / 1e6:.2f} MB")
    if total >= 2_000_000:
        print("error: example models exceed 2 MB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
