"""`zoo test SOURCE`: reproduce a model's test outputs with each weights format, in isolation."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

WEIGHTS_FORMATS = ("keras_hdf5", "keras_v3", "onnx", "pytorch_state_dict", "tensorflow_js",
                   "tensorflow_saved_model_bundle", "torchscript")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "test", help="reproduce a model's test outputs per weights format",
        description="Run a model (path, folder, zip or URL of its RDF) on its test inputs with each "
                    "weights format, each in its own process and environment, and compare with its "
                    "test outputs. Exit 0 only when every runnable format passed.")
    parser.add_argument("source", metavar="SOURCE", help="RDF file, folder, zip or http(s) URL")
    parser.add_argument("--weights", choices=WEIGHTS_FORMATS, default=None, metavar="FORMAT",
                        help="test only this weights format")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help="wall-time limit per weights format (default 600, env ZOO_TEST_SECONDS)")
    parser.add_argument("--memory", type=float, default=None, metavar="GB",
                        help="address-space limit per weights format (default 8, env ZOO_TEST_MEMORY_GB)")
    parser.add_argument("--env-cache", type=Path, default=None, metavar="DIR",
                        help="where built test environments are kept (default .cache/envs)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.set_defaults(handler=run)


def limits_from(args: argparse.Namespace):
    """Limits from flags over environment defaults."""
    from dataclasses import replace

    from pipeline.runner.sandbox import GiB, Limits

    limits = Limits.from_env()
    if args.timeout is not None:
        limits = replace(limits, seconds=args.timeout)
    if args.memory is not None:
        limits = replace(limits, memory_bytes=int(args.memory * GiB))
    return limits


def run(args: argparse.Namespace) -> int:
    from pipeline.contracts.results import PASSED
    from pipeline.runner.testing import test_model

    progress = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    result = test_model(args.source, weights_format=args.weights, limits=limits_from(args), env_cache=args.env_cache,
                        progress=progress)
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        print(format_result(result.to_json()))
    return 0 if result.status == PASSED else 1


def format_result(data: dict) -> str:
    """Readable per-format lines with errors indented below."""
    lines = [f"{data['source']}: {data['status'].upper()}"]
    for t in data["tests"]:
        env = dict(t.get("env") or {})
        python = env.pop("python", None)
        pkgs = ", ".join(f"{k} {v}" for k, v in sorted(env.items()))
        lines.append(f"  [{t['status']:>7}] {t['weights_format'] or '-'}: {t['name']} ({t['seconds']:.1f} s)"
                     + (f"  [python {python}; {pkgs}]" if python else ""))
        if t.get("error"):
            lines += ["            " + ln for ln in str(t["error"]).splitlines()[:20]]
        for w in t.get("warnings") or []:
            lines.append(f"            warning: {w}")
    return "\n".join(lines)
