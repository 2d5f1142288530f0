"""`zoo serve`: preview site/ on 127.0.0.1."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve", help="preview site/ on http://127.0.0.1",
        description="Serve the built site folder on 127.0.0.1 only, until interrupted.")
    parser.add_argument("--site", type=Path, default=None, metavar="DIR", help="site folder (default: site/)")
    parser.add_argument("--port", type=int, default=None, metavar="N", help="port (default 8000; 0 picks a free one)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.site.serve import make_server

    server = make_server(args.site or Path("site"), 8000 if args.port is None else args.port, verbose=True)
    host, port = server.server_address[:2]
    print(f"serving {args.site or 'site'} on http://{host}:{port}/ (Ctrl+C stops)", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0
