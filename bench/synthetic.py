"""A generated collection for benchmarks: N realistic model resources in a store.

Every resource is a variant of the example model `nuclei-boundary-2d` (its RDF with another
name, description, tags and authors; its files hard-linked, so 10,000 resources cost little
disk), stored as `collection/10.5281/zenodo.<n>/resource.yaml` with one accepted version.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
from pathlib import Path

from pipeline.spec import yamlio

TEMPLATE = Path(__file__).resolve().parent.parent / "examples" / "models" / "nuclei-boundary-2d"
WORDS = ("nuclei", "membrane", "mitochondria", "cells", "tissue", "organoid", "axon", "vesicle",
         "chromatin", "actin", "boundary", "instance", "semantic", "denoising", "restoration")
TAGS = ("2d", "3d", "segmentation", "fluorescence-light-microscopy", "electron-microscopy",
        "nuclei", "cells", "unet", "pytorch", "onnx", "denoising", "instance-segmentation")
LICENSES = ("CC-BY-4.0", "MIT", "BSD-3-Clause", "Apache-2.0")


def make_collection(root: Path, count: int, *, seed: int = 0) -> Path:
    """Write `count` resources under `root` and return the store folder."""
    rng = random.Random(seed)
    template = yamlio.loads((TEMPLATE / "rdf.yaml").read_bytes(), source="template")
    files = [p for p in TEMPLATE.iterdir() if p.is_file() and not p.name.endswith(".yaml")]
    records, store = root / "records", root / "collection"
    shutil.rmtree(root, ignore_errors=True)
    for n in range(count):
        folder = records / str(n)
        folder.mkdir(parents=True)
        for f in files:
            os.link(f, folder / f.name)
        rdf = variant(template, n, rng)
        raw = yamlio.dumps(rdf, fast=True).encode()
        (folder / "rdf.yaml").write_bytes(raw)
        write_resource(store, n, folder / "rdf.yaml", hashlib.sha256(raw).hexdigest(), rng)
    return store


def variant(template: dict, n: int, rng: random.Random) -> dict:
    """The template RDF with this resource's own metadata."""
    rdf = dict(template)
    topic = " ".join(rng.sample(WORDS, 2))
    rdf["name"] = f"Synthetic {topic} model {n}"
    rdf["description"] = f"Generated benchmark model {n} for {topic} in microscopy images."
    rdf["tags"] = sorted(rng.sample(TAGS, 4))
    rdf["license"] = rng.choice(LICENSES)
    rdf["authors"] = [{"name": f"Author {rng.randrange(1000)}", "affiliation": "Benchmark Lab"}]
    rdf["version"] = f"1.{n % 7}.0"
    return rdf


def write_resource(store: Path, n: int, rdf_path: Path, sha256: str, rng: random.Random) -> Path:
    """One store entry in the shape the harvest writes."""
    rid = f"10.5281/zenodo.{1_000_000 + 2 * n}"
    record = {
        "id": rid, "type": "model", "source": "zenodo", "status": "accepted", "doi": rid,
        "name": f"Synthetic model {n}", "nickname": f"bench-{n}", "nickname_icon": "🐟", "owners": [n],
        "versions": [{
            "version_id": str(1_000_001 + 2 * n), "doi": f"10.5281/zenodo.{1_000_001 + 2 * n}",
            "created": f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}T12:00:00Z", "name": f"Synthetic model {n}",
            "version_name": "1", "rdf_source": str(rdf_path.resolve()), "rdf_sha256": sha256,
            "status": "accepted",
        }],
    }
    path = store / rid / "resource.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yamlio.dumps(record, sort_keys=True, fast=True))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    print(make_collection(args.root, args.count))


if __name__ == "__main__":
    main()
