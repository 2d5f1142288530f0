"""`zoo upgrade SOURCE`: print an RDF converted to the latest format as YAML."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "upgrade", help="print an RDF upgraded to the latest format",
        description="Load an RDF (file, folder, zip or URL) and print it converted to the latest format "
                    "of its type (model 0.3/0.4 to 0.5, generic/dataset/notebook/application 0.2 to 0.3). "
                    "Nothing is invented: what the latest format requires and the source does not say "
                    "(e.g. a framework version) is listed on stderr, with exit code 1.")
    parser.add_argument("source", metavar="SOURCE", help="RDF file, folder, zip or URL")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from pipeline.spec import load_rdf, upgrade, validate, yamlio
    from pipeline.spec.validator import validate_data

    loaded = load_rdf(args.source)  # BadInput -> exit 2 with the reason, via the CLI
    report = validate(loaded, io=False)
    if not report.passed:
        print(report.format_text(), file=sys.stderr)
        print("zoo upgrade: the RDF is not format-valid; fix the errors above first", file=sys.stderr)
        return 1
    upgraded = upgrade(loaded.data)
    print(yamlio.dumps(upgraded), end="")
    missing = validate_data(upgraded, io=False).errors
    for issue in missing:
        print(f"zoo upgrade: {issue.loc_text()}: {issue.msg} (the source does not say it; add it)", file=sys.stderr)
    return 1 if missing else 0
