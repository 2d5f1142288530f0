"""`zoo plan`: the pending model tests as a GitHub Actions matrix, grouped by environment."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pipeline import defaults
from pipeline.cli.cmd_build import config_from
from pipeline.cli.options import location_options


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "plan", help="print pending model tests as a GitHub Actions matrix",
        description="Print the model tests whose results are not cached as a GitHub Actions "
                    "matrix: one job per environment group, each running `zoo build --shard I/N`.")
    location_options(parser)
    parser.add_argument("--max-jobs", type=int, default=None, metavar="N",
                        help="at most N matrix jobs; environment groups are bundled past that "
                             f"(default {defaults.MAX_MATRIX_JOBS})")
    parser.add_argument("--retest", action="store_true", help="plan every model test, cached or not")
    parser.add_argument("--plan-file", type=Path, default=None, metavar="FILE",
                        help="also write the plan (every shard's tests) to FILE, for `zoo build --plan` and "
                             "`zoo merge`; each matrix job carries its digest as `plan`")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.base.atomic import replace_file
    from pipeline.build.builder import plan
    from pipeline.build.files import json_bytes

    test_plan = plan(config_from(args), max_jobs=args.max_jobs or defaults.MAX_MATRIX_JOBS)
    if args.plan_file is not None:
        args.plan_file.parent.mkdir(parents=True, exist_ok=True)
        replace_file(args.plan_file, json_bytes(test_plan.to_json(), compact=True))
    print(json.dumps(test_plan.matrix(), separators=(",", ":")))  # one line: GITHUB_OUTPUT takes it as is
    return 0
