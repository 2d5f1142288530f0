"""Benchmark of the website at scale: `python bench/site.py [--n 10000] [--keep DIR]`.

Generates a collection of N resources in the shape `zoo build` writes (collection.json,
all_versions.json, per-version rdf.yaml, test_summary.json, a cover), then measures:
- site build time: cold, no-op rerun, and after one resource changed;
- bytes the browser transfers for the home page, and for the first search on it;
- time from typing a query to its results being on screen, in headless Debian Chromium
  (first search, which loads the index, and warm searches; target < 100 ms).
Each resource has a README of 150-350 words (indexed with its page since the search reads whole
pages), tensor descriptions and a citation.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.site import builder as site_builder
from pipeline.site.builder import SiteConfig  # noqa: E402
from pipeline.site.serve import serve_in_thread  # noqa: E402
from pipeline.spec import yamlio  # noqa: E402

WORDS = ("nuclei cell membrane mitochondria tissue neuron organoid embryo bacteria yeast zebrafish "
         "segmentation denoising restoration classification detection tracking deconvolution "
         "fluorescence confocal electron brightfield widefield lightsheet 2d 3d unet stardist "
         "cellpose pytorch tensorflow onnx").split()
ADJECTIVES = "agile brave calm daring eager fancy gentle happy jolly keen lively mighty noble".split()
ANIMALS = "otter gopher falcon lynx badger heron koala lemur marten newt ocelot panda quail".split()
TOOLS = ("macro-kit", "pixel-lab", "ilastik", "deepimagej")
# specific queries, and broad one-word ones that match 15-30% of the collection
QUERIES = ("nuclei", "zebrafish denoising", "brave-otter-17", "membrane 3d", "organoid", "cellpose",
           "segmentation", "cell", "hoechst")  # hoechst: a word only documentation has
TYPED = ("nuclei", "membrane 3d")  # typed a key at a time, 120 ms apart
# documentation: 150-350 words a resource, as READMEs are: common words, the resource's own
# topics (its tags) and now and then another topic, the field's vocabulary, and a long tail of
# rare terms (Zipf-distributed); `--dense-docs` makes every README use every topic (a stress
# case: each query then matches 70% of the collection)
DOC_COMMON = ("the of and to in a is for with on this model image images we by are from as be can an it that "
              "at or trained data input output network training using used each pixel channel per values "
              "results test example see below above run prediction predicted version weights").split()
DOC_FIELD = ("hoechst dapi gfp mcherry phalloidin actin tubulin nucleus cytoplasm stack tile halo normalised "
             "percentile threshold watershed instance semantic probability boundary mask annotation ground truth "
             "microscope objective resolution").split()
RARE_TERMS = 5000


def _cover() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 34), (30, 90, 160)).save(out, format="PNG")
    return out.getvalue()


def _documentation(rng: random.Random, name: str, desc: str, tags: list[str], dense: bool) -> str:
    words = []
    for _ in range(rng.randint(150, 350)):
        pick = rng.random()
        if pick < 0.6:
            words.append(rng.choice(DOC_COMMON))
        elif pick < 0.75:
            words.append(rng.choice(WORDS) if dense or rng.random() < 0.02 else rng.choice(tags))
        elif pick < 0.85:
            words.append(rng.choice(DOC_FIELD))
        else:
            words.append(f"term{min(int(rng.paretovariate(1.1)), RARE_TERMS)}")
    return f"# {name}\n\n{desc}\n\n## Usage\n\n" + " ".join(words) + ".\n"


def generate(site: Path, n: int, seed: int = 0, dense_docs: bool = False) -> None:
    """Write a site folder with `n` resources (one or two versions each)."""
    rng = random.Random(seed)
    cover = _cover()
    entries, versions = [], []
    for i in range(n):
        rtype = rng.choices(["model", "dataset", "notebook", "application"], [70, 15, 10, 5])[0]
        rid = f"10.5281/zenodo.{1_000_000 + i * 10}"
        vids = [str(1_000_000 + i * 10 + k) for k in range(rng.choice([1, 1, 1, 2]), 0, -1)]
        tags = rng.sample(WORDS, 5)
        status = rng.choice(["passed", "passed", "failed", "valid-format"])
        compat = {"pipeline": status if status != "valid-format" else "unknown"}
        for tool in rng.sample(TOOLS, rng.randint(0, 2)) if rtype == "model" else []:
            compat[tool] = rng.choice(["passed", "failed"])
        nickname = f"{ADJECTIVES[i % len(ADJECTIVES)]}-{ANIMALS[(i // len(ADJECTIVES)) % len(ANIMALS)]}-{i}"
        created = f"20{20 + i % 6}-{1 + i % 12:02d}-{1 + i % 28:02d}T00:00:00Z"
        name = f"{tags[0].title()} {tags[1]} {rtype} {i}"
        desc = f"A {rtype} for {' and '.join(tags[:3])} in {tags[3]} images, number {i}."
        folder = f"rdfs/{rid}/{vids[0]}"
        weights = sorted(rng.sample(["torchscript", "onnx", "pytorch_state_dict", "keras_hdf5"], 2)) \
            if rtype == "model" else []
        entries.append({
            "id": rid, "type": rtype, "name": name, "description": desc, "tags": tags, "license": "CC-BY-4.0",
            "authors": [{"name": f"Author {i % 500}"}], "covers": [f"{folder}/covers/0-cover.png"],
            "nickname": nickname, "nickname_icon": "", "doi": f"10.5281/zenodo.{vids[0]}", "concept_doi": rid,
            "versions": vids, "latest_version": vids[0], "rdf_source": f"{folder}/rdf.yaml",
            "download_url": None, "status": {"format_valid": True, "overall": status}, "compatibility": compat,
            "weights_formats": weights, "edam": [], "links": [], "owners": [], "source_kind": "zenodo",
            "created": created, "download_count": rng.randint(0, 5000)})
        for vid in vids:
            vdir = site / "rdfs" / rid / vid
            (vdir / "covers").mkdir(parents=True)
            (vdir / "covers" / "0-cover.png").write_bytes(cover)
            rdf = {"type": rtype, "name": name, "description": desc, "tags": tags, "license": "CC-BY-4.0",
                   "authors": [{"name": f"Author {i % 500}", "affiliation": f"Institute {i % 97}"}],
                   "format_version": "0.5.4", "documentation": "files/README.md",
                   "cite": [{"text": f"Author {i % 500} et al. {tags[0].title()} {tags[1]} ({2020 + i % 6})",
                             "doi": f"10.1000/paper.{i}"}],
                   "weights": {w: {"source": f"files/{w}.bin"} for w in weights}}
            if rtype == "model":
                rdf["inputs"] = [{"id": "raw", "description": f"{tags[2]} {tags[3]} image, any intensity range"}]
                rdf["outputs"] = [{"id": "prediction", "description": f"{tags[0]} probabilities"}]
            (vdir / "files").mkdir()
            (vdir / "files" / "README.md").write_text(_documentation(rng, name, desc, tags, dense_docs))
            (vdir / "rdf.yaml").write_text(yamlio.dumps(rdf, sort_keys=True))
            tests = {tool: [{"name": "run", "status": state if state != "unknown" else "skipped",
                             "tool_version": "1.0", "error": None, "warnings": []}] for tool, state in compat.items()}
            (vdir / "test_summary.json").write_text(json.dumps(
                {"resource_id": rid, "version_id": vid, "rdf_sha256": "", "tests": tests,
                 "status": {"format_valid": True, "runs": None, "reproduces": None, "overall": status}}))
            versions.append({"id": rid, "version_id": vid, "created": created})
    doc = {"type": "collection", "config": {"partners": [{"id": t, "name": t.title()} for t in TOOLS]},
           "collection": entries}
    (site / "collection.json").write_text(json.dumps(doc))
    (site / "all_versions.json").write_text(json.dumps({"versions": versions}))


def timed_builds(site: Path) -> dict[str, float]:
    options = SiteConfig(site=site, partners=None)
    t0 = time.perf_counter()
    cold = site_builder.run(options)
    t1 = time.perf_counter()
    noop = site_builder.run(options)
    t2 = time.perf_counter()
    doc = json.loads((site / "collection.json").read_text())
    doc["collection"][0]["description"] += " Changed."
    (site / "collection.json").write_text(json.dumps(doc))
    t3 = time.perf_counter()
    one = site_builder.run(options)
    t4 = time.perf_counter()
    assert cold.rendered == len(doc["collection"]) and noop.rendered == 0 and one.rendered == 1
    return {"cold_s": round(t1 - t0, 2), "noop_s": round(t2 - t1, 2), "one_change_s": round(t4 - t3, 2),
            "pages_written_cold": cold.pages_written, "noop_pages_written": noop.pages_written}


def _wait_until_settled(page, timeout_s: float = 30.0) -> None:
    """Results are on screen and no keystroke came for 300 ms (the page's CSP forbids
    wait_for_function's string evaluation, so this polls)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if page.evaluate("document.getElementById('search-status').textContent.includes('result')"
                         " && performance.now() - window.__start > 300"):
            return
        page.wait_for_timeout(50)
    raise TimeoutError("no results within the time limit")


