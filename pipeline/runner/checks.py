"""The checks run for one weights format in the worker: produce the test outputs, then run at other sizes."""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from pipeline.contracts.results import FAILED, PASSED, SKIPPED, TestEntry, TestStatus
from pipeline.runner.axes import NotRunnable, axis_ids, expected_output_shape, input_sizes
from pipeline.runner.execute import ModelRunner, data_type, fit_axes, load_npy

REPRODUCE = "reproduce test outputs"
SIZES = "run at parameterized sizes and batch sizes"
LOAD = "load weights"
MAX_SIZE_CHECK_ELEMENTS = 64 * 1024**2 // 4  # keep the size checks cheap on big models


@dataclass
class Check:
    """One named check's outcome while it runs; `to_json` writes it as a test entry."""

    name: str
    status: TestStatus = PASSED
    error: str | None = None
    traceback: str | None = None
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        # the caller adds the weights format and environment it ran in, the build the tool version
        return TestEntry(self.name, self.status, self.error, self.traceback, tuple(self.warnings),
                         seconds=round(self.seconds, 3),
                         omitted=frozenset({"weights_format", "env", "tool_version"})).to_json()


def guarded(name: str, fn: Callable[[Check], None]) -> Check:
    """Run fn, turning exceptions into a failed (or, for NotRunnable, skipped) check."""
    check = Check(name)
    start = time.perf_counter()
    try:
        fn(check)
    except NotRunnable as e:
        check.status, check.error = SKIPPED, str(e)
    except Exception as e:
        check.status, check.error = FAILED, f"{type(e).__name__}: {e}"
        check.traceback = traceback.format_exc(limit=8)[-4000:]
    check.seconds = time.perf_counter() - start
    return check


def load_test_sample(descr: dict, tensor_files: dict[str, Path], kind: str) -> dict[str, np.ndarray]:
    tensors = descr["inputs"] if kind == "inputs" else descr["outputs"]
    sample = {}
    for i, t in enumerate(tensors):
        if t["id"] not in tensor_files:
            if t.get("optional"):
                continue
            raise ValueError(f"{kind}[{i}].test_tensor: no test tensor for {t['id']!r}")
        sample[t["id"]] = fit_axes(load_npy(tensor_files[t["id"]], f"{kind}[{i}].test_tensor"), t,
                                   f"{kind}[{i}].test_tensor")
    return sample


def output_file(outputs_dir: Path, index: int) -> Path:
    """Where the worker writes the model's `index`-th output of the test run."""
    return outputs_dir / f"{index}.npy"


def produce_outputs(runner: ModelRunner, inputs: dict[str, Path], outputs_dir: Path, check: Check) -> None:
    """Run the test inputs through the model and write every output; comparing them is the caller's job."""
    sample = load_test_sample(runner.descr, inputs, "inputs")
    actual = runner.run(sample)
    for i, t in enumerate(runner.outputs):
        np.save(output_file(outputs_dir, i), np.ascontiguousarray(actual[t["id"]]), allow_pickle=False)


def random_input(shape: list[int], dtype: str, rng: np.random.Generator) -> np.ndarray:
    if dtype.startswith(("uint", "int")):
        return rng.integers(0, 200, size=shape).astype(dtype)
    if dtype == "bool":
        return rng.integers(0, 2, size=shape).astype(bool)
    return rng.normal(0.5, 0.25, size=shape).astype(dtype)


def batch_sizes(descr: dict) -> list[int]:
    for t in descr["inputs"]:
        for a in t["axes"]:
            if a.get("type") == "batch" and a.get("size") == 1:
                return [1]
    has_batch = any(a.get("type") == "batch" for t in descr["inputs"] for a in t["axes"])
    return [1, 2] if has_batch else [1]


def sizes_check(runner: ModelRunner, check: Check) -> None:
    """0.5: run with parameterized sizes n = 0, 1, 2 and batch 1, 2 and check the output shapes."""
    rng = np.random.default_rng(0)
    for n in (0, 1, 2):
        for batch in batch_sizes(runner.descr):
            sizes = input_sizes(runner.inputs, n, batch)
            shapes = {t["id"]: [sizes[t["id"]][a] for a in axis_ids(t)] for t in runner.inputs}
            if sum(int(np.prod(s)) for s in shapes.values()) > MAX_SIZE_CHECK_ELEMENTS:
                check.warnings.append(f"n={n}, batch={batch}: inputs too large for the size check, skipped")
                continue
            sample = {t["id"]: random_input(shapes[t["id"]], data_type(t), rng) for t in runner.inputs}
            out = runner.run(sample)
            for t in runner.outputs:
                want = expected_output_shape(t, runner.inputs, {k: tuple(v) for k, v in shapes.items()}, batch)
                got = out[t["id"]].shape
                if len(got) != len(want) or any(w is not None and w != g for w, g in zip(want, got)):
                    raise AssertionError(f"n={n}, batch={batch}: output {t['id']!r} has shape {tuple(got)}, "
                                         f"the description promises {tuple(want)} for inputs {shapes}")
