"""The reproduce verdict, decided on `zoo`'s side: the worker's outputs against the expected tensors.

The worker never sees the expected outputs; what it wrote is untrusted data, so every output
file is read memory-mapped through the checked .npy reader (no pickle, its header bounded and
backed by real bytes), and a missing, malformed or oversized one fails the test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.runner.checks import output_file
from pipeline.runner.compare import mismatch, tolerance_for
from pipeline.runner.execute import fit_axes, load_npy

# an output may be wider than its test tensor (float64 against float32), never wildly larger
OUTPUT_FACTOR = 8


def compare_outputs(descr: dict[str, Any], fmt: str, expected: dict[str, Path], outputs_dir: Path) -> list[str]:
    """Every problem of the worker's outputs against the expected test tensors; empty when they match."""
    problems = []
    for i, t in enumerate(descr["outputs"]):
        what = f"outputs[{i}].test_tensor"
        try:
            want = fit_axes(load_npy(expected[t["id"]], what, mapped=True), t, what)
        except KeyError:
            problems.append(f"{what}: no test tensor for {t['id']!r}")
            continue
        path = output_file(outputs_dir, i)
        if not path.is_file():
            problems.append(f"output {t['id']!r}: the model process wrote no result for it")
            continue
        limit = max(want.nbytes * OUTPUT_FACTOR, 1024**2)
        got = load_npy(path, f"output {t['id']!r}", max_bytes=limit, mapped=True)
        message = mismatch(t["id"], got, want, tolerance_for(descr, fmt, t["id"]))
        if message:
            problems.append(message)
    return problems
