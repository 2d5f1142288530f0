"""A realistic `site/` as `zoo build` writes it (collection.json + per-version files), including a
hostile resource, and the Chromium the browser tests drive."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest
from PIL import Image

from pipeline.spec import yamlio
from testkit.paths import EXAMPLE_PARTNERS, REPO
CHROMIUM = Path("/usr/bin/chromium")


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium through Playwright, headless (the tests never download a browser)."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (`.ci/run` does)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
ARTIFACTS = REPO / "test-artifacts"
HOSTILE_ID = "10.5281/zenodo.6666666"
MODEL_ID = "10.5281/zenodo.1111111"
DATASET_ID = "10.5281/zenodo.2222222"
PARTNER_ID = "pixel-lab/nuclei-workflow"
XSS = "<script>window.__xss=1</script><img src=x onerror=\"window.__xss=2\">"


def _png(color: tuple[int, int, int], size=(64, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def _tests(status: str, error: str | None = None, tool_version: str = "0.1.0", **extra) -> list[dict]:
    return [{"name": "validate format", "status": "passed", "error": None, "traceback": None,
             "warnings": [], "tool_version": tool_version},
            {"name": "reproduce test outputs", "status": status, "error": error,
             "traceback": "Traceback (most recent call last):\n  boom" if error else None,
             "warnings": ["output range differs slightly"], "tool_version": tool_version,
             "weights_format": "torchscript", "env": {"python": "3.11", "torch": "2.13.0"}, **extra}]


def _entry(rid: str, vids: list[str], rtype: str, name: str, description: str, *, nickname: str,
           icon: str, tags: list[str], status: str, compat: dict[str, str], weights: list[str],
           created: str, source_kind: str = "zenodo", **extra) -> dict:
    folder = f"rdfs/{rid}/{vids[0]}"
    return {"id": rid, "type": rtype, "name": name, "description": description,
            "authors": [{"name": "Ada Lovelab", "orcid": "0000-0002-1825-0097"}], "tags": tags,
            "license": "CC-BY-4.0", "covers": [f"{folder}/covers/0-cover.png"], "nickname": nickname,
            "nickname_icon": icon, "doi": f"10.5281/zenodo.{vids[0]}", "concept_doi": rid if rid.startswith("10.") else None,
            "versions": vids, "latest_version": vids[0], "rdf_source": f"{folder}/rdf.yaml",
            "download_url": f"{folder}/package.zip",
            "status": {"format_valid": True, "runs": status == "passed", "reproduces": status == "passed",
                       "overall": status},
            "compatibility": compat, "weights_formats": weights, "edam": [], "links": [],
            "owners": [1], "source_kind": source_kind, "created": created, "download_count": 0, **extra}


def _version_files(site: Path, entry: dict, vid: str, rdf: dict, summary_tests: dict, *,
                   previews: bool = False, readme: str = "# Usage\n\nRun it.\n") -> None:
    folder = site / "rdfs" / entry["id"] / vid
    (folder / "covers").mkdir(parents=True, exist_ok=True)
    (folder / "covers" / "0-cover.png").write_bytes(_png((40, 120, 200)))
    (folder / "files").mkdir(exist_ok=True)
    (folder / "files" / "README.md").write_text(readme)
    for fmt, w in rdf.get("weights", {}).items():
        (folder / w["source"]).write_bytes(b"weights of " + fmt.encode())
    with zipfile.ZipFile(folder / "package.zip", "w") as z:
        z.writestr("rdf.yaml", yamlio.dumps(rdf))
    rdf = dict(rdf, id=f"{entry['id']}/{vid}", config={"bioimageio": {
        "nickname": entry["nickname"], "doi": f"10.5281/zenodo.{vid}", "created": entry["created"]}})
    (folder / "rdf.yaml").write_text(yamlio.dumps(rdf, sort_keys=True))
    overall = entry["status"]["overall"]
    (folder / "test_summary.json").write_text(json.dumps({
        "resource_id": entry["id"], "version_id": vid, "rdf_sha256": "0" * 64,
        "status": entry["status"] | {"overall": overall}, "tests": summary_tests}))
    if previews:
        (folder / "previews").mkdir(exist_ok=True)
        (folder / "previews" / "input-raw.png").write_bytes(_png((10, 10, 10)))
        (folder / "previews" / "output-mask.png").write_bytes(_png((250, 250, 250)))


def _rdf(entry: dict, **extra) -> dict:
    return {"format_version": "0.5.4", "type": entry["type"], "name": entry["name"],
            "description": entry["description"], "authors": entry["authors"], "tags": entry["tags"],
            "license": entry["license"], "documentation": "files/README.md", "covers": ["covers/0-cover.png"],
            "cite": [{"text": "Ouyang et al. BioImage Model Zoo (2022)", "doi": "10.1101/2022.06.07.495102"}],
            **extra}


def make_site(site: Path, partners: Path) -> dict:
    """Write a small but complete site folder and partner registrations; returns the entries by id."""
    model = _entry(MODEL_ID, ["1111113", "1111112"], "model", "Tiny Nuclei Boundary Net 2D",
                   "Predicts foreground and boundary probabilities for fluorescent nuclei.",
                   nickname="hypersonic-gopher", icon="🐹", tags=["2d", "Fluorescence-Light_Microscopy", "nuclei",
                                                                "semantic-segmentation", "pytorch"],
                   status="passed", compat={"pipeline": "passed", "macro-kit": "passed", "pixel-lab": "failed"},
                   weights=["onnx", "torchscript"], created="2024-01-01T00:00:00Z",
                   links=[DATASET_ID], training_data={"id": DATASET_ID}, download_count=10)
    dataset = _entry(DATASET_ID, ["2222223"], "dataset", "Tiny Nuclei Example Images",
                     "Fluorescence images of nuclei with masks.", nickname="humble-otter", icon="🦦",
                     tags=["nuclei", "fluorescence-light-microscopy"], status="passed",
                     compat={"pipeline": "passed"}, weights=[], created="2024-02-01T00:00:00Z",
                     linked_from=[MODEL_ID])
    em = _entry("10.5281/zenodo.3333333", ["3333334"], "model", "Membrane Distance 3D",
                "Distance transform of membranes in electron microscopy volumes.", nickname="brave-falcon",
                icon="🦅", tags=["3d", "electron-microscopy", "membranes"], status="failed",
                compat={"pipeline": "failed", "macro-kit": "failed"}, weights=["keras_hdf5"],
                created="2024-03-01T00:00:00Z")
    partner = _entry(PARTNER_ID, ["1.0.0"], "application", "Pixel Lab Nuclei Workflow",
                     "Interactive pixel classification workflow.", nickname="quiet-lynx", icon="",
                     tags=["pixel-lab", "interactive"], status="passed", compat={"pipeline": "passed"},
                     weights=[], created="2024-04-01T00:00:00Z", source_kind="partner:pixel-lab")
    hostile = _entry(HOSTILE_ID, ["6666667"], "model", "Evil " + XSS, "Desc " + XSS, nickname="sneaky-weasel",
                     icon="🦡", tags=["<b>bold</b>", "javascript:alert(1)"], status="failed",
                     compat={"pipeline": "failed"}, weights=["onnx"], created="2024-05-01T00:00:00Z",
                     links=["javascript:alert(1)"])
    hostile["authors"] = [{"name": XSS, "orcid": "\"><script>window.__xss=3</script>"}]
    entries = [model, dataset, em, partner, hostile]

    weights = {"torchscript": {"source": "files/weights_torchscript.pt"}, "onnx": {"source": "files/weights.onnx"}}
    for vid in model["versions"]:
        _version_files(site, model, vid, _rdf(model, weights=weights, inputs=[
            {"id": "raw", "axes": [{"type": "batch"}, {"type": "channel"}, {"type": "space", "id": "y"},
                                   {"type": "space", "id": "x"}], "data": {"type": "uint16"}}]),
            {"pipeline": _tests("passed"), "macro-kit": _tests("passed", tool_version="3.2.0"),
             "pixel-lab": _tests("failed", "runs models with a single input only", tool_version="1.4")},
            previews=True, readme="# Tiny nuclei\n\n![example](cover.png)\n\nSee [docs](https://example.org/docs).\n")
    _version_files(site, dataset, "2222223", _rdf(dataset), {"pipeline": _tests("passed")[:1]})
    _version_files(site, em, "3333334", _rdf(em, weights={"keras_hdf5": {"source": "files/w.h5"}}),
                   {"pipeline": _tests("failed", "mismatch: 12 of 4096 elements differ"),
                    "macro-kit": _tests("failed", "3D not supported", tool_version="3.2.0")})
    _version_files(site, partner, "1.0.0", _rdf(partner), {"pipeline": _tests("passed")[:1]})
    _version_files(site, hostile, "6666667",
                   _rdf(hostile, weights={"onnx": {"source": "javascript:alert(1)"}}, git_repo="javascript:alert(1)"),
                   {"pipeline": _tests("failed", XSS)},
                   readme=f"# Evil\n\n{XSS}\n\n[click](javascript:window.__xss=4)\n\n<iframe src=\"https://evil.example\"></iframe>\n"
                          f"<a href=\"#\" onclick=\"window.__xss=5\">x</a>\n")
    doc = {"format_version": "0.2.3", "type": "collection", "name": "BioImage Model Zoo",
           "config": {"partners": [{"id": "macro-kit", "name": "Macro Kit"}, {"id": "pixel-lab", "name": "Pixel Lab"}],
                      "n_resources": {}}, "collection": entries}
    (site / "collection.json").write_text(json.dumps(doc))
    versions = [{"id": e["id"], "version_id": v, "created": e["created"], "rdf_source": f"rdfs/{e['id']}/{v}/rdf.yaml"}
                for e in entries for v in e["versions"]]
    (site / "all_versions.json").write_text(json.dumps({"versions": versions}))
    partners.mkdir(parents=True, exist_ok=True)
    shutil.copytree(EXAMPLE_PARTNERS, partners, dirs_exist_ok=True)
    return {e["id"]: e for e in entries}




@contextmanager
def chromium_page(width: int = 1280, height: int = 900, timeout_ms: int = 15_000) -> Iterator[Any]:
    """A page of Debian's Chromium through Playwright (never a downloaded browser); `page.errors`
    collects the page's script errors."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (`.ci/run` does)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_default_timeout(timeout_ms)
            page.errors = []
            page.on("pageerror", lambda error: page.errors.append(str(error)))
            yield page
        finally:
            browser.close()
