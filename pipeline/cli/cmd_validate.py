"""`zoo validate SOURCE...`: validate RDFs and print a readable or JSON report."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate", help="validate resource descriptions (RDFs)",
        description="Validate RDFs given as a file, folder, zip package or http(s) URL. Exit 0 when all "
                    "pass, 1 when any fails (an unreadable source is a failed report).")
    parser.add_argument("sources", nargs="+", metavar="SOURCE", help="RDF file, folder, zip or URL")
    parser.add_argument("--json", action="store_true", default=None,
                        help="print a JSON list with one report per source")
    parser.add_argument("--no-io", dest="io", action="store_false", default=None,
                        help="skip file checks (existence, sha256, test tensors)")
    parser.add_argument("--remote", action="store_true", default=None,
                        help="also download remote files referenced by the RDF to check them")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.spec import validate

    reports = [validate(source, io=args.io is not False, remote=bool(args.remote)) for source in args.sources]
    if args.json:
        print(json.dumps([r.to_json() for r in reports], indent=2, ensure_ascii=False, default=str))
    else:
        print("\n".join(r.format_text() for r in reports))
    return 0 if all(r.passed for r in reports) else 1