def browser_figures(site: Path) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    server, url = serve_in_thread(site)
    sizes: list[tuple[str, int, int]] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run"])
        page = browser.new_page()

        def record(response) -> None:
            try:
                body = response.body()
            except Exception:  # redirects and aborted requests have no body
                return
            sizes.append((response.url, len(body), len(gzip.compress(body))))

        page.on("response", record)
        page.goto(url + "index.html", wait_until="networkidle")
        home = list(sizes)
        sizes.clear()
        page.evaluate("""() => {
            window.__t = [];
            document.addEventListener('input', () => { window.__start = performance.now(); }, true);
            new MutationObserver(() => window.__t.push(performance.now() - window.__start))
              .observe(document.getElementById('search-status'), {childList: true, characterData: true, subtree: true});
        }""")
        timings, per_query = [], {}
        for index, query in enumerate(QUERIES * 3):
            page.wait_for_timeout(400)  # a person reads the results before typing the next query
            page.evaluate("document.getElementById('search-status').textContent = ''")
            page.evaluate("window.__t = []")
            page.fill("#q", query if index % 2 == 0 else query + " ")  # a changed value fires input
            page.locator("#search-status", has_text="result").wait_for(timeout=30000)
            timings.append(page.evaluate("window.__t[window.__t.length - 1]"))
            per_query.setdefault(query, []).append(timings[-1])
            if index == 0:
                first = list(sizes)
        # with a facet ticked, the table and Pagefind answer together
        page.locator("#facets > summary").click()
        page.locator('fieldset[data-facet="type"] input[value="model"]').check()
        page.locator("#search-status", has_text="result").wait_for(timeout=30000)
        faceted = []
        for index, query in enumerate(QUERIES * 2):
            page.wait_for_timeout(400)
            page.evaluate("document.getElementById('search-status').textContent = ''")
            page.evaluate("window.__t = []")
            page.fill("#q", query if index % 2 == 0 else query + " ")
            page.locator("#search-status", has_text="result").wait_for(timeout=30000)
            faceted.append(page.evaluate("window.__t[window.__t.length - 1]"))
        typed = []
        for query in TYPED * 3:
            page.fill("#q", "")
            page.wait_for_timeout(400)
            page.evaluate("document.getElementById('search-status').textContent = ''")
            page.evaluate("window.__t = []")
            page.type("#q", query, delay=120)
            _wait_until_settled(page)
            typed.append(page.evaluate("window.__t[window.__t.length - 1]"))
        browser.close()
    server.shutdown()
    return {
        "home_requests": len(home), "home_bytes": sum(s for _, s, _ in home),
        "home_bytes_gzip": sum(g for _, _, g in home),
        "first_search_requests": len(first), "first_search_bytes": sum(s for _, s, _ in first),
        "first_search_bytes_gzip": sum(g for _, _, g in first),
        "first_search_ms": round(timings[0], 1),
        "warm_search_ms_median": round(statistics.median(timings[1:]), 1),
        "warm_search_ms_max": round(max(timings[1:]), 1),
        "warm_search_ms_median_by_query": {q: round(statistics.median(t[1:] if q == QUERIES[0] else t), 1)
                                           for q, t in per_query.items()},
        "faceted_search_ms_median": round(statistics.median(faceted), 1),
        "typed_last_key_to_results_ms_median": round(statistics.median(typed), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, default=None, help="build here and keep it (default: a temp dir)")
    parser.add_argument("--browser-only", action="store_true", help="measure the site already built in --keep")
    parser.add_argument("--dense-docs", action="store_true", help="every README uses every topic (a stress case)")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="zoo-site-bench-"))
    site = base / "site"
    figures: dict = {"resources": args.n, "dense_docs": args.dense_docs}
    if not (args.browser_only and args.keep):
        shutil.rmtree(site, ignore_errors=True)
        site.mkdir(parents=True)
        t0 = time.perf_counter()
        generate(site, args.n, dense_docs=args.dense_docs)
        figures["generate_s"] = round(time.perf_counter() - t0, 2)
        figures.update(timed_builds(site))
        print(json.dumps(figures), flush=True)
    figures.update(browser_figures(site))
    print(json.dumps(figures, indent=2))
    if args.keep is None:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
