"""`zoo predict SOURCE INPUT... -o OUTPUT`: run a model on new images, tiled when large."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.errors import BadInput


def register(subparsers: argparse._SubParsersAction) -> None:
    from pipeline.cli.cmd_test import WEIGHTS_FORMATS

    parser = subparsers.add_parser(
        "predict", help="run a model on new data (.npy or .tif), tiled when large",
        description="Predict with a model on one image per model input (.npy or .tif). Large images are "
                    "processed block by block with the output halo as context; borders are padded by "
                    "reflection. A model with several outputs writes OUTPUT_<output id>.<ext> each.")
    parser.add_argument("source", metavar="SOURCE", help="RDF file, folder, zip or http(s) URL")
    parser.add_argument("inputs", metavar="INPUT", nargs="+", type=Path, help="one image per model input, in order")
    parser.add_argument("-o", "--output", required=True, type=Path, metavar="OUTPUT", help="output .npy or .tif")
    parser.add_argument("--weights", choices=WEIGHTS_FORMATS, default=None, metavar="FORMAT",
                        help="weights format to use (default: the first runnable one)")
    parser.add_argument("--block", default=None, metavar="N|AXIS=N,...",
                        help="block size per tiled axis, e.g. 256 or y=128,x=256 (rounded up to a valid size)")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS", help="wall-time limit")
    parser.add_argument("--memory", type=float, default=None, metavar="GB", help="address-space limit")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.cli.cmd_test import limits_from
    from pipeline.runner.predict import predict
    from pipeline.runner.tiling import block_arg

    if args.output.suffix.lower() not in (".npy", ".tif", ".tiff"):
        raise BadInput("output must end in .npy, .tif or .tiff", source=str(args.output))
    try:
        block = block_arg(args.block)
    except ValueError as e:
        raise BadInput(str(e), source="--block") from None
    written = predict(args.source, args.inputs, args.output, weights_format=args.weights, block=block,
                      limits=limits_from(args))
    for tid, path in written.items():
        print(f"{tid}: {path}")
    return 0
