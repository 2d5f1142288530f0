"""`zoo harvest`: pull new resources and versions from Zenodo and partner collections into the store."""

from __future__ import annotations

import argparse

from pipeline import defaults
from pipeline.cli.options import given, json_option, progress, report, store_option


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "harvest", help="pull new resources/versions from Zenodo and partner collections into the store",
        description="List every Zenodo record tagged bioimage.io (all versions) and every registered partner "
                    "collection, and add new resources and versions to the store as `pending`. Exits 1 if a "
                    "source or an item failed; everything that succeeded is still written.")
    parser.add_argument("--zenodo", default=None, metavar="URL_OR_DIR",
                        help=f"Zenodo API base URL or a record-set folder (default {defaults.ZENODO}); "
                             "'none' skips Zenodo")
    parser.add_argument("--partners", default=None, metavar="DIR_OR_FILE",
                        help=f"folder of partner registrations, or one partner-list file such as the paper-era "
                             f"collection_rdf_template.yaml (default {defaults.PARTNERS}/); 'none' skips partners")
    store_option(parser)
    parser.add_argument("--page-size", type=int, default=None, metavar="N", help="records per search page")
    parser.add_argument("--no-validate", action="store_true", help="skip format validation of harvested RDFs")
    parser.add_argument("--accept", action="store_true",
                        help="store new versions as accepted instead of pending (for trusted offline record sets)")
    json_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pipeline.base.http import HttpPolicy
    from pipeline.sources import harvesting

    from pipeline.errors import BadInput

    zenodo = args.zenodo or defaults.ZENODO
    partners = args.partners or str(defaults.PARTNERS)
    for given_path in (args.zenodo, args.partners):
        if given_path not in (None, "none") and not given_path.startswith(("http://", "https://")) \
                and not Path(given_path).exists():
            raise BadInput("no such folder or file", source=given_path)
    config = harvesting.HarvestConfig(
        zenodo=None if zenodo == "none" else zenodo, partners=None if partners == "none" else Path(partners),
        # the operator configured these locations, so a loopback Zenodo mirror is allowed
        policy=HttpPolicy().trusting(zenodo), validate=not args.no_validate, accept=args.accept,
        progress=None if args.json else progress, **given(store=args.store, page_size=args.page_size))
    return report(harvesting.run(config), args.json)
