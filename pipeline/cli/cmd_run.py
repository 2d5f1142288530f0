"""`zoo run`: the main job, every stage in order; the embedded default when no source is given."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from pipeline import defaults
from pipeline.cli.options import cache_option, given, jobs_option, site_option


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run", help="harvest, propose, build and render the site (the main job)",
        description="Run harvest, propose, build and site in order. Without --zenodo/--partners/--store "
                    "it runs on the embedded default: the bundled examples, offline, with its store in "
                    f"{defaults.EMBEDDED_WORK}/collection and every harvested version accepted at once.")
    parser.add_argument("--zenodo", default=None, metavar="URL_OR_DIR", help="Zenodo API base URL or record-set folder")
    parser.add_argument("--partners", type=Path, default=None, metavar="DIR", help="partner registrations")
    parser.add_argument("--store", type=Path, default=None, metavar="DIR", help="the store")
    site_option(parser)
    cache_option(parser)
    parser.add_argument("--github", default=None, metavar="OWNER/REPO",
                        help="open contribution PRs on GitHub (token in GITHUB_TOKEN)")
    parser.add_argument("--max-prs", type=int, default=None, metavar="N",
                        help=f"PRs opened or updated per run (default {defaults.MAX_PRS})")
    parser.add_argument("--accept", action="store_true", help="accept harvested versions without a PR review")
    parser.add_argument("--no-tests", action="store_true", help="skip model tests")
    jobs_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pipeline import main_job
    from pipeline.errors import BadInput

    for given_path in (args.zenodo, args.partners):
        if given_path is not None and not str(given_path).startswith(("http://", "https://")) \
                and not Path(given_path).exists():
            raise BadInput("no such folder or file", source=str(given_path))
    common = {"run_tests": not args.no_tests, "github": args.github, "github_token": os.environ.get("GITHUB_TOKEN"),
              **given(site=args.site, cache=args.cache, jobs=args.jobs, max_prs=args.max_prs)}
    if args.zenodo is None and args.partners is None and args.store is None:
        config = main_job.RunConfig.embedded(**common)
    else:
        config = main_job.RunConfig(zenodo=args.zenodo, partners=args.partners, accept=args.accept,
                                    **given(store=args.store), **common)
    summary = main_job.run(config)
    print(summary.format_text())
    return 0 if summary.ok else 1
