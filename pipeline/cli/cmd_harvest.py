"""`zoo harvest`: pull new resources and versions from Zenodo and partner collections into the store."""

from __future__ import annotations

import argparse
import json
import sys

DEFAULT_ZENODO = "https://zenodo.org/api"
DEFAULT_PARTNERS = "partners"
DEFAULT_STORE = "collection"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "harvest", help="pull new resources/versions from Zenodo and partner collections into the store",
        description="List every Zenodo record tagged bioimage.io (all versions) and every registered partner "
                    "collection, and add new resources and versions to the store as `pending`. Exits 1 if a "
                    "source or an item failed; everything that succeeded is still written.")
    parser.add_argument("--zenodo", default=None, metavar="URL_OR_DIR",
                        help=f"Zenodo API base URL or a record-set folder (default {DEFAULT_ZENODO}); "
                             "'none' skips Zenodo")
    parser.add_argument("--partners", default=None, metavar="DIR",
                        help=f"folder of partner registrations (default {DEFAULT_PARTNERS}/); 'none' skips partners")
    parser.add_argument("--store", default=None, metavar="DIR", help=f"the store folder (default {DEFAULT_STORE}/)")
    parser.add_argument("--page-size", type=int, default=None, metavar="N", help="records per search page")
    parser.add_argument("--no-validate", action="store_true", help="skip format validation of harvested RDFs")
    parser.add_argument("--accept", action="store_true",
                        help="store new versions as accepted instead of pending (for trusted offline record sets)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pipeline.sources import harvest
    from pipeline.base.http import HttpPolicy

    zenodo = args.zenodo or DEFAULT_ZENODO
    partners = args.partners or DEFAULT_PARTNERS
    # The operator configured these locations, so a loopback Zenodo mirror is allowed.
    policy = HttpPolicy().trusting(zenodo)
    summary = harvest(
        None if zenodo == "none" else zenodo, None if partners == "none" else Path(partners),
        Path(args.store or DEFAULT_STORE), policy=policy, page_size=args.page_size,
        validate=not args.no_validate, accept=args.accept, progress=None if args.json else _progress,
    )
    if args.json:
        print(json.dumps(summary.to_json(), indent=2, sort_keys=True))
    else:
        print(summary.format_text())
    return 0 if summary.ok else 1


def _progress(message: str) -> None:
    print(f"  {message}", file=sys.stderr)
