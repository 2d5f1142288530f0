"""The `zoo` command line: parses flags, calls one library function, maps errors to exit codes.

Each subcommand lives in its own module `cmd_<name>.py` exposing `register(subparsers)`, which
adds its parser and sets `handler`; handlers return an exit code and import heavy modules lazily
so that `zoo --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from typing import Sequence

from pipeline import __version__
from pipeline.errors import BadInput, ZooError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zoo", description="Collection pipeline of the BioImage Model Zoo."
    )
    parser.add_argument("--version", action="version", version=f"zoo {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("cmd_")):
        importlib.import_module(f"{__name__}.{module_name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # argparse exits with 2 on bad usage
    try:
        return int(args.handler(args))
    except BadInput as e:
        print(f"zoo {args.command}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except ZooError as e:
        print(f"zoo {args.command}: {e}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"zoo {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
