"""Benchmark: `zoo test` per example model and weights format against plain framework inference.

For each (model, format), medians of N runs of:
- zoo test: wall time of test_model (warm environment = the current interpreter), which loads the
  RDF, checks hashes, starts the sandboxed worker, reproduces the outputs and runs the size checks;
- plain process: wall time of a fresh interpreter that imports the framework, loads the same weights
  and runs them once on the same test tensors (what a user would do by hand);
- fixed start: a fresh interpreter that only imports numpy and the framework;
- plain warm: loading + running in an already warm process (no imports, caches hot).
Ratio = zoo test / plain process; the target is met when zoo test <= 1.5 x plain process + fixed start.

With --predict-memory: `zoo predict` (nuclei-boundary-2d, ONNX) on square images up to 4096x4096, once
with block budgets of 8 MiB and 64 MiB (the default) and forced to one whole block: peak RSS of the worker process and
wall time. Blockwise, the peak grows only with the image's own arrays (input, its float32 copy, the
output), not with the network's intermediate tensors.

Run: .venv/bin/python bench/runner.py [--repeat N] [--json] [--predict-memory]
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


PREDICT_SCRIPT = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
from pipeline.runner.predict import predict
from pipeline.runner.sandbox import Limits
start = time.perf_counter()
predict({model!r}, [Path({image!r})], Path({out!r}), weights_format="onnx", budget={budget!r},
        limits=Limits(seconds=900))
seconds = time.perf_counter() - start
print(json.dumps({{"seconds": seconds, "peak_rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}}))
"""


def predict_memory(tmp: Path, sizes: tuple[int, ...] = (1024, 2048, 4096)) -> list[dict]:
    """Peak RSS and time of the prediction worker, blockwise (default budget) and as one whole block."""
    import numpy as np

    rows = []
    for n in sizes:
        image = tmp / f"image{n}.npy"
        np.save(image, (np.random.default_rng(n).random((n, n)) * 4000).astype(np.uint16))
        image_mib = 2 * n * n / 2**20
        for mode, budget in (("blocks of 8 MiB", 8 * 2**20), ("blocks of 64 MiB (default)", None),
                             ("one whole block", 2**40)):
            code = PREDICT_SCRIPT.format(repo=str(REPO), model=str(MODELS / "nuclei-boundary-2d"), image=str(image),
                                         out=str(tmp / "out.npy"), budget=budget)
            proc = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                                  env={**os.environ, "OMP_NUM_THREADS": "2"})
            got = json.loads(proc.stdout.strip().splitlines()[-1])
            rows.append({"image": f"{n}x{n} uint16", "image_mib": round(image_mib, 1), "mode": mode,
                         "seconds": round(got["seconds"], 2), "peak_rss_mib": round(got["peak_rss_kib"] / 1024, 1)})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--predict-memory", action="store_true", help="only the prediction memory benchmark")
    args = parser.parse_args()
    if args.predict_memory:
        rows = predict_memory(Path(tempfile.mkdtemp(prefix="zoo-bench-")))
        for r in rows:
            print(json.dumps(r) if args.json else f"{r['image']:16} {r['mode']:27} {r['seconds']:7.2f} s "
                  f"peak RSS {r['peak_rss_mib']:8.1f} MiB")
        return 0
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
                worker.append(sum(t.seconds or 0.0 for t in result.tests))
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
