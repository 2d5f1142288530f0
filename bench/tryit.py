"""Benchmark of "Try it" on model pages: `python bench/tryit.py [--keep DIR] [--size 1024]`.

Builds the embedded example end to end with its model tests (`zoo run`), then for every example
model with a browser bundle measures:
- the bundle's bytes, and the runtime's (loaded once per visitor, then cached);
- the time from the click on "Run on the test input" to the result on screen, in headless Debian
  Chromium: cold (a fresh browser profile: runtime, model and WebAssembly compiled from scratch)
  and warm (the same page, clicked again; target < 1 s for the tiny examples);
- `zoo predict` on the same test input in this process, and the ratio of the two;
and, for the nuclei model, the same on a SIZE x SIZE 16-bit TIFF uploaded as a visitor's file.
Prints JSON lines.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import tifffile

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline import main_job  # noqa: E402
from pipeline.main_job import RunConfig  # noqa: E402
from pipeline.runner.predict import predict  # noqa: E402
from pipeline.site import vendor  # noqa: E402
from pipeline.site.serve import serve_in_thread  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
MODELS = {"10.5281/zenodo.8235070": "nuclei-boundary-2d", "10.5281/zenodo.8539650": "two-channel-fusion-2d",
          "10.5281/zenodo.8540730": "fixed-shape-2d", "10.5281/zenodo.8810300": "upsample-2d",
          "10.5281/zenodo.8824890": "downsample-2d", "10.5281/zenodo.8354140": "membrane-distance-3d"}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]


def build(work: Path) -> Path:
    config = RunConfig.embedded(examples=REPO / "examples", work=work / ".zoo", site=work / "site",
                                cache=work / "cache", say=lambda line: None)
    summary = main_job.run(config)
    if not summary.ok:
        raise SystemExit(summary.format_text())
    return work / "site"


def _wait(page, timeout_s: float = 300) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = page.evaluate("document.getElementById('try').dataset.state || ''")
        if state in ("done", "error"):
            return state
        page.wait_for_timeout(10)
    raise TimeoutError("no result")


def _click(page, selector: str) -> float:
    """Milliseconds from the click to the result on screen (the page measures it)."""
    page.click(selector)
    page.wait_for_timeout(5)
    if _wait(page) != "done":
        raise RuntimeError(page.inner_text("#try-message"))
    return float(page.evaluate("document.getElementById('try').dataset.ms"))


def _zoo_predict(model: str, inputs: list[Path], work: Path) -> float:
    started = time.perf_counter()
    predict(REPO / "examples" / "models" / model / "rdf.yaml", inputs, work / f"{model}-out.npy")
    return time.perf_counter() - started


def measure(site: Path, work: Path, size: int) -> list[dict]:
    from playwright.sync_api import sync_playwright

    server, url = serve_in_thread(site)
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        for rid, model in MODELS.items():
            latest = json.loads((site / "collection.json").read_text())
            vid = next(e["latest_version"] for e in latest["collection"] if e["id"] == rid)
            manifest_path = site / "rdfs" / rid / vid / "bundle" / "bundle.json"
            if not manifest_path.is_file():
                rows.append({"model": model, "bundle": None})
                continue
            manifest = json.loads(manifest_path.read_text())
            context = browser.new_context()  # an empty cache: a first visit
            page = context.new_page()
            page.goto(url + f"rdfs/{rid}/index.html")
            cold = _click(page, "#try-test")
            warm = [_click(page, "#try-test") for _ in range(3)]
            inputs = [site / "rdfs" / rid / vid / "bundle" / t["test"] for t in manifest["inputs"]]
            zoo = _zoo_predict(model, inputs, work)
            row = {"model": model, "bundle_bytes": manifest["bytes"], "source_weights": manifest["weights_format"],
                   "cold_ms": round(cold), "warm_ms": round(sorted(warm)[1]), "zoo_predict_ms": round(zoo * 1000),
                   "zoo_predict_over_warm": round(zoo * 1000 / sorted(warm)[1], 1)}
            if model == "nuclei-boundary-2d":
                image = work / f"visitor-{size}.tif"
                tifffile.imwrite(image, (np.random.default_rng(0).random((size, size)) * 3000).astype(np.uint16))
                page.locator("#try input[type=file]").first.set_input_files(str(image))
                visitor = [_click(page, "#try-form button[type=submit]") for _ in range(2)]
                zoo_file = _zoo_predict(model, [image], work)
                row.update({f"file_{size}_ms": round(min(visitor)), f"file_{size}_zoo_predict_ms": round(zoo_file * 1000),
                            "file_blocks": page.inner_text("#try-results .try-facts")})
            rows.append(row)
            print(json.dumps(row), flush=True)
            context.close()
        browser.close()
    server.shutdown()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, default=None, help="build here and keep it (default: a temp dir)")
    parser.add_argument("--size", type=int, default=1024, help="side of the visitor's TIFF for the nuclei model")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="zoo-tryit-bench-"))
    site = work / "site" if (work / "site" / "index.html").is_file() else build(work)
    print(json.dumps({"runtime_bytes": vendor.runtime_bytes()}), flush=True)
    measure(site, work, args.size)
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
