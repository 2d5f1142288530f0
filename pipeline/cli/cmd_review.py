"""`zoo review`: add a PR build's results to the PR's description."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from pipeline.cli.options import given, json_option, partners_given, partners_option, report, site_option, store_option


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "review", help="add a PR build's results (tests, partners, preview) to the PR's description",
        description="After `zoo build --pr-base REV` on a PR's checkout, write the section *Check results* for "
                    "every version the PR adds or changes: its format check, model tests per weights format with "
                    "their errors and environment, format warnings, partners' results, and the site preview; plus "
                    "what the PR itself does not own (the build's warnings). Written to --output, and into the "
                    "description of PR --pr: on GitHub with --github and a token (GITHUB_TOKEN), else the local "
                    "branch of that name. Exits 1 only when it cannot read what the build wrote or cannot write.")
    parser.add_argument("--pr-base", required=True, metavar="REV", help="the PR's base git revision, as for zoo build")
    store_option(parser)
    site_option(parser, "the site folder the PR's build wrote")
    partners_option(parser)
    parser.add_argument("--build-summary", type=Path, default=None, metavar="FILE",
                        help="the summary `zoo build --summary FILE` wrote: its warnings are listed on the PR")
    parser.add_argument("--output", "-o", type=Path, default=None, metavar="FILE", help="write the section here")
    parser.add_argument("--pr", default=None, metavar="NUMBER_OR_BRANCH",
                        help="the PR whose description gets the section (a number with --github, else a branch)")
    parser.add_argument("--github", default=None, metavar="OWNER/REPO", help="the PR is on this GitHub repository")
    parser.add_argument("--github-api", default=None, metavar="URL",
                        help="GitHub REST API base URL (default https://api.github.com)")
    parser.add_argument("--preview-url", default=None, metavar="URL", help="where this check's site preview is")
    json_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.contribute import reviewing
    from pipeline.errors import BadInput

    if args.build_summary is not None and not args.build_summary.is_file():
        raise BadInput("no such build summary", source=str(args.build_summary))
    config = reviewing.ReviewConfig(
        pr_base=args.pr_base, token=os.environ.get("GITHUB_TOKEN"), **partners_given(args.partners),
        **given(store=args.store, site=args.site, build_summary=args.build_summary,
                output=args.output, pr=args.pr, github=args.github, api_url=args.github_api,
                preview_url=args.preview_url))
    return report(reviewing.run(config), args.json)
