"""`zoo upgrade SOURCE`: print an RDF converted to the latest format as YAML."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "upgrade", help="print an RDF upgraded to the latest format",
        description="Load an RDF (file, folder, zip or URL) and print it converted to the latest format "
                    "of its type (model 0.3/0.4 to 0.5, generic/dataset/notebook/application 0.2 to 0.3).")
    parser.add_argument("source", metavar="SOURCE", help="RDF file, folder, zip or URL")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from pipeline.spec import load_rdf, upgrade, validate, yamlio

    loaded = load_rdf(args.source)  # BadInput -> exit 2 with the reason, via the CLI
    report = validate(loaded, io=False)
    if not report.passed:
        print(report.format_text(), file=sys.stderr)
        print("zoo upgrade: the RDF is not format-valid; fix the errors above first", file=sys.stderr)
        return 1
    print(yamlio.dumps(upgrade(loaded.data)), end="")
    return 0
