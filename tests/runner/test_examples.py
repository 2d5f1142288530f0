"""The committed example models: complete, realistic, small, and reproduced by their generator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from testkit.paths import MODELS, REPO
from testkit.runner import GOOD, read_rdf, sha

PROCESSING_OPS = {"binarize", "clip", "ensure_dtype", "scale_linear", "sigmoid", "softmax",
                  "fixed_zero_mean_unit_variance", "zero_mean_unit_variance", "scale_range", "scale_mean_variance"}
WEIGHTS_FORMATS = {"torchscript", "pytorch_state_dict", "onnx", "tensorflow_saved_model_bundle", "keras_hdf5"}


def all_rdfs() -> list[dict]:
    return [read_rdf(MODELS / name / "rdf.yaml") for name in GOOD]


def test_examples_cover_formats_ops_dimensions_and_inputs():
    rdfs = all_rdfs()
    assert set().union(*(r["weights"] for r in rdfs)) == WEIGHTS_FORMATS
    ops = {op["id"] for r in rdfs for t in r["inputs"] + r["outputs"]
           for op in t.get("preprocessing", []) + t.get("postprocessing", [])}
    assert ops == PROCESSING_OPS
    spaces = {sum(a["type"] == "space" for a in r["inputs"][0]["axes"]) for r in rdfs}
    assert spaces == {2, 3}
    assert max(len(r["inputs"]) for r in rdfs) == 2
    assert any(a.get("halo") and a["size"].get("offset") for r in rdfs for t in r["outputs"] for a in t["axes"])
    # outputs scaled against their input both ways, and an input of one fixed size
    scales = {a.get("scale") for r in rdfs for t in r["outputs"] for a in t["axes"] if a["type"] == "space"}
    assert {0.5, 2.0} <= scales
    assert any(isinstance(a.get("size"), int) for r in rdfs for a in r["inputs"][0]["axes"] if a["type"] == "space")


@pytest.mark.parametrize("name", GOOD)
def test_each_example_is_complete(name):
    folder = MODELS / name
    rdf = read_rdf(folder / "rdf.yaml")
    assert rdf["format_version"].startswith("0.5.") and rdf["license"] == "CC-BY-4.0"
    for key in ("name", "description", "authors", "cite", "tags", "documentation", "covers"):
        assert rdf[key], key
    readme = (folder / rdf["documentation"]).read_text(encoding="utf-8")
    assert "\n## Validation\n" in readme
    with Image.open(folder / rdf["covers"][0]) as cover:
        assert cover.format == "PNG" and cover.width >= 256
    for t in rdf["inputs"] + rdf["outputs"]:
        tensor = folder / t["test_tensor"]["source"]
        assert sha(tensor) == t["test_tensor"]["sha256"]
        arr = np.load(tensor, allow_pickle=False)
        assert arr.ndim == len(t["axes"])
        assert np.ptp(arr.astype(np.float64)) > 1e-4, f"{tensor.name} is near-constant"
    for entry in rdf["weights"].values():
        assert sha(folder / entry["source"]) == entry["sha256"]


def test_three_examples_have_a_v0_4_description():
    v04 = [MODELS / n / "v0_4.bioimageio.yaml" for n in GOOD if (MODELS / n / "v0_4.bioimageio.yaml").exists()]
    assert len(v04) == 3
    for path in v04:
        rdf = read_rdf(path)
        assert rdf["format_version"] == "0.4.10" and rdf["test_inputs"] and rdf["test_outputs"]


def test_total_size_is_under_2_mb():
    assert sum(p.stat().st_size for p in MODELS.rglob("*") if p.is_file()) < 2_000_000


# The generator runs the example networks to compute their test outputs (and the covers drawn from
# them). Another CPU's kernels round the last float bit differently, so what is computed is
# compared within a tolerance, and everything else, the sha256 lines of computed files aside,
# byte for byte.
# Rounding errors grow with the values accumulated, so the absolute tolerance scales with the
# tensor's magnitude (a 150-valued output differs by 3e-5 between two x86 CPUs).
FLOAT_RTOL = 1e-5


def npy_difference(committed: Path, generated: Path) -> str | None:
    a, b = np.load(committed, allow_pickle=False), np.load(generated, allow_pickle=False)
    if a.shape != b.shape or a.dtype != b.dtype:
        return f"{a.dtype}{a.shape} != {b.dtype}{b.shape}"
    if np.issubdtype(a.dtype, np.floating):
        atol = FLOAT_RTOL * max(1.0, float(np.nanmax(np.abs(a), initial=0.0)))
        close = np.isclose(a, b, rtol=FLOAT_RTOL, atol=atol, equal_nan=True)
        return None if close.all() else f"{(~close).sum()} elements beyond rtol {FLOAT_RTOL}, atol {atol:.2g}"
    # Discrete outputs are thresholds of computed floats: a value on the threshold may flip.
    flipped = int((a != b).sum())
    return None if flipped <= max(1, a.size // 1000) else f"{flipped} of {a.size} elements differ"


def png_difference(committed: Path, generated: Path) -> str | None:
    with Image.open(committed) as a, Image.open(generated) as b:
        if (a.size, a.mode) != (b.size, b.mode):
            return f"{a.mode}{a.size} != {b.mode}{b.size}"
        diff = np.abs(np.asarray(a, dtype=np.int16) - np.asarray(b, dtype=np.int16))
    return None if diff.max() <= 1 else f"pixels differ by up to {diff.max()} levels"


COMPUTED = {".npy": npy_difference, ".png": png_difference}


def yaml_difference(committed: Path, generated: Path, gen_root: Path) -> str | None:
    """Equal as data, except a sha256 of a computed file, which must then hash the generated file."""
    problems: list[str] = []

    def walk(a, b, loc: str) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            if a.keys() != b.keys():
                problems.append(f"{loc}: keys {sorted(a)} != {sorted(b)}")
                return
            for key in a:
                if key == "sha256" and a[key] != b[key] and Path(str(b.get("source", ""))).suffix in COMPUTED:
                    if sha(generated.parent / b["source"]) != b[key]:
                        problems.append(f"{loc}.sha256 does not hash {b['source']}")
                else:
                    walk(a[key], b[key], f"{loc}.{key}")
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b)):
                walk(x, y, f"{loc}[{i}]")
        elif a != b:
            problems.append(f"{loc}: {a!r} != {b!r}")

    walk(read_rdf(committed), read_rdf(generated), generated.relative_to(gen_root).as_posix())
    return "; ".join(problems) or None


def file_difference(committed: Path, generated: Path, gen_root: Path) -> str | None:
    if committed.read_bytes() == generated.read_bytes():
        return None
    if committed.suffix in COMPUTED:
        return COMPUTED[committed.suffix](committed, generated)
    if committed.suffix == ".yaml":
        return yaml_difference(committed, generated, gen_root)
    return "bytes differ"


@pytest.mark.slow  # trains and runs the example models again
def test_generator_reproduces_the_committed_files(tmp_path):
    out = tmp_path / "models"
    proc = subprocess.run([sys.executable, str(REPO / "examples" / "make_models.py"), str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    committed = {p.relative_to(MODELS).as_posix() for p in MODELS.rglob("*") if p.is_file()}
    generated = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert committed == generated
    differing = {rel: file_difference(MODELS / rel, out / rel, out) for rel in sorted(committed)}
    assert {rel: why for rel, why in differing.items() if why} == {}


def test_the_comparison_tolerates_last_bit_rounding_only(tmp_path):
    """What another CPU computes passes; a real change to a computed file does not."""
    src = MODELS / "nuclei-boundary-2d"
    gen = tmp_path / "nuclei-boundary-2d"
    gen.mkdir()
    for name in ("rdf.yaml", "test_output.npy", "cover.png"):
        (gen / name).write_bytes((src / name).read_bytes())
    expected = np.load(src / "test_output.npy")

    def regenerate(output: np.ndarray) -> str | None:
        np.save(gen / "test_output.npy", output, allow_pickle=False)
        text = (src / "rdf.yaml").read_text(encoding="utf-8")
        (gen / "rdf.yaml").write_text(text.replace(sha(src / "test_output.npy"), sha(gen / "test_output.npy")))
        return (file_difference(src / "test_output.npy", gen / "test_output.npy", tmp_path)
                or file_difference(src / "rdf.yaml", gen / "rdf.yaml", tmp_path))

    assert regenerate(np.nextafter(expected, np.float32(np.inf))) is None
    assert "elements beyond" in regenerate(expected + np.float32(1e-3))
    assert "float64" in regenerate(expected.astype(np.float64))
    np.save(gen / "test_output.npy", np.nextafter(expected, np.float32(np.inf)), allow_pickle=False)
    assert "does not hash" in yaml_difference(src / "rdf.yaml", gen / "rdf.yaml", tmp_path)
    (gen / "rdf.yaml").write_text((src / "rdf.yaml").read_text(encoding="utf-8").replace("CC-BY-4.0", "MIT"))
    assert "license" in file_difference(src / "rdf.yaml", gen / "rdf.yaml", tmp_path)
