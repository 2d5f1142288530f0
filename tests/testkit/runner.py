"""Helpers of the runner tests: the example models, quick limits, RDF reading and writing."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ruamel.yaml import YAML

from pipeline.runner.sandbox import Limits
from testkit.paths import MODELS

GOOD = ("nuclei-boundary-2d", "membrane-distance-3d", "two-channel-fusion-2d", "upsample-2d", "downsample-2d",
        "fixed-shape-2d")
QUICK = Limits(seconds=60, memory_bytes=4 * 1024**3)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_rdf(path: Path) -> dict:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def write_rdf(path: Path, data: dict) -> None:
    yaml = YAML()
    yaml.default_flow_style = False
    with path.open("w", encoding="utf-8") as f:
        yaml.dump(data, f)


def hostile_forward(body: str) -> str:
    """The example architecture with `body` run at the start of forward()."""
    src = (MODELS / "nuclei-boundary-2d" / "nuclei_net.py").read_text(encoding="utf-8")
    indented = "".join(f"        {line}\n" for line in body.strip().splitlines())
    return src.replace("        h = torch.relu(self.conv1(x))\n", indented + "        h = torch.relu(self.conv1(x))\n")
