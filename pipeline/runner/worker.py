"""Model-environment entry point: `python -m pipeline.runner.worker JOB.json`.

Runs one job (sandbox.py describes the protocol) with model code loaded: `kind` "test" runs
one weights format on the test inputs and writes each output as `<outputs_dir>/<index>.npy` for
the caller to compare (it never sees the expected outputs), then the size checks; "predict"
writes image files. Either way it writes its `report` (JSON: `tests`, `env`). Started by the
supervisor, already confined; here it adds its in-process fences: a Python-level socket block
and the audit-hook fence (fence.py). It imports only numpy, the model's framework and pure
runner modules, so it also runs in a per-model environment.
"""

from __future__ import annotations

import ast
import json
import os
import platform
import re
import socket
import sys
from importlib import metadata
from pathlib import Path
from typing import Any


def block_network() -> None:
    """Refuse sockets to model code with a clear message (the kernel's seccomp filter is the real block)."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise PermissionError("network access is disabled while testing a model")

    class NoNetworkSocket(socket.socket):
        def __init__(self, family: Any = -1, type: Any = -1, proto: Any = -1, fileno: Any = None) -> None:
            if fileno is None:  # socketpair() wraps descriptors it made: those reach nothing
                refuse()
            super().__init__(family, type, proto, fileno)

    socket.socket = NoNetworkSocket  # type: ignore[misc]
    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign]
    socket.create_connection = refuse  # type: ignore[assignment]
    socket.getaddrinfo = refuse  # type: ignore[assignment]


def used_modules(fmt: str, entry: dict[str, Any], files: dict[str, Path]) -> set[str]:
    """Top-level modules a test of this weights format uses: numpy, the framework, the architecture's imports."""
    used = {"numpy", *FRAMEWORK_MODULES.get(fmt, ())}
    arch = entry.get("architecture") if isinstance(entry.get("architecture"), dict) else {}
    if arch.get("import_from"):
        used.add(str(arch["import_from"]).split(".")[0])
    source = files.get(str(arch.get("source", "")))
    if source is not None and source.is_file():
        try:
            tree = ast.parse(source.read_bytes())
        except (SyntaxError, ValueError):
            tree = None
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.Import):
                used |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                used.add(node.module.split(".")[0])
    return used


def environment(modules: set[str]) -> dict[str, str]:
    """The exact environment: python and, in full, the version of every installed package the test used
    (imported modules only: a torch test does not list TensorFlow even where it is installed)."""
    env = {"python": platform.python_version()}
    owners = metadata.packages_distributions()
    for module in sorted(modules):
        if module not in sys.modules:
            continue
        for dist in sorted(set(owners.get(module, []))):
            try:
                env[re.sub(r"[-_.]+", "-", dist).lower()] = metadata.version(dist)  # PEP 503 name
            except metadata.PackageNotFoundError:
                continue
    return env


def _load(job: dict[str, Any]) -> tuple[Any, Any]:
    """A guarded weights load: (the LOAD check, the network or None)."""
    from pipeline.runner.adapters import load_adapter
    from pipeline.runner.checks import LOAD, guarded
    from pipeline.runner.devices import CPU

    descr, fmt = job["descr"], job["weights_format"]
    files = {k: Path(v) for k, v in job["files"].items()}
    holder: dict[str, Any] = {}

    def load(check: Any) -> None:
        net = load_adapter(fmt, descr["weights"][fmt], files, [t["id"] for t in descr["outputs"]],
                           [t["id"] for t in descr["inputs"]], device=job.get("device") or CPU)
        if net.placement.note:
            check.warnings.append(net.placement.note)
        holder["net"] = net

    check = guarded(LOAD, load)
    return check, holder.get("net")


