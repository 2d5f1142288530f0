"""Benchmark: seconds and CPU seconds `validate` takes on pathological YAML shapes (each must fail in < 2 s).

The shapes are those of tests/adversarial/test_hostile_yaml_shapes.py (deep flow nesting, long flow
lists, very long keys, many anchors and aliases, billion laughs, ...) plus the same shapes scaled
up 2x, so that time linear in the input shows as roughly double, not quadratic.

    .venv/bin/python bench/spec_hostile.py [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.spec import validate
from tests.adversarial.test_hostile_yaml_shapes import HEAD, SHAPES, nested

LIMIT_S = 2.0
SCALED = {
    "flow-sequences-400000-deep": lambda: nested(b"[", b"]", 400_000),
    "flow-list-of-4-million": lambda: HEAD + b"tags: [" + b"x, " * 4_000_000 + b"x]\n",
    "very-long-key-16mb": lambda: HEAD + b"? " + b"k" * 16_000_000 + b"\n: 1\n",
}


def measure(make) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rdf.yaml"
        document = make()
        path.write_bytes(document)
        start, cpu = time.perf_counter(), time.process_time()
        report = validate(path, io=False)
        wall, used = time.perf_counter() - start, time.process_time() - cpu
    return {"bytes": len(document), "seconds": round(wall, 3), "cpu_seconds": round(used, 3),
            "status": report.status, "first_error": report.errors[0].msg[:90] if report.errors else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    shapes = {name: make for name, (make, _) in SHAPES.items()} | SCALED
    results = {name: measure(make) for name, make in shapes.items()}
    if args.json:
        print(json.dumps(results))
        return
    for name, r in results.items():
        flag = "" if r["cpu_seconds"] < LIMIT_S and r["status"] == "failed" else "   <-- over the limit"
        print(f"{name:32} {r['bytes']:>10} B {r['seconds']:>7.3f} s {r['cpu_seconds']:>7.3f} s CPU  "
              f"{r['status']}: {r['first_error']}{flag}")


if __name__ == "__main__":
    main()
