"""Child-process entry point: `python -m pipeline.runner.worker JOB.json RESULT.json`.

Runs the checks of one weights format and writes their results as JSON. It imports only numpy,
the model's framework and pure runner modules, so it also runs in a per-model environment.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import socket
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

ENV_PACKAGES = ("numpy", "torch", "onnxruntime", "tensorflow", "tensorflow-cpu", "keras")


def apply_rlimits(rlimits: dict[str, Any]) -> None:
    """Cap address space and file sizes (soft = hard, so model code cannot raise them again)."""
    if rlimits.get("memory_bytes"):
        resource.setrlimit(resource.RLIMIT_AS, (rlimits["memory_bytes"], rlimits["memory_bytes"]))
    if rlimits.get("file_bytes"):
        resource.setrlimit(resource.RLIMIT_FSIZE, (rlimits["file_bytes"], rlimits["file_bytes"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def block_network() -> None:
    """Refuse every socket connection from model code (a second fence behind the net namespace)."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise PermissionError("network access is disabled while testing a model")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign]
    socket.create_connection = refuse  # type: ignore[assignment]
    socket.getaddrinfo = refuse  # type: ignore[assignment]


def environment() -> dict[str, Any]:
    """The exact environment: python version and the framework packages present."""
    packages = {}
    for name in ENV_PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return {"python": platform.python_version(), "executable": sys.executable, "packages": packages}


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    from pipeline.runner.adapters import load_adapter
    from pipeline.runner.checks import LOAD, REPRODUCE, SIZES, guarded, reproduce, sizes_check
    from pipeline.runner.execute import ModelRunner

    descr, fmt = job["descr"], job["weights_format"]
    files = {k: Path(v) for k, v in job["files"].items()}
    holder: dict[str, Any] = {}

    def load(check: Any) -> None:
        holder["predict"] = load_adapter(fmt, descr["weights"][fmt], files, [t["id"] for t in descr["outputs"]],
                                         [t["id"] for t in descr["inputs"]])

    loaded = guarded(LOAD, load)
    if loaded.status != "passed":
        return {"tests": [{**loaded.to_json(), "name": REPRODUCE}], "env": environment()}
    runner = ModelRunner(descr, holder["predict"])
    inputs = {k: Path(v) for k, v in job["test_inputs"].items()}
    outputs = {k: Path(v) for k, v in job["test_outputs"].items()}
    tests = [guarded(REPRODUCE, lambda c: reproduce(runner, fmt, inputs, outputs, c))]
    tests[0].seconds += loaded.seconds
    if job.get("check_sizes"):
        tests.append(guarded(SIZES, lambda c: sizes_check(runner, c)))
    return {"tests": [t.to_json() for t in tests], "env": environment()}


def run_predict(job: dict[str, Any]) -> dict[str, Any]:
    """Tiled prediction on image files; writes one file per output."""
    from pipeline.runner.adapters import load_adapter
    from pipeline.runner.checks import guarded
    from pipeline.runner.execute import ModelRunner
    from pipeline.runner.images import read_image, write_image
    from pipeline.runner.tiling import predict_tiled

    descr, fmt = job["descr"], job["weights_format"]

    def predict(check: Any) -> None:
        files = {k: Path(v) for k, v in job["files"].items()}
        net = load_adapter(fmt, descr["weights"][fmt], files, [t["id"] for t in descr["outputs"]],
                           [t["id"] for t in descr["inputs"]])
        runner = ModelRunner(descr, net)
        sample = {t["id"]: read_image(Path(job["inputs"][t["id"]]), t) for t in descr["inputs"]
                  if t["id"] in job["inputs"]}
        outputs = predict_tiled(runner, sample, job.get("block"))
        for tid, path in job["outputs"].items():
            write_image(Path(path), outputs[tid])
            check.warnings.append(f"{tid}: {tuple(outputs[tid].shape)} {outputs[tid].dtype} -> {path}")

    return {"tests": [guarded("predict", predict).to_json()], "env": environment()}


FRAMEWORKS = {"torchscript": "torch", "pytorch_state_dict": "torch", "onnx": "onnxruntime",
              "keras_hdf5": "keras", "keras_v3": "keras", "tensorflow_saved_model_bundle": "tensorflow"}


def writable_folders(job: dict[str, Any], result_path: Path) -> set[Path]:
    """The folders a job may write to: its own scratch folder and the folders of its files."""
    folders = {result_path.parent, Path.cwd()}
    for key in ("files", "test_inputs", "test_outputs", "outputs"):
        folders |= {Path(p).parent for p in (job.get(key) or {}).values()}
    return folders


def fence_model_code(job: dict[str, Any], result_path: Path) -> None:
    """Import the framework first (its import may legitimately cache files or probe the system),
    then forbid writes outside the job's folders and new processes for everything that follows."""
    from pipeline.runner import fence

    framework = FRAMEWORKS.get(job.get("weights_format", ""))
    if framework:
        try:
            __import__(framework)
        except ImportError:
            pass  # reported as a failed load by the adapter, with its message
    fence.install(writable_folders(job, result_path))


def main(argv: list[str]) -> int:
    job_path, result_path = Path(argv[0]), Path(argv[1])
    job = json.loads(job_path.read_text(encoding="utf-8"))
    apply_rlimits(job.get("rlimits") or {})
    if job.get("block_network", True):
        block_network()
    if job.get("fence", True):
        fence_model_code(job, result_path)
    result = run_predict(job) if job.get("kind") == "predict" else run_job(job)
    tmp = result_path.with_suffix(".part")
    tmp.write_text(json.dumps(result), encoding="utf-8")
    os.replace(tmp, result_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
