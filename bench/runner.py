"""Benchmark: `zoo test` per example model and weights format against plain framework inference.

For each (model, format), medians of N runs of:
- zoo test: wall time of test_model (warm environment = the current interpreter), which loads the
  RDF, checks hashes, starts the sandboxed worker, reproduces the outputs and runs the size checks;
- plain process: wall time of a fresh interpreter that imports the framework, loads the same weights
  and runs them once on the same test tensors (what a user would do by hand);
- fixed start: a fresh interpreter that only imports numpy and the framework;
- plain warm: loading + running in an already warm process (no imports, caches hot).
Ratio = zoo test / plain process; the target is met when zoo test <= 1.5 x plain process + fixed start.

Run: .venv/bin/python bench/runner.py [--repeat N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from pipeline.runner.sandbox import Limits  # noqa: E402
from pipeline.runner.testing import test_model  # noqa: E402
from pipeline.spec import load_rdf, normalized_model  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from runner_plain import plain  # noqa: E402

MODELS = REPO / "examples" / "models"
IMPORTS = {"torchscript": "torch", "pytorch_state_dict": "torch", "onnx": "onnxruntime",
           "keras_hdf5": "keras", "tensorflow_saved_model_bundle": "tensorflow"}


def fixed_start(fmt: str) -> float:
    """Seconds for a fresh interpreter to start and import the framework."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import numpy, {IMPORTS[fmt]}"], check=True, capture_output=True,
                   env={**os.environ, "OMP_NUM_THREADS": "2"})
    return time.perf_counter() - start


PLAIN_SCRIPT = """
import json, sys
sys.path.insert(0, {bench!r})
from runner_plain import plain
from pathlib import Path
plain({fmt!r}, Path({folder!r}), json.loads(Path({descr!r}).read_text()))
"""


def plain_process(folder: Path, fmt: str, descr_json: Path) -> float:
    """Wall time of a fresh interpreter doing the plain inference once (no pipeline imports)."""
    code = PLAIN_SCRIPT.format(bench=str(Path(__file__).parent), fmt=fmt, folder=str(folder), descr=str(descr_json))
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                   env={**os.environ, "OMP_NUM_THREADS": "2"})
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="zoo-bench-"))
    rows = []
    for name in ("nuclei-boundary-2d", "two-channel-fusion-2d", "membrane-distance-3d"):
        folder = MODELS / name
        descr = normalized_model(load_rdf(str(folder)).data)
        for fmt in descr["weights"]:
            plain(fmt, folder, descr)  # warm the framework import and caches once
            p = statistics.median(plain(fmt, folder, descr) for _ in range(args.repeat))
            f = statistics.median(fixed_start(fmt) for _ in range(args.repeat))
            (tmp / "descr.json").write_text(json.dumps(descr))
            pp = statistics.median(plain_process(folder, fmt, tmp / "descr.json") for _ in range(args.repeat))
            zoo, worker = [], []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                result = test_model(folder, weights_format=fmt, limits=Limits(seconds=300))
                zoo.append(time.perf_counter() - t0)
                assert result.status == "passed", result.to_json()
                worker.append(sum(t["seconds"] for t in result.tests))
            z = statistics.median(zoo)
            rows.append({"model": name, "format": fmt, "zoo_test_s": round(z, 3), "plain_process_s": round(pp, 3),
                         "fixed_start_s": round(f, 3), "in_worker_s": round(statistics.median(worker), 3),
                         "plain_warm_s": round(p, 4), "ratio": round(z / pp, 2), "extra_s": round(z - pp, 3),
                         "meets_target": z <= 1.5 * pp + f})
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(f"{'model':22} {'format':29} {'zoo test':>8} {'plain proc':>10} {'ratio':>6} {'fixed':>6} "
              f"{'worker':>6} {'warm':>6} {'extra':>6} target")
        for r in rows:
            print(f"{r['model']:22} {r['format']:29} {r['zoo_test_s']:8.2f} {r['plain_process_s']:10.2f} "
                  f"{r['ratio']:5.2f}x {r['fixed_start_s']:6.2f} {r['in_worker_s']:6.2f} {r['plain_warm_s']:6.3f} "
                  f"{r['extra_s']:6.2f} {'met' if r['meets_target'] else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
