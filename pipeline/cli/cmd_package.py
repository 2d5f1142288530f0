"""`zoo package`: a self-contained, hash-checked zip of a resource for offline use."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "package", help="write a self-contained zip of a resource (RDF plus every file it references)",
        description="Package SOURCE (file, folder, zip or URL) with every referenced file, checking "
                    "sha256 where given; remote files are downloaded into the package.")
    parser.add_argument("source", help="RDF file, folder, zip package or http(s) URL")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.zip", help="where to write the zip")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.build.packages import write_package
    from pipeline.spec import load_rdf

    info = write_package(load_rdf(args.source), args.output)
    print(f"wrote {info.path} ({len(info.members)} files, sha256 {info.sha256})")
    return 0
