"""RDFs in the shapes today's tools write, for the differential harness's `extra` set.

The format's tools write RDFs through the reference library: a description dumped with every
field spelled out (`exclude_unset=False`: optional fields as null, empty lists, defaults) or
with only what was set. This script loads the valid real RDFs with several pinned versions of
the reference (each in its own cached venv under $ZOO_ORACLE_CACHE, `spec-<version>`) and writes
both dumps, so models come out as 0.5.3 .. 0.5.14 and, with the newest version in "discover"
mode, 0.4.10 and 0.2.4; generic 0.3.0 comes from the 0.5.0 line. Output: <out>/<version>/<n>-<all|set>/rdf.yaml.

    .venv/bin/python bench/spec_tool_shapes.py OUT [--versions 0.5.0.post2,0.5.3.6,...]

Inside a venv it runs as `python spec_tool_shapes.py --dump OUT MODE < paths`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VERSIONS = ("0.5.0.post2", "0.5.3.6", "0.5.5.7", "0.5.7.4", "0.5.10.2", "0.5.14.3")


def dump(out: Path, mode: str) -> None:
    """(In a reference venv) load each path from stdin and write its dumps under `out`."""
    import inspect

    from bioimageio.spec import load_description

    out.mkdir(parents=True, exist_ok=True)
    for n, line in enumerate(sys.stdin):
        path = line.strip()
        if "perform_io_checks" in inspect.signature(load_description).parameters:
            descr = load_description(path, perform_io_checks=False, format_version=mode)
        else:  # the 0.5.0 line takes the setting from its validation context
            from bioimageio.spec import ValidationContext

            with ValidationContext(perform_io_checks=False):
                descr = load_description(path, format_version=mode)
        if descr.validation_summary.status not in ("valid-format", "passed"):
            continue
        for which, unset in (("all", False), ("set", True)):
            data = descr.model_dump(mode="json", exclude_unset=unset)
            data.pop("rdf_source", None)
            target = out / f"{n:03d}-{which}"
            target.mkdir(exist_ok=True)
            (target / "rdf.json").write_text(json.dumps(data))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--versions", default=",".join(VERSIONS))
    parser.add_argument("--dump", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("mode", nargs="?", default="latest", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dump:
        dump(Path(args.out), args.mode)
        return
    sys.path.insert(0, str(REPO))
    from bench.spec_oracle import _valid_sources, cache_dir, real_set
    from pipeline.spec import yamlio

    sources = "\n".join(map(str, _valid_sources(real_set()))) + "\n"
    for version in args.versions.split(","):
        python = cache_dir() / f"spec-{version}" / "bin" / "python"
        if not python.exists():
            print(f"skipped {version}: no venv at {python.parent.parent}", file=sys.stderr)
            continue
        modes = ["latest", "discover"] if version == VERSIONS[-1] else ["latest"]
        for mode in modes:
            target = Path(args.out) / f"{version}-{mode}"
            subprocess.run([str(python), __file__, "--dump", str(target), mode], input=sources, text=True,
                           check=True, timeout=1800)
            for item in target.glob("*/rdf.json"):
                data = json.loads(item.read_text())
                (item.parent / "rdf.yaml").write_text(yamlio.dumps(data, fast=True))
                item.unlink()


if __name__ == "__main__":
    main()
