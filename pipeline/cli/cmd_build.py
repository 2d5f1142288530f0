"""`zoo build`: validate, test (incrementally), merge partner summaries, write `site/` data."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from pipeline.cli.options import given, jobs_option, json_option, location_options, partners_given, report


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "build", help="write site/ data from the store: per-version RDFs, test summaries, collection.json",
        description="Validate and test every accepted version (only what changed), merge partner "
                    "test summaries, and write collection.json, all_versions.json and per-version files.")
    location_options(parser)
    parser.add_argument("--retest", action="store_true", help="re-run every model test, ignoring cached results")
    parser.add_argument("--recheck", action="store_true",
                        help="re-fetch and re-validate every RDF to notice upstream changes (cached tests stay)")
    parser.add_argument("--no-tests", action="store_true", help="validate and publish without running model tests")
    parser.add_argument("--shard", type=parse_shard, default=None, metavar="I/N",
                        help="only run the model tests of shard I of N (fills the cache, publishes nothing)")
    parser.add_argument("--plan", type=Path, default=None, metavar="FILE",
                        help="with --shard: run exactly the tests this plan (`zoo plan --plan-file`) gives the shard")
    parser.add_argument("--plan-sha256", default=None, metavar="HEX",
                        help="with --plan: refuse a plan whose digest is not HEX (the matrix's `plan`)")
    parser.add_argument("--environments-only", action="store_true",
                        help="with --shard: build the test environments of the shard's tests and stop; "
                             "runs no model code")
    jobs_option(parser)
    parser.add_argument("--no-packages", action="store_true", help="skip the per-version zip packages")
    parser.add_argument("--pr-base", default=None, metavar="REV",
                        help="build a pull request: exit 1 only when a version or partner the PR adds or changes "
                             "against git revision REV (its base, e.g. origin/main) fails; other problems are "
                             "warnings")
    json_option(parser, "the build summary")
    parser.add_argument("--summary", type=Path, default=None, metavar="FILE",
                        help="also write the summary as JSON to FILE (what `zoo review --build-summary` reads)")
    parser.set_defaults(handler=run)


def parse_shard(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)/(\d+)", text)
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise argparse.ArgumentTypeError(f"expected I/N with 1 <= I <= N, got {text!r}")
    return int(match[1]), int(match[2])


def config_from(args: argparse.Namespace):
    """The build config of the flags `zoo build` and `zoo plan` share (and build's own)."""
    from pipeline.build.builder import BuildConfig
    from pipeline.errors import BadInput

    config = BuildConfig(**given(store=args.store, site=args.site, cache=args.cache,
                                 jobs=getattr(args, "jobs", None), shard=getattr(args, "shard", None),
                                 plan=getattr(args, "plan", None), plan_sha256=getattr(args, "plan_sha256", None)),
                         **partners_given(args.partners),
                         environments_only=getattr(args, "environments_only", False),
                         retest=args.retest, recheck=getattr(args, "recheck", False),
                         run_tests=not getattr(args, "no_tests", False),
                         packages=not getattr(args, "no_packages", False))
    if not config.store.is_dir():
        raise BadInput("store folder does not exist", source=str(config.store))
    if config.shard is None and (config.plan is not None or config.environments_only):
        raise BadInput("--plan and --environments-only go with --shard I/N", source="zoo build")
    if getattr(args, "pr_base", None):
        from dataclasses import replace

        from pipeline.store.changes import pr_scope

        config = replace(config, pr=pr_scope(config.store, config.partners, args.pr_base))
    return config


def run(args: argparse.Namespace) -> int:
    from pipeline.base.atomic import replace_file
    from pipeline.build import builder

    summary = builder.run(config_from(args))
    if args.summary is not None:
        replace_file(args.summary, json.dumps(summary.to_json(), indent=2, sort_keys=True).encode())
    return report(summary, args.json)
