"""`zoo test SOURCE`: reproduce a model's test outputs with each weights format, in isolation."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pipeline.cli.options import json_option, limit_options, limits_from, weights_option


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "test", help="reproduce a model's test outputs per weights format",
        description="Run a model (path, folder, zip or URL of its RDF) on its test inputs with each "
                    "weights format, each in its own process and environment, and compare with its "
                    "test outputs. Exit 0 only when every runnable format passed.")
    parser.add_argument("source", metavar="SOURCE", help="RDF file, folder, zip or http(s) URL")
    weights_option(parser, "test only this weights format")
    limit_options(parser, " per weights format")
    parser.add_argument("--env-cache", type=Path, default=None, metavar="DIR",
                        help="where built test environments are kept (default .cache/envs)")
    json_option(parser, "the result")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.contracts.results import PASSED
    from pipeline.errors import BadInput
    from pipeline.runner.testing import test_model

    if "://" not in args.source and not Path(args.source).exists():
        raise BadInput("no such file or folder", source=args.source)
    progress = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    result = test_model(args.source, weights_format=args.weights, limits=limits_from(args), env_cache=args.env_cache,
                        progress=progress)
    if args.json:
        print(json.dumps({"ok": result.status == PASSED, **result.to_json()}, indent=2))
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
