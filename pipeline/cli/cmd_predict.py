"""`zoo predict SOURCE INPUT... -o OUTPUT`: run a model on new images, tiled when large."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.cli.options import limit_options, limits_from, weights_option
from pipeline.errors import BadInput


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "predict", help="run a model on new data (.npy, .tif, .png, .jpg), tiled when large",
        description="Predict with a model on one image per model input (.npy, .tif/.tiff, .png, .jpg) of any "
                    "size. Images that do not fit the memory budget are processed block by block with the "
                    "output halo as context; images of a size the model does not take are padded (as the "
                    "input's `pad` says, symmetric by default) and the outputs cropped back. A model with "
                    "several outputs writes OUTPUT_<output id>.<ext> each.")
    parser.add_argument("source", metavar="SOURCE", help="RDF file, folder, zip or http(s) URL")
    parser.add_argument("inputs", metavar="INPUT", nargs="+", type=Path, help="one image per model input, in order")
    parser.add_argument("-o", "--output", required=True, type=Path, metavar="OUTPUT", help="output .npy or .tif")
    parser.add_argument("--axes", action="append", default=None, metavar="AXES",
                        help="axes of an input file when the file does not say, as letters of bctzyx "
                             "(e.g. zyx, yxc); once for all inputs or once per input, in order")
    weights_option(parser, "weights format to use (default: the first runnable one)")
    parser.add_argument("--block", default=None, metavar="N|AXIS=N,...",
                        help="block size per tiled axis, e.g. 256 or y=128,x=256 (rounded up to a valid size)")
    parser.add_argument("--block-memory", type=float, default=None, metavar="MB",
                        help="tensor memory of one block, inputs and outputs together (default 64); "
                             "the largest valid block within it is used")
    limit_options(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.runner.predict import predict
    from pipeline.runner.progress import BlockBar
    from pipeline.runner.tiling import block_arg

    if args.output.suffix.lower() not in (".npy", ".tif", ".tiff"):
        raise BadInput("output must end in .npy, .tif or .tiff", source=str(args.output))
    try:
        block = block_arg(args.block)
    except ValueError as e:
        raise BadInput(str(e), source="--block") from None
    if args.block_memory is not None and args.block_memory <= 0:
        raise BadInput("must be a positive number of MB", source="--block-memory")
    budget = int(args.block_memory * 1024**2) if args.block_memory else None
    bar = None if args.quiet else BlockBar("predict", echo=lambda line: print(line, file=sys.stderr, flush=True))
    try:
        written = predict(args.source, args.inputs, args.output, weights_format=args.weights, block=block,
                          limits=limits_from(args), axes=args.axes, budget=budget, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    for tid, path in written.items():
        print(f"{tid}: {path}")
    return 0
