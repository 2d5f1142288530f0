"""Option groups the subcommands share, and the one way a stage's result is printed.

Every option defaults to None, so a flag that is not given never overrides a stage config's own
default (`pipeline.defaults`); `given()` keeps the flags that were.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline import defaults

if TYPE_CHECKING:
    from pipeline.contracts.stage import StageResult
    from pipeline.runner.sandbox import Limits

WEIGHTS_FORMATS = ("keras_hdf5", "keras_v3", "onnx", "pytorch_state_dict", "tensorflow_js",
                   "tensorflow_saved_model_bundle", "torchscript")


def store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", type=Path, default=None, metavar="DIR",
                        help=f"the store folder (default {defaults.STORE}/)")


def site_option(parser: argparse.ArgumentParser, what: str = "output folder") -> None:
    parser.add_argument("--site", type=Path, default=None, metavar="DIR", help=f"{what} (default {defaults.SITE}/)")


def partners_option(parser: argparse.ArgumentParser, what: str = "partner registrations") -> None:
    parser.add_argument("--partners", type=Path, default=None, metavar="DIR_OR_FILE",
                        help=f"{what}: a folder, or one partner-list file (default {defaults.PARTNERS}/); "
                             "'none' for no partners")


def partners_given(value: Path | None) -> dict[str, Path | None]:
    """--partners as a config field: unset keeps the default, 'none' is no partners, a path must exist."""
    from pipeline.errors import BadInput

    if value is None:
        return {}
    if str(value) == "none":
        return {"partners": None}
    if not value.exists():
        raise BadInput("no such partners folder or file", source=str(value))
    return {"partners": value}


def cache_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cache", type=Path, default=None, metavar="DIR",
                        help=f"content-addressed caches, safe to delete (default {defaults.CACHE}/)")


def location_options(parser: argparse.ArgumentParser) -> None:
    """--store, --site, --partners and --cache: where a build reads and writes."""
    store_option(parser)
    site_option(parser)
    partners_option(parser)
    cache_option(parser)


def jobs_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help=f"model tests run at once (default {defaults.JOBS})")


def json_option(parser: argparse.ArgumentParser, what: str = "the summary") -> None:
    parser.add_argument("--json", action="store_true", help=f"print {what} as JSON")


def weights_option(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--weights", choices=WEIGHTS_FORMATS, default=None, metavar="FORMAT", help=help)


def limit_options(parser: argparse.ArgumentParser, per: str = "") -> None:
    """--timeout and --memory: the limits a model runs under (`per`: what each limit covers)."""
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help=f"wall-time limit{per} (default 600, env ZOO_TEST_SECONDS)")
    parser.add_argument("--memory", type=float, default=None, metavar="GB",
                        help=f"address-space limit{per} (default 8, env ZOO_TEST_MEMORY_GB)")


def limits_from(args: argparse.Namespace) -> "Limits":
    """Limits from flags over environment defaults."""
    from dataclasses import replace

    from pipeline.runner.sandbox import GiB, Limits

    limits = Limits.from_env()
    if args.timeout is not None:
        limits = replace(limits, seconds=args.timeout)
    if args.memory is not None:
        limits = replace(limits, memory_bytes=int(args.memory * GiB))
    return limits


def given(**flags: Any) -> dict[str, Any]:
    """The flags that were given on the command line (unset ones are None)."""
    return {name: value for name, value in flags.items() if value is not None}


def progress(message: str) -> None:
    """Progress lines go to stderr, so stdout stays the result."""
    print(f"  {message}", file=sys.stderr, flush=True)


def report(result: "StageResult", as_json: bool) -> int:
    """Print a stage's result as text or JSON; the exit code is 1 when it is not ok."""
    print(json.dumps(result.to_json(), indent=2, sort_keys=True, ensure_ascii=False) if as_json
          else result.format_text())
    return 0 if result.ok else 1
