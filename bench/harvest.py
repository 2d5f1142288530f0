"""Benchmark: harvest a generated 5,000-record Zenodo-shaped set from a loopback server, cold and unchanged.

Run: .venv/bin/python bench/harvest.py [--records 5000] [--versions 2] [--page-size 100] [--no-validate]
Prints one JSON object: seconds for the listing alone, the cold harvest and the unchanged rerun,
and the requests each made. The unchanged rerun should cost little more than the listing.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.sources import harvesting  # noqa: E402
from pipeline.sources.harvesting import HarvestConfig  # noqa: E402
from pipeline.base.http import HttpPolicy  # noqa: E402
from pipeline.sources.recordset import record_json, write_record_set  # noqa: E402
from pipeline.sources.transport import HttpTransport  # noqa: E402
from pipeline.sources.zenodo import ZenodoClient  # noqa: E402
from pipeline.sources.zenodo_server import Faults, ZenodoServer  # noqa: E402

START = datetime(2023, 1, 1, tzinfo=timezone.utc)


def rdf(i: int, version: int) -> bytes:
    return (f"format_version: 0.3.0\ntype: dataset\nname: Generated Dataset {i}\n"
            f"description: generated record {i} for the harvest benchmark\n"
            f"authors:\n  - name: Bench Author\n    github_user: bench\n"
            f"cite:\n  - text: a paper\n    doi: 10.1101/2022.06.07.495102\n"
            f"license: CC0-1.0\ndocumentation: README.md\nversion: 1.{version}.0\n").encode()


def generate(folder: Path, records: int, versions: int) -> None:
    items = []
    concepts = max(records // versions, 1)
    for n in range(records):
        concept, version = n % concepts, n // concepts
        files = {"rdf.yaml": rdf(concept, version), "README.md": f"# dataset {concept}\n".encode()}
        rid = 2_000_000 + n
        items.append((record_json(rid, 1_000_000 + concept, START + timedelta(minutes=n), files,
                                  title=f"Generated Dataset {concept}", version=f"1.{version}.0"), files))
    write_record_set(folder, items, page_size=100)


def timed(action):
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--versions", type=int, default=2, help="records per concept")
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--no-validate", action="store_true")
    args = parser.parse_args()
    policy = HttpPolicy(retries=2, backoff=0.1)
    with tempfile.TemporaryDirectory(prefix="zoo-bench-") as tmp:
        folder, store = Path(tmp) / "records", Path(tmp) / "store"
        generate(folder, args.records, args.versions)
        with ZenodoServer(folder, Faults(max_page_size=args.page_size)) as server:
            client = ZenodoClient(HttpTransport(server.base, policy), page_size=args.page_size)
            listing_s, listing = timed(client.list_records)
            listed = dict(server.requests)
            config = HarvestConfig(server.base, None, store, policy=policy, page_size=args.page_size,
                                   validate=not args.no_validate)
            run = lambda: harvesting.run(config)  # noqa: E731
            cold_s, cold = timed(run)
            after_cold = dict(server.requests)
            warm_s, warm = timed(run)
            after_warm = dict(server.requests)
    zc, zw = cold.sources[0], warm.sources[0]
    print(json.dumps({
        "records": len(listing.records), "concepts": max(args.records // args.versions, 1),
        "validate": not args.no_validate, "page_size": args.page_size,
        "listing_s": round(listing_s, 2),
        "cold_s": round(cold_s, 2), "cold_new": len(zc.new), "cold_failed": len(zc.failed),
        "unchanged_s": round(warm_s, 2), "unchanged_count": zw.unchanged, "unchanged_new": len(zw.new),
        "unchanged_over_listing": round(warm_s / listing_s, 2),
        "requests_listing": listed,
        "requests_cold": {k: v - listed.get(k, 0) for k, v in after_cold.items()},
        "requests_unchanged": {k: v - after_cold.get(k, 0) for k, v in after_warm.items()},
    }, indent=2))


if __name__ == "__main__":
    main()
