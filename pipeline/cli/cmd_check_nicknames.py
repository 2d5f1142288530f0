"""`zoo check-nicknames`: fail when two resources share a nickname or one has none."""

from __future__ import annotations

import argparse
import json

from pipeline import defaults
from pipeline.cli.options import json_option, store_option


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check-nicknames", help="check that every resource has a nickname and no two share one",
        description="Read every resource.yaml of the store (blocked ones included) and exit 1 if a nickname "
                    "is used twice or missing.")
    store_option(parser)
    json_option(parser, "the findings")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.errors import BadInput
    from pipeline.store import Store
    from pipeline.store.nicknames import duplicates, missing

    store = args.store or defaults.STORE
    if not store.is_dir():
        raise BadInput("store folder does not exist", source=str(store))
    resources = list(Store(store).resources())
    dupes, lacking = duplicates(resources), missing(resources)
    if args.json:
        print(json.dumps({"ok": not dupes and not lacking, "resources": len(resources), "duplicates": dupes,
                          "missing": lacking}, indent=2))
    else:
        for name, ids in dupes.items():
            print(f"duplicate nickname {name!r}: {', '.join(ids)}")
        for rid in lacking:
            print(f"no nickname: {rid}")
        if not dupes and not lacking:
            print(f"{len(resources)} resources, all nicknames unique")
    return 1 if dupes or lacking else 0
