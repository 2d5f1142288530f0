"""`zoo merge`: fold the shards' result folders into the test cache, only what the plan planned."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.cli.options import cache_option, given, json_option, report


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "merge", help="merge the shards' model-test results into the test cache, as planned",
        description="Copy the results the shards of a `zoo plan` uploaded into the test cache: from the "
                    "folder of shard I only the results the plan gave shard I, each checked. Anything else "
                    "is refused and named (exit 1); planned results that are missing are counted.")
    parser.add_argument("shards", type=Path, metavar="SHARDS",
                        help="a folder with one folder per shard, named after its index (`zoo-tests-3`)")
    parser.add_argument("--plan", type=Path, required=True, metavar="FILE", help="the plan (`zoo plan --plan-file`)")
    parser.add_argument("--plan-sha256", default=None, metavar="HEX",
                        help="refuse a plan whose digest is not HEX (the matrix's `plan`)")
    parser.add_argument("--bundles", type=Path, default=None, metavar="DIR",
                        help="also the browser bundles the shards made, one folder per shard (`zoo-bundles-3`)")
    cache_option(parser)
    json_option(parser, "the merge summary")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.build import merge

    config = merge.MergeConfig(args.plan, args.shards,
                               **given(cache=args.cache, plan_sha256=args.plan_sha256, bundles=args.bundles))
    return report(merge.run(config), args.json)
