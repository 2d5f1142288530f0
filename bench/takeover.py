"""Replay harness: an existing collection through `zoo harvest`, `zoo build`, `zoo site`, measured.

Run: .venv/bin/python bench/takeover.py REPLAY [--work DIR] [--search] [--pending] [--details]

REPLAY is a folder laid out as the collection being taken over publishes it:
  collection/            its store, `collection/<resource id>/resource.yaml` (copied, never changed)
  partners/              its partner list: `collection_rdf_template.yaml` and/or `<id>.yaml` registrations
  zenodo/                (optional) Zenodo records in the record-set shape (records/<id>.json,
                         records/<id>/files/<key>, search/page-<n>.json), served as the Zenodo API
  web/<host>/<path>      every other URL `https://<host>/<path>` the run reads (partner repositories'
                         raw files, bare git repositories for deployed test reports)
  expected/collection.json   the collection.json that collection published

Everything is served from loopback: `web/` by one static server, `zenodo/` by the project's Zenodo
server, and the run is pointed at them with `ZOO_MIRRORS` (documented in docs/security.md), so
the stored URLs stay the public ones. `tests/testkit/real_zoo.py OUT` writes such a folder.

Prints one JSON object: entries expected and published, fields compared and agreeing (over the
published entries, the fields the expected entries have), the disagreeing fields by name, each
stage's exit code and seconds, and whether any stage crashed (a Python traceback or a signal).
Field values are compared as JSON, except: `rdf_source` by its path below the site root (the
two collections live on different hosts), `covers` by the cover images' file stems (each
pipeline names its thumbnails its own way), and `created` as an instant to the second.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from http.server import SimpleHTTPRequestHandler
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.base.httpd import QuietServer  # noqa: E402
from pipeline.sources.zenodo_server import ZenodoServer  # noqa: E402

PUBLIC_ZENODO = "https://zenodo.org/api"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


class StaticServer:
    """`web/<host>/<path>` on 127.0.0.1, so `https://<host>/<path>` can be mirrored to it."""

    def __init__(self, folder: Path):
        self.httpd = QuietServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> "StaticServer":
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def mirrors(replay: Path, static: str, zenodo: str | None) -> str:
    """The `ZOO_MIRRORS` value: every host folder of `web/`, and the Zenodo records API."""
    pairs = [(f"https://{p.name}", f"{static}/{p.name}") for p in sorted((replay / "web").glob("*")) if p.is_dir()]
    if zenodo:
        pairs.append((f"{PUBLIC_ZENODO}/records", f"{zenodo}/records"))
    return ",".join(f"{prefix}={target}" for prefix, target in pairs)


def run_stage(name: str, args: list[str], env: dict[str, str], cwd: Path) -> dict[str, Any]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=3600)
    crashed = proc.returncode < 0 or "Traceback (most recent call last)" in proc.stderr
    (cwd / f"{name}.log").write_text(f"$ zoo {' '.join(args)}\n{proc.stdout}\n{proc.stderr}")
    return {"stage": name, "exit": proc.returncode, "seconds": round(time.perf_counter() - start, 2),
            "crashed": crashed}


def replay(folder: Path, work: Path, *, search: bool = False, accept: bool = True) -> dict[str, Any]:
    """Run the three stages on a copy of the replay's store; returns the measurement."""
    folder, work = Path(folder).resolve(), Path(work).resolve()
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(folder / "collection", work / "collection")
    shutil.copytree(folder / "partners", work / "partners")
    (folder / "web").mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    stages = []
    with StaticServer(folder / "web") as static:
        zenodo_server = ZenodoServer(folder / "zenodo") if (folder / "zenodo" / "search").is_dir() else None
        with zenodo_server or _Nothing():
            base = zenodo_server.base if zenodo_server else None
            env["ZOO_MIRRORS"] = mirrors(folder, static.base, base)
            common = ["--partners", str(work / "partners"), "--store", str(work / "collection")]
            stages.append(run_stage("harvest", ["harvest", "--zenodo", base or "none", *common,
                                                *(["--accept"] if accept else []), "--json"], env, work))
            stages.append(run_stage("build", ["build", *common, "--site", str(work / "site"),
                                              "--cache", str(work / "cache"), "--no-tests", "--json"], env, work))
            stages.append(run_stage("site", ["site", "--site", str(work / "site"), "--partners", str(work / "partners"),
                                             *([] if search else ["--no-search"])], env, work))
    expected = json.loads((folder / "expected" / "collection.json").read_text())
    try:
        actual = json.loads((work / "site" / "collection.json").read_text())
    except (OSError, ValueError):
        actual = {"collection": []}
    return {"replay": str(folder), **compare(expected, actual), "stages": stages,
            "crashed": any(s["crashed"] for s in stages)}


