"""Benchmark of `zoo build` on a generated collection: cold, no-op and one-change rebuilds.

Model tests are stubbed out here only: the runner call returns a canned passed result, which
the build caches like a real one, so the figures measure the build's own work (store reading,
RDF loading and validation with file checks, publishing, packaging, collection files).

    .venv/bin/python bench/build.py --count 10000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import make_collection  # noqa: E402

from pipeline.build import model_tests  # noqa: E402
from pipeline.build import builder  # noqa: E402
from pipeline.build.builder import BuildConfig  # noqa: E402
from pipeline.spec import yamlio  # noqa: E402


def stub_test(loaded):
    """What a passing runner reports, without running a framework."""
    return {"source": loaded.source, "status": "passed", "tests": [
        {"name": "reproduce test outputs", "weights_format": "onnx", "status": "passed", "error": None,
         "traceback": None, "warnings": [], "seconds": 0.0, "env": {"python": "stub"}}]}


def timed(label: str, options: BuildConfig) -> dict:
    start = time.perf_counter()
    summary = builder.run(options)
    seconds = time.perf_counter() - start
    row = {"run": label, "seconds": round(seconds, 2), "rebuilt": summary.rebuilt,
           "unchanged": summary.unchanged, "tests_run": summary.tests_run, "problems": len(summary.problems)}
    print(json.dumps(row), flush=True)
    return row


def change_one(store: Path) -> None:
    """Edit the description of the first resource's RDF and record the new hash, as a harvest would."""
    resource_file = sorted(store.rglob("resource.yaml"))[0]
    resource = yamlio.loads(resource_file.read_bytes(), source=str(resource_file))
    version = resource["versions"][0]
    rdf_path = Path(version["rdf_source"])
    rdf_path.write_text(rdf_path.read_text().replace("Generated benchmark model", "Edited benchmark model", 1))
    version["rdf_sha256"] = hashlib.sha256(rdf_path.read_bytes()).hexdigest()
    resource_file.write_text(yamlio.dumps(resource, sort_keys=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-packages", action="store_true")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    model_tests.run_one = stub_test
    root = args.workdir or Path(tempfile.mkdtemp(prefix="zoo-bench-build-"))
    start = time.perf_counter()
    store = make_collection(root / "data", args.count)
    print(json.dumps({"generated": args.count, "seconds": round(time.perf_counter() - start, 2)}), flush=True)
    options = BuildConfig(store=store, site=root / "site", cache=root / "cache", partners=None,
                           jobs=args.jobs, packages=not args.no_packages)
    timed("cold", options)
    timed("no-op", options)
    change_one(store)
    timed("one change", options)
    timed("no-op again", options)


if __name__ == "__main__":
    main()
