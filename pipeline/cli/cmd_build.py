"""`zoo build`: validate, test (incrementally), merge partner summaries, write `site/` data."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from pipeline.errors import BadInput


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "build", help="write site/ data from the store: per-version RDFs, test summaries, collection.json",
        description="Validate and test every accepted version (only what changed), merge partner "
                    "test summaries, and write collection.json, all_versions.json and per-version files.")
    add_location_options(parser)
    parser.add_argument("--retest", action="store_true", help="re-run every model test, ignoring cached results")
    parser.add_argument("--recheck", action="store_true",
                        help="re-fetch and re-validate every RDF to notice upstream changes (cached tests stay)")
    parser.add_argument("--no-tests", action="store_true", help="validate and publish without running model tests")
    parser.add_argument("--shard", type=parse_shard, default=None, metavar="I/N",
                        help="only run the model tests of shard I of N (fills the cache, publishes nothing)")
    parser.add_argument("--jobs", type=int, default=None, metavar="N", help="model tests run at once (default 2)")
    parser.add_argument("--no-packages", action="store_true", help="skip the per-version zip packages")
    parser.add_argument("--json", action="store_true", help="print the build summary as JSON")
    parser.set_defaults(handler=run)


def add_location_options(parser: argparse.ArgumentParser) -> None:
    """--store, --site, --partners and --cache, shared by build, plan and run."""
    parser.add_argument("--store", type=Path, default=None, metavar="DIR", help="the store (default: collection/)")
    parser.add_argument("--site", type=Path, default=None, metavar="DIR", help="output folder (default: site/)")
    parser.add_argument("--partners", type=Path, default=None, metavar="DIR",
                        help="partner registrations (default: partners/)")
    parser.add_argument("--cache", type=Path, default=None, metavar="DIR",
                        help="content-addressed caches, safe to delete (default: .cache/)")


def parse_shard(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)/(\d+)", text)
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise argparse.ArgumentTypeError(f"expected I/N with 1 <= I <= N, got {text!r}")
    return int(match[1]), int(match[2])


def options_from(args: argparse.Namespace):
    from pipeline.build.builder import BuildOptions

    store = args.store or Path("collection")
    if not store.is_dir():
        raise BadInput("store folder does not exist", source=str(store))
    return BuildOptions(
        store=store, site=args.site or Path("site"), cache=args.cache or Path(".cache"),
        partners=args.partners or Path("partners"),
        retest=getattr(args, "retest", False), recheck=getattr(args, "recheck", False), run_tests=not getattr(args, "no_tests", False),
        shard=getattr(args, "shard", None), jobs=getattr(args, "jobs", None) or 2,
        packages=not getattr(args, "no_packages", False),
    )


def print_summary(summary, as_json: bool) -> None:
    if as_json:
        print(json.dumps(summary.to_json(), indent=2))
        return
    print(f"versions: {summary.versions} ({summary.rebuilt} rebuilt, {summary.unchanged} unchanged, "
          f"{summary.removed} removed)")
    print(f"model tests: {summary.tests_run} run, {summary.tests_cached} with cached results")
    for name in summary.failed:
        print(f"failed: {name}")
    for problem in summary.problems:
        print(f"problem: {problem}")


def run(args: argparse.Namespace) -> int:
    from pipeline.build.builder import build

    summary = build(options_from(args))
    print_summary(summary, args.json)
    return 1 if summary.problems else 0
