"""Benchmark: format-only validation throughput against plain YAML loading of the same files.

Generates N realistic model RDFs (default 1,000; a mix of 0.5 and 0.4, 1-2 inputs, 4-5 axes,
processing steps, several weights formats, authors, citations, tolerances), writes them to a
temporary folder, then times (a) plain YAML loading with ruamel.yaml's safe loader, (b) our
bounded loader, and (c) `validate(path, io=False)` which includes loading. Prints RDFs per
second and the ratio of (c) to (a); the target is within 3x.

    .venv/bin/python bench/validate.py [--count N] [--repeat R] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from ruamel.yaml import YAML

from pipeline.spec import validate, yamlio

FIRST = ["Ada", "Grace", "Alan", "Rosalind", "Santiago", "Marie", "Camillo", "Ernst", "Lin", "Yuki"]
LAST = ["Lovelace", "Hopper", "Turing", "Franklin", "Ramon", "Curie", "Golgi", "Abbe", "Chen", "Tanaka"]
TAGS = ["unet", "segmentation", "nuclei", "cells", "membrane", "2d", "3d", "denoising", "fluorescence",
        "electron-microscopy", "instance-segmentation", "pytorch", "onnx", "tensorflow"]


def _author(rng: random.Random) -> dict:
    return {"name": f"{rng.choice(FIRST)} {rng.choice(LAST)}", "affiliation": "Institute of Microscopy",
            "orcid": "0000-0002-1825-0097", "github_user": rng.choice(FIRST).lower()}


def _space_axes(rng: random.Random, three_d: bool) -> list[str]:
    return ["z", "y", "x"] if three_d else ["y", "x"]


def model05(rng: random.Random, n: int) -> dict:
    three_d = rng.random() < 0.3
    spatial = _space_axes(rng, three_d)
    channels = rng.choice([1, 1, 2, 3])
    inputs = []
    for k in range(rng.choice([1, 1, 1, 2])):
        axes = [{"type": "batch"}, {"type": "channel", "channel_names": [f"c{i}" for i in range(channels)]}]
        axes += [{"type": "space", "id": a, "size": {"min": 16 * (k + 1), "step": 8}, "unit": "micrometer",
                  "scale": 0.5} for a in spatial]
        pre = [{"id": "scale_range", "kwargs": {"axes": spatial, "min_percentile": 1, "max_percentile": 99.8}}]
        if rng.random() < 0.5:
            pre.append({"id": "clip", "kwargs": {"min": 0.0, "max": 1.0}})
        inputs.append({"id": f"input{k}", "description": "raw image", "axes": axes, "preprocessing": pre,
                       "test_tensor": {"source": f"test_input{k}.npy", "sha256": "a" * 64},
                       "sample_tensor": {"source": f"sample_input{k}.tif", "sha256": "b" * 64},
                       "data": {"type": "float32", "range": [None, None]}})
    out_axes = [{"type": "batch"}, {"type": "channel", "channel_names": ["foreground", "boundary"]}]
    out_axes += [{"type": "space", "id": a, "size": {"tensor_id": "input0", "axis_id": a}, "scale": 0.5,
                  "unit": "micrometer", "halo": rng.choice([1, 2, 4])} for a in spatial]
    outputs = [{"id": "prediction", "axes": out_axes, "postprocessing": [{"id": "sigmoid"}],
                "test_tensor": {"source": "test_output.npy", "sha256": "c" * 64}}]
    weights = {"pytorch_state_dict": {
        "source": "weights.pt", "sha256": "d" * 64, "pytorch_version": "2.1",
        "architecture": {"source": "unet.py", "sha256": "e" * 64, "callable": "UNet",
                         "kwargs": {"in_channels": channels, "out_channels": 2, "depth": rng.randint(2, 5)}}}}
    for fmt, extra in rng.sample([("torchscript", {"pytorch_version": "2.1"}), ("onnx", {"opset_version": 17})],
                                 rng.randint(0, 2)):
        weights[fmt] = {"source": f"weights.{fmt}", "sha256": "f" * 64, "parent": "pytorch_state_dict", **extra}
    return {
        "format_version": "0.5.4", "type": "model", "name": f"Generated UNet {n}", "id": f"generated-{n}",
        "description": "A generated model description of realistic size for the benchmark. " * rng.randint(1, 4),
        "authors": [_author(rng) for _ in range(rng.randint(1, 4))],
        "maintainers": [{"github_user": "zoo-bot", "name": "Zoo Bot"}],
        "cite": [{"text": "Ronneberger et al. U-Net", "doi": "10.1007/978-3-319-24574-4_28"},
                 {"text": "A later paper", "url": "https://example.org/paper"}],
        "license": rng.choice(["MIT", "CC-BY-4.0", "Apache-2.0", "BSD-3-Clause"]),
        "tags": rng.sample(TAGS, rng.randint(2, 6)), "documentation": "README.md", "covers": ["cover.png"],
        "git_repo": "https://github.com/example/model", "version": f"1.{n % 7}.0",
        "timestamp": "2024-03-01T12:00:00Z", "inputs": inputs, "outputs": outputs, "weights": weights,
        "training_data": {"id": "example/dataset"},
        "config": {"bioimageio": {"reproducibility_tolerance": [
            {"relative_tolerance": 0.001, "absolute_tolerance": 0.001, "mismatched_elements_per_million": 100}]}},
    }


def model04(rng: random.Random, n: int) -> dict:
    axes = "bczyx" if rng.random() < 0.3 else "bcyx"
    spatial = axes[2:]
    return {
        "format_version": "0.4.10", "type": "model", "name": f"generated-legacy-{n}",
        "description": "A generated 0.4 model description for the benchmark.",
        "authors": [_author(rng) for _ in range(rng.randint(1, 3))],
        "cite": [{"text": "Ronneberger et al.", "doi": "10.1007/978-3-319-24574-4_28"}],
        "license": "MIT", "documentation": "README.md", "covers": ["cover.png"], "tags": rng.sample(TAGS, 3),
        "timestamp": "2022-05-01T10:00:00",
        "inputs": [{"name": "raw", "axes": axes, "data_type": "float32", "data_range": [float("-inf"), float("inf")],
                    "shape": {"min": [1, 1] + [16] * len(spatial), "step": [0, 0] + [8] * len(spatial)},
                    "preprocessing": [{"name": "zero_mean_unit_variance",
                                       "kwargs": {"mode": "per_sample", "axes": spatial}}]}],
        "outputs": [{"name": "mask", "axes": axes, "data_type": "float32",
                     "shape": {"reference_tensor": "raw", "scale": [1] * len(axes), "offset": [0] * len(axes)},
                     "halo": [0, 0] + [4] * len(spatial), "postprocessing": [{"name": "sigmoid"}]}],
        "test_inputs": ["test_input.npy"], "test_outputs": ["test_output.npy"],
        "weights": {"torchscript": {"source": "weights.pt", "sha256": "a" * 64, "pytorch_version": "1.13"},
                    "onnx": {"source": "weights.onnx", "sha256": "b" * 64, "opset_version": 15,
                             "parent": "torchscript"}},
    }


def generate(folder: Path, count: int, seed: int = 0) -> list[Path]:
    """Write `count` RDFs (about 80% 0.5, 20% 0.4) and return their paths."""
    rng = random.Random(seed)
    paths = []
    for n in range(count):
        data = model04(rng, n) if rng.random() < 0.2 else model05(rng, n)
        path = folder / f"model{n:05d}.bioimageio.yaml"
        path.write_text(yamlio.dumps(data), encoding="utf-8")
        paths.append(path)
    return paths


def _time(label: str, paths: list[Path], fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for path in paths:
            fn(path)
        best = min(best, time.perf_counter() - start)
    return best


def run(count: int, repeat: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="zoo-bench-validate-") as tmp:
        paths = generate(Path(tmp), count)
        plain = YAML(typ="safe")  # libyaml-backed, like our own reader: the fair baseline
        validate(paths[0], io=False)  # compile the schemas once, as a long-running process would
        t_yaml = _time("yaml", paths, lambda p: plain.load(p.read_bytes()), repeat)
        t_ours = _time("ours", paths, lambda p: yamlio.loads(p.read_bytes(), source=str(p)), repeat)
        failures = []

        def check(p: Path) -> None:
            report = validate(p, io=False)
            if not report.passed:
                failures.append(report.format_text())

        t_validate = _time("validate", paths, check, repeat)
    if failures:
        raise SystemExit("generated RDFs failed validation:\n" + failures[0])
    return {
        "count": count,
        "yaml_load_per_s": round(count / t_yaml, 1),
        "bounded_load_per_s": round(count / t_ours, 1),
        "validate_per_s": round(count / t_validate, 1),
        "ratio_validate_to_yaml": round(t_validate / t_yaml, 2),
        "ratio_validate_to_bounded_load": round(t_validate / t_ours, 2),
        "target_ratio": 3.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.count, args.repeat)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:32} {value}")


if __name__ == "__main__":
    main()