class _Nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        pass


def compare(expected: dict[str, Any], actual: dict[str, Any]) -> dict[str, Any]:
    """Entries published and field agreement of `actual` against `expected` (collection.json documents)."""
    ours = {e.get("id"): e for e in actual.get("collection", []) if isinstance(e, dict)}
    theirs = [e for e in expected.get("collection", []) if isinstance(e, dict)]
    published = [e for e in theirs if e.get("id") in ours]
    compared = agreeing = exact = 0
    by_field: dict[str, int] = {}
    disagreements = []
    for entry in published:
        mine = ours[entry["id"]]
        for key, value in entry.items():
            compared += 1
            exact += json.dumps(value, sort_keys=True) == json.dumps(mine.get(key), sort_keys=True)
            if same(key, value, mine.get(key)):
                agreeing += 1
            else:
                by_field[key] = by_field.get(key, 0) + 1
                disagreements.append({"id": entry["id"], "field": key, "expected": value, "got": mine.get(key)})
    return {
        "entries_expected": len(theirs), "entries_published": len(published),
        "missing": sorted(e.get("id") for e in theirs if e.get("id") not in ours),
        "fields_compared": compared, "fields_agreeing": agreeing,
        "field_agreement": round(100.0 * agreeing / compared, 1) if compared else 0.0,
        # the same without the three normalisations below: plain JSON equality of every field
        "field_agreement_exact": round(100.0 * exact / compared, 1) if compared else 0.0,
        "disagreeing_fields": dict(sorted(by_field.items(), key=lambda kv: -kv[1])),
        "disagreements": disagreements,
    }


def same(key: str, expected: Any, got: Any) -> bool:
    if key == "rdf_source":
        return _site_path(expected) == _site_path(got)
    if key == "covers" and isinstance(expected, list) and isinstance(got, list):
        return [_stem(c) for c in expected] == [_stem(c) for c in got]
    if key == "created":
        return _instant(expected) == _instant(got) is not None
    return json.dumps(expected, sort_keys=True) == json.dumps(got, sort_keys=True)


def _site_path(value: Any) -> str | None:
    """`rdfs/...` of a published file, whichever host or relative form it is written in."""
    if not isinstance(value, str):
        return None
    path = unquote(urlsplit(value).path)
    at = path.find("rdfs/")
    return path[at:] if at >= 0 else path


def _stem(value: Any) -> str:
    name = PurePosixPath(unquote(urlsplit(str(value)).path)).name
    name = re.sub(r"\.thumbnail\.(png|jpe?g)$", "", name)
    name = re.sub(r"^\d+-", "", name)
    return name.rsplit(".", 1)[0] if "." in name else name


def _instant(value: Any) -> str | None:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)  # the paper-era zoo wrote UTC without a zone
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("replay", type=Path, help="the replay folder (layout above)")
    parser.add_argument("--work", type=Path, default=None, help="where to run (default: a temporary folder)")
    parser.add_argument("--search", action="store_true", help="also build the search index (slower)")
    parser.add_argument("--pending", action="store_true",
                        help="harvest new versions as pending (by default they are accepted: the collection "
                             "taken over was reviewed, and its partner entries were published without review)")
    parser.add_argument("--details", action="store_true", help="list every disagreeing field")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = replay(args.replay, args.work or Path(tmp) / "work", search=args.search, accept=not args.pending)
    if not args.details:
        result["disagreements"] = result["disagreements"][:20]
    print(json.dumps(result, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
