"""`zoo site`: render the website and its search index into the site folder."""

from __future__ import annotations

import argparse

from pipeline import defaults
from pipeline.cli.options import given, json_option, partners_given, partners_option, report, site_option


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "site", help="render the website and its search index into site/",
        description="Render the static website (browse grid, resource and version pages, tag and partner "
                    "pages, feed, sitemap, schemas) and its Pagefind search index from the files `zoo build` "
                    "wrote. Only resources whose inputs changed are re-rendered.")
    site_option(parser, "site folder")
    partners_option(parser, "partner registrations, for logos and descriptions")
    parser.add_argument("--base-url", default=None, metavar="URL",
                        help=f"public URL of the site, for the feed and sitemap (default: {defaults.BASE_URL})")
    parser.add_argument("--no-search", action="store_true", help="skip building the search index")
    json_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.site import builder

    config = builder.SiteConfig(search=not args.no_search, **partners_given(args.partners),
                                **given(site=args.site, base_url=args.base_url))
    return report(builder.run(config), args.json)
