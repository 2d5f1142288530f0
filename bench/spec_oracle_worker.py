"""Runs INSIDE the reference validator's own virtual environment (see bench/spec_oracle.py).

Reads one RDF path per line on stdin and prints one JSON line per path: the reference's verdict
(`load_description(path, perform_io_checks=False)`), its error and warning entries, and the
type/format_version it resolved. Never imported by the pipeline.
"""

from __future__ import annotations

import json
import sys
import time


def _entries(detail, kind: str) -> list[dict]:
    out = []
    for entry in getattr(detail, kind):
        item = {"loc": [p if isinstance(p, int) else str(p) for p in entry.loc], "msg": entry.msg, "type": entry.type}
        if kind == "warnings":
            item["severity"] = entry.severity
        out.append(item)
    return out


def verdict(path: str, load_description) -> dict:
    try:
        descr = load_description(path, perform_io_checks=False)
    except Exception as e:
        return {"path": path, "status": "failed", "errors": [{"loc": [], "msg": f"{type(e).__name__}: {e}",
                                                             "type": "exception"}], "warnings": []}
    summary = descr.validation_summary
    errors, warnings = [], []
    for detail in summary.details:
        errors += _entries(detail, "errors")
        warnings += _entries(detail, "warnings")
    return {"path": path, "status": summary.status, "type": str(summary.type),
            "format_version": str(summary.format_version), "errors": errors, "warnings": warnings}


def main() -> None:
    started = time.perf_counter()
    from bioimageio.spec import load_description

    imported = time.perf_counter()
    for line in sys.stdin:
        path = line.rstrip("\n")
        if path:
            print(json.dumps(verdict(path, load_description)), flush=True)
    print(json.dumps({"timing": {"import_s": imported - started, "total_s": time.perf_counter() - started}}),
          flush=True)


if __name__ == "__main__":
    main()
