"""`zoo validate SOURCE...`: validate RDFs and partner files and print a readable or JSON report."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate", help="validate resource descriptions (RDFs) and partner files",
        description="Validate RDFs given as a file, folder, zip package or http(s) URL, and partner files as the "
                    "build reads them: a registration (<id>.yaml or the paper-era partner list), a test-summary "
                    "document (test_summaries.json), report files (test_summary*.yaml, <tool>_<version>.json) or "
                    "a folder of them. Exit 0 when all pass, 1 when any fails, 2 when a source does not exist.")
    parser.add_argument("sources", nargs="+", metavar="SOURCE", help="RDF or partner file, folder, zip or URL")
    parser.add_argument("--json", action="store_true", default=None,
                        help='print {"ok": ..., "reports": [one report per source]}')
    parser.add_argument("--no-io", dest="io", action="store_false", default=None,
                        help="skip file checks (existence, sha256, test tensors)")
    parser.add_argument("--remote", action="store_true", default=None,
                        help="also download remote files referenced by the RDF to check them")
    parser.add_argument("--collection", default=None, metavar="FILE_OR_URL",
                        help="the zoo's collection.json (e.g. site/collection.json): partner results must name "
                             "resource and version ids it publishes")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pipeline.build import partner_files
    from pipeline.errors import BadInput
    from pipeline.spec import validate

    for source in args.sources:
        if "://" not in source and not Path(source).exists():  # other schemes get a report saying why
            raise BadInput("no such file or folder", source=source)
    published = partner_files.Published.read(args.collection) if args.collection else None
    reports = []
    for source in args.sources:
        kind = partner_files.kind_of(source)
        reports.append(partner_files.check(source, kind, published) if kind
                       else validate(source, io=args.io is not False, remote=bool(args.remote)))
    ok = all(r.passed for r in reports)
    if args.json:
        print(json.dumps({"ok": ok, "reports": [r.to_json() for r in reports]}, indent=2, ensure_ascii=False,
                         default=str))
    else:
        print("\n".join(r.format_text() for r in reports))
    return 0 if ok else 1