def _env(job: dict[str, Any], net: Any = None) -> dict[str, str]:
    """The exact environment, and the device the network ran on once it is loaded."""
    fmt = job["weights_format"]
    files = {k: Path(v) for k, v in job["files"].items()}
    env = environment(used_modules(fmt, job["descr"]["weights"].get(fmt) or {}, files))
    if net is not None:
        env["device"] = net.placement.device
    return env


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Load, produce the outputs of the test inputs (the caller compares them), then the size checks."""
    from pipeline.runner.checks import REPRODUCE, SIZES, guarded, produce_outputs, sizes_check
    from pipeline.runner.execute import ModelRunner

    descr = job["descr"]
    loaded, net = _load(job)
    report_stage(job, f"{loaded.name}: {loaded.status} ({loaded.seconds:.1f} s)")
    if loaded.status != "passed":
        return {"tests": [{**loaded.to_json(), "name": REPRODUCE}], "env": _env(job)}
    runner = ModelRunner(descr, net)
    inputs = {k: Path(v) for k, v in job["test_inputs"].items()}
    tests = [guarded(REPRODUCE, lambda c: produce_outputs(runner, inputs, Path(job["outputs_dir"]), c))]
    # zoo compares the outputs: here the check only ran (or failed to)
    ran = "ran, outputs written" if tests[0].status == "passed" else tests[0].status
    report_stage(job, f"{tests[0].name}: {ran} ({tests[0].seconds:.1f} s)")
    tests[0].seconds += loaded.seconds
    if job.get("check_sizes"):
        tests.append(guarded(SIZES, lambda c: sizes_check(runner, c)))
        report_stage(job, f"{tests[1].name}: {tests[1].status} ({tests[1].seconds:.1f} s)")
    if loaded.warnings:  # where the network ran when it could not run where it was asked to
        tests[0].warnings[:0] = loaded.warnings
    return {"tests": [t.to_json() for t in tests], "env": _env(job, net)}


def run_predict(job: dict[str, Any]) -> dict[str, Any]:
    """Blockwise prediction on image files; writes one file per output."""
    from pipeline.runner.checks import guarded
    from pipeline.runner.execute import ModelRunner
    from pipeline.runner.images import read_image, write_image
    from pipeline.runner.tiling import DEFAULT_BLOCK_BYTES, predict_tiled

    descr = job["descr"]
    loaded, net = _load(job)
    if loaded.status != "passed":
        return {"tests": [{**loaded.to_json(), "name": "predict"}], "env": _env(job)}

    def predict(check: Any) -> None:
        runner = ModelRunner(descr, net)
        axes = job.get("axes") or {}
        sample = {t["id"]: read_image(Path(job["inputs"][t["id"]]), t, axes.get(t["id"])) for t in descr["inputs"]
                  if t["id"] in job["inputs"]}
        def note(line: str) -> None:
            check.warnings.append(line)
            report_stage(job, line)

        outputs = predict_tiled(runner, sample, job.get("block"), budget=job.get("budget") or DEFAULT_BLOCK_BYTES,
                                progress=lambda done, total: report_stage(job, f"block {done}/{total}"), notes=note)
        by_id = {t["id"]: t for t in descr["outputs"]}
        for tid, path in job["outputs"].items():
            write_image(Path(path), outputs[tid], by_id[tid])
            check.warnings.append(f"{tid}: {tuple(outputs[tid].shape)} {outputs[tid].dtype} -> {path}")

    return {"tests": [guarded("predict", predict).to_json()], "env": _env(job, net)}


def run_bundle_job(job: dict[str, Any]) -> dict[str, Any]:
    """A browser-bundle job (pipeline/runner/bundle_jobs.py): export weights, or check a bundle."""
    from pipeline.runner.bundle_jobs import run_check, run_export

    check = run_export(job) if job["kind"] == "export_onnx" else run_check(job)
    report_stage(job, f"{check.name}: {check.status} ({check.seconds:.1f} s)")
    return {"tests": [check.to_json()], "env": _env(job)}


RUNS = {"predict": run_predict, "export_onnx": run_bundle_job, "check_bundle": run_bundle_job}


def report_stage(job: dict[str, Any], line: str) -> None:
    """One progress line for the parent, which tails this file while it waits (best effort)."""
    path = job.get("progress")
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write(line.replace("\n", " ")[:200] + "\n")
    except OSError:
        pass


# per format: the framework (imported before the fence) and the backend a test may also use; a module
# counts as used only when it was really imported
FRAMEWORK_MODULES = {"torchscript": ("torch",), "pytorch_state_dict": ("torch",), "onnx": ("onnxruntime",),
                     "keras_hdf5": ("keras", "tensorflow"), "keras_v3": ("keras", "tensorflow"),
                     "tensorflow_saved_model_bundle": ("tensorflow",)}


def fence_model_code(job: dict[str, Any]) -> None:
    """Import the framework first (its import may legitimately cache files or probe the system),
    then forbid writes outside the job's folders and new processes for everything that follows."""
    from pipeline.runner import fence

    for framework in FRAMEWORK_MODULES.get(job.get("weights_format", ""), ())[:1]:
        try:
            __import__(framework)
        except ImportError:
            pass  # reported as a failed load by the adapter, with its message
    fence.install(job["writable"])


def main(argv: list[str]) -> int:
    job = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    report = Path(job["report"])
    block_network()
    fence_model_code(job)
    result = RUNS.get(job.get("kind"), run_job)(job)
    tmp = report.with_suffix(".part")
    tmp.write_text(json.dumps(result), encoding="utf-8")
    os.replace(tmp, report)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
