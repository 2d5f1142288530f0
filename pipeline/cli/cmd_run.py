"""`zoo run`: the main job, every stage in order; the embedded default when no source is given."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run", help="harvest, propose, build and render the site (the main job)",
        description="Run harvest, propose, build and site in order. Without --zenodo/--partners/--store "
                    "it runs on the embedded default: the bundled examples, offline, with its store in "
                    ".zoo/collection and every harvested version accepted at once.")
    parser.add_argument("--zenodo", default=None, metavar="URL_OR_DIR", help="Zenodo API base URL or record-set folder")
    parser.add_argument("--partners", type=Path, default=None, metavar="DIR", help="partner registrations")
    parser.add_argument("--store", type=Path, default=None, metavar="DIR", help="the store")
    parser.add_argument("--site", type=Path, default=None, metavar="DIR", help="output folder (default: site/)")
    parser.add_argument("--cache", type=Path, default=None, metavar="DIR", help="caches (default: .cache/)")
    parser.add_argument("--github", default=None, metavar="OWNER/REPO",
                        help="open contribution PRs on GitHub (token in GITHUB_TOKEN)")
    parser.add_argument("--max-prs", type=int, default=None, metavar="N", help="PRs opened or updated per run (default 10)")
    parser.add_argument("--accept", action="store_true", help="accept harvested versions without a PR review")
    parser.add_argument("--no-tests", action="store_true", help="skip model tests")
    parser.add_argument("--jobs", type=int, default=None, metavar="N", help="model tests run at once (default 2)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.main_job import RunConfig, run_all

    common = {"run_tests": not args.no_tests, "jobs": args.jobs or 2, "max_prs": 10 if args.max_prs is None else args.max_prs,
              "github": args.github, "github_token": os.environ.get("GITHUB_TOKEN")}
    if args.site:
        common["site"] = args.site
    if args.cache:
        common["cache"] = args.cache
    if args.zenodo is None and args.partners is None and args.store is None:
        config = RunConfig.embedded(**common)
    else:
        config = RunConfig(zenodo=args.zenodo, partners=args.partners, store=args.store or Path("collection"),
                           accept=args.accept, **common)
    summary = run_all(config)
    for stage, ok, what in summary.stages:
        print(f"{stage:8} {'ok' if ok else 'FAILED'} ({what})")
    return 0 if summary.ok else 1
