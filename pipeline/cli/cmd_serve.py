"""`zoo serve`: preview site/ on 127.0.0.1."""

from __future__ import annotations

import argparse

from pipeline import defaults
from pipeline.cli.options import site_option


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve", help="preview site/ on http://127.0.0.1",
        description="Serve the built site folder on 127.0.0.1 only, until interrupted.")
    site_option(parser, "site folder")
    parser.add_argument("--port", type=int, default=None, metavar="N",
                        help=f"port (default {defaults.SERVE_PORT}; 0 picks a free one)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.site.serve import make_server

    site = args.site or defaults.SITE
    server = make_server(site, defaults.SERVE_PORT if args.port is None else args.port, verbose=True)
    host, port = server.server_address[:2]
    print(f"serving {site} on http://{host}:{port}/ (Ctrl+C stops)", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0
