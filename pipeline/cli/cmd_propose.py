"""`zoo propose`: open or update one contribution PR per resource with new versions."""

from __future__ import annotations

import argparse
import json
import os
import sys

DEFAULT_STORE = "collection"
DEFAULT_MAX = 10


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "propose", help="open or update one contribution PR per new resource/version",
        description="For every resource with pending versions, open (or update) a PR on branch "
                    "auto-update-<id> holding its resource.yaml change, the validation report, its nickname and "
                    "a maintainer checklist. Uses GitHub when --github and a token (GITHUB_TOKEN) are given, "
                    "otherwise branches plus PR.md in the local git repository that holds the store.")
    parser.add_argument("--store", default=None, metavar="DIR", help=f"the store folder (default {DEFAULT_STORE}/)")
    parser.add_argument("--github", default=None, metavar="OWNER/REPO", help="open PRs on this GitHub repository")
    parser.add_argument("--github-api", default=None, metavar="URL",
                        help="GitHub REST API base URL (default https://api.github.com)")
    parser.add_argument("--base", default=None, metavar="BRANCH", help="branch the PRs target (default: main / HEAD)")
    parser.add_argument("--max", type=int, default=None, metavar="N",
                        help=f"open or update at most N PRs this run (default {DEFAULT_MAX})")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pipeline.contribute import propose
    from pipeline.contribute.backend import open_backend
    from pipeline.errors import BadInput

    limit = DEFAULT_MAX if args.max is None else args.max
    if limit < 0:
        raise BadInput(f"--max must be 0 or more, got {limit}")
    store = Path(args.store or DEFAULT_STORE)
    backend = open_backend(store, github=args.github, token=os.environ.get("GITHUB_TOKEN"), base=args.base,
                           api_url=args.github_api)
    summary = propose(store, backend, limit, progress=None if args.json else _progress)
    print(json.dumps(summary.to_json(), indent=2) if args.json else summary.format_text())
    return 0 if summary.ok else 1


def _progress(message: str) -> None:
    print(f"  {message}", file=sys.stderr)
