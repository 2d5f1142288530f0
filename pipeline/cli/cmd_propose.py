"""`zoo propose`: open or update one contribution PR per resource with new versions."""

from __future__ import annotations

import argparse
import os

from pipeline import defaults
from pipeline.cli.options import given, json_option, progress, report, store_option


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "propose", help="open or update one contribution PR per new resource/version",
        description="For every resource with pending versions, open (or update) a PR on branch "
                    "auto-update-<id> holding its resource.yaml change, described for a maintainer: per new version "
                    "its license, authors, uploader, covers, weights, files, what changed since the previous "
                    "accepted version, its validation, and a checklist. Uses GitHub when --github and a token "
                    "(GITHUB_TOKEN) are given; otherwise the local git repository that holds the store: the "
                    "harvested store is committed on the base branch first, and each PR is a branch whose commit "
                    "message is its description.")
    store_option(parser)
    parser.add_argument("--github", default=None, metavar="OWNER/REPO", help="open PRs on this GitHub repository")
    parser.add_argument("--github-api", default=None, metavar="URL",
                        help="GitHub REST API base URL (default https://api.github.com)")
    parser.add_argument("--base", default=None, metavar="BRANCH", help="branch the PRs target (default: main / HEAD)")
    parser.add_argument("--max", type=int, default=None, metavar="N",
                        help=f"open or update at most N PRs this run (default {defaults.MAX_PRS})")
    json_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.contribute import proposing

    config = proposing.ProposeConfig(token=os.environ.get("GITHUB_TOKEN"), progress=None if args.json else progress,
                                     **given(store=args.store, github=args.github, base=args.base,
                                             api_url=args.github_api, max_prs=args.max))
    return report(proposing.run(config), args.json)
