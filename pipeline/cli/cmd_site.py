"""`zoo site`: render the website and its search index into the site folder."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "site", help="render the website and its search index into site/",
        description="Render the static website (browse grid, resource and version pages, tag and partner "
                    "pages, feed, sitemap, schemas) and its Pagefind search index from the files `zoo build` "
                    "wrote. Only resources whose inputs changed are re-rendered.")
    parser.add_argument("--site", type=Path, default=None, metavar="DIR", help="site folder (default: site/)")
    parser.add_argument("--partners", type=Path, default=None, metavar="DIR",
                        help="partner registrations, for logos and descriptions (default: partners/)")
    parser.add_argument("--base-url", default=None, metavar="URL",
                        help="public URL of the site, for the feed and sitemap (default: http://127.0.0.1:8000/)")
    parser.add_argument("--no-search", action="store_true", help="skip building the search index")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.site import render_site

    summary = render_site(args.site or Path("site"), partners=args.partners or Path("partners"),
                          base_url=args.base_url, search=not args.no_search)
    print(json.dumps(summary.to_json(), indent=2) if args.json else summary.format_text())
    return 0 if summary.ok else 1
