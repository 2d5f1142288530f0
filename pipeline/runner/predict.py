"""`predict`: run a model on new images (tiled), isolated like a test."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Sequence

from pipeline.errors import BadInput, StageFailed
from pipeline.runner.environments import ensure_environment, requirement_set
from pipeline.runner.model_files import describe, load_source, materialize_weights
from pipeline.base.secrets import scrub
from pipeline.runner.sandbox import Limits, sandboxed

INPUT_ERRORS = ("ImageError", "SizeError", "TensorError")
PREFERRED = ("torchscript", "onnx", "pytorch_state_dict", "tensorflow_saved_model_bundle", "keras_hdf5", "keras_v3")


def output_paths(descr: dict, output: Path) -> dict[str, Path]:
    """One file per model output: OUTPUT itself for a single output, else OUTPUT_<id>.ext."""
    ids = [t["id"] for t in descr["outputs"]]
    if len(ids) == 1:
        return {ids[0]: output}
    return {i: output.with_name(f"{output.stem}_{i}{output.suffix}") for i in ids}


def pick_format(descr: dict, weights_format: str | None, source: str) -> str:
    available = list(descr["weights"])
    if weights_format:
        if weights_format not in available:
            raise BadInput(f"no {weights_format!r} weights (has {available})", source=source, loc=["weights"])
        return weights_format
    for fmt in PREFERRED:
        if fmt in available:
            return fmt
    raise BadInput(f"none of the weights formats {available} can be run here", source=source, loc=["weights"])


def predict(source: Any, inputs: Sequence[Path], output: Path, *, weights_format: str | None = None,
            block: dict[str, int] | None = None, limits: Limits | None = None,
            axes: Sequence[str] | None = None, budget: int | None = None,
            progress: Callable[[str], None] | None = None) -> dict[str, Path]:
    """Predict `inputs` (one file per model input, in order); returns the written files by output id.

    `axes` gives the axes of each input file (e.g. "zyx") where the file alone is ambiguous; `budget`
    is the tensor memory of one block in bytes; `progress` receives the worker's lines (`block N/M`).
    """
    loaded = load_source(source)
    descr = describe(loaded)
    ids = [t["id"] for t in descr["inputs"]]
    required = [t["id"] for t in descr["inputs"] if not t.get("optional")]
    if not len(required) <= len(inputs) <= len(ids):
        raise BadInput(f"the model takes inputs {ids}, got {len(inputs)} files", source=str(loaded.source))
    if axes and len(axes) not in (1, len(inputs)):
        raise BadInput(f"--axes: give one axes string per input file ({len(inputs)}), got {len(axes)}",
                       source="--axes")
    for p in inputs:
        if not Path(p).is_file():
            raise BadInput("input file not found", source=str(p))
    fmt = pick_format(descr, weights_format, str(loaded.source))
    outputs = output_paths(descr, Path(output))
    workdir = Path(tempfile.mkdtemp(prefix="zoo-predict-"))
    try:
        files, deps = materialize_weights(loaded, descr, fmt, workdir)
        reqs = requirement_set(fmt, descr["weights"][fmt], deps)
        python = ensure_environment(reqs, conda_text=deps if reqs.conda_file else None)
        per_input = list(axes or [])
        per_input = per_input * len(inputs) if len(per_input) == 1 else per_input
        job = {"kind": "predict", "descr": descr, "weights_format": fmt, "device": reqs.device, "block": block,
               "budget": budget,
               "files": {k: str(v) for k, v in files.items()},
               "inputs": {i: str(Path(p).resolve()) for i, p in zip(ids, inputs)},
               "axes": {i: a for i, a in zip(ids, per_input)},
               "outputs": {i: str(p.resolve()) for i, p in outputs.items()}}
        folders = sorted({p.resolve().parent for p in outputs.values()})
        with sandboxed(python, job, limits or Limits.from_env(), writable=folders, progress=progress) as outcome:
            report = outcome.report
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    check = _predict_check(report)
    if check is None:
        raise StageFailed(scrub(f"prediction {outcome.error or 'wrote a malformed report'}\n"
                                f"{outcome.stderr[-1500:]}"))
    if check["status"] != "passed":
        kind, _, msg = str(check.get("error")).partition(": ")
        if kind in INPUT_ERRORS:  # the images or the description's sizes, not the model, are at fault
            raise BadInput(scrub(msg), source=str(loaded.source))
        raise StageFailed(scrub(f"prediction failed: {check.get('error')}"))
    return outputs


def _predict_check(report: dict | None) -> dict | None:
    """The worker's one `predict` entry, if its report has that shape (the report is untrusted)."""
    tests = (report or {}).get("tests")
    if isinstance(tests, list) and tests and isinstance(tests[0], dict) and tests[0].get("status") in (
            "passed", "failed", "skipped"):
        return tests[0]
    return None
