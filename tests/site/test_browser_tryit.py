"""Try it in Debian Chromium, on the embedded example built end to end with its model tests:
every example model with a bundle reproduces its test output in the browser; an uploaded PNG
and a larger, tiled TIFF give what `zoo predict` gives on the same file (the downloaded .npy);
wrong channel counts, a PNG claiming 30000 x 30000 pixels and a corrupt TIFF get a message
and leave the tab working; a long run shows its progress and can be cancelled."""

from __future__ import annotations

import json
import re
import struct
import time
import zlib

import numpy as np
import pytest
import tifffile
from PIL import Image
from testkit.paths import MODELS, REPO
from testkit.site import ARTIFACTS, chromium

from pipeline.contracts.results import BROWSER_BUNDLE, PASSED

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]
NUCLEI = "10.5281/zenodo.8235070"  # examples/models/nuclei-boundary-2d
FIXED = "10.5281/zenodo.8540730"  # examples/models/fixed-shape-2d (64 x 64 blocks)


@pytest.fixture(scope="module")
def example_site(tmp_path_factory):
    from pipeline import main_job
    from pipeline.main_job import RunConfig
    from pipeline.site.serve import served

    work = tmp_path_factory.mktemp("tryit")
    config = RunConfig.embedded(examples=REPO / "examples", work=work / ".zoo", site=work / "site",
                                cache=work / "cache", say=lambda line: None)
    summary = main_job.run(config)
    assert summary.stage("build").ok and summary.stage("site").ok, summary.format_text()
    site = work / "site"
    with served(site) as url:
        yield url, site


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def _bundled(site) -> list[tuple[str, str, dict]]:
    """(resource id, version id, bundle test entry) of every latest model version with a bundle."""
    found = []
    for entry in json.loads((site / "collection.json").read_text())["collection"]:
        if entry["type"] != "model":
            continue
        summary = json.loads((site / "rdfs" / entry["id"] / entry["latest_version"] / "test_summary.json").read_text())
        bundle = [t for t in summary["tests"]["pipeline"] if t["name"] == BROWSER_BUNDLE]
        found.append((entry["id"], entry["latest_version"], bundle[0] if bundle else None))
    return found


def _wait(page, timeout_s: float = 120) -> str:
    """The Try it section's state once a run ends (the page's CSP forbids wait_for_function)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = page.evaluate("document.getElementById('try').dataset.state || ''")
        if state in ("done", "error", "cancelled"):
            return state
        page.wait_for_timeout(25)
    raise TimeoutError("the run did not end")


def _open(page, url: str, rid: str) -> None:
    page.goto(url + f"rdfs/{rid}/index.html")
    page.locator("#try .try-controls").wait_for()


def _run_file(page, path, axes: str = "") -> str:
    page.locator("#try input[type=file]").first.set_input_files(str(path))
    page.locator("#try input[data-axes]").first.fill(axes)
    page.click("#try-form button[type=submit]")
    page.wait_for_timeout(30)
    return _wait(page)


def _download_npy(page, tmp_path, index: int = 0) -> np.ndarray:
    link = page.locator("#try-results a[data-format=npy]").nth(index)
    with page.expect_download() as download:
        link.click()
    target = tmp_path / f"browser-{index}.npy"
    download.value.save_as(target)
    return np.load(target)


def _zoo_predict(model: str, image, tmp_path) -> np.ndarray:
    from pipeline.runner.predict import predict

    out = predict(MODELS / model / "rdf.yaml", [image], tmp_path / f"zoo-{model}.npy")
    return np.load(next(iter(out.values())))


def test_every_bundled_example_reproduces_its_test_output_in_the_browser(page, example_site):
    url, site = example_site
    bundled = _bundled(site)
    assert {rid for rid, _, entry in bundled if entry and entry["status"] == PASSED} >= {NUCLEI, FIXED}
    skipped = [(rid, entry["error"]) for rid, _, entry in bundled if entry and entry["status"] != PASSED]
    assert all("no ONNX or torch weights" in reason for _, reason in skipped)  # the TensorFlow example
    for rid, vid, entry in bundled:
        if not entry or entry["status"] != PASSED:
            continue
        _open(page, url, rid)
        page.click("#try-test")
        assert _wait(page) == "done", page.inner_text("#try-message")
        rows = page.locator("#try-results table.try-compare tbody tr")
        manifest = json.loads((site / "rdfs" / rid / vid / "bundle" / "bundle.json").read_text())
        assert rows.count() == len(manifest["outputs"])
        for row in rows.all():
            assert row.get_attribute("data-passed") == "true", row.inner_text()
            assert float(row.get_attribute("data-max-difference")) <= 1e-3
        # one canvas per input and output, drawn
        assert page.locator("#try-results canvas").count() == len(manifest["inputs"]) + len(manifest["outputs"])
    assert page.errors == []


@pytest.mark.parametrize("suffix", ["png", "jpg"])
def test_an_uploaded_png_gives_what_zoo_predict_gives(page, example_site, tmp_path, suffix):
    url, _ = example_site
    image = tmp_path / f"nuclei.{suffix}"
    rng = np.random.default_rng(7)
    Image.fromarray((rng.random((88, 104)) * 255).astype(np.uint8)).save(image)  # JPEG: the browser decodes it
    _open(page, url, NUCLEI)
    assert _run_file(page, image) == "done", page.inner_text("#try-message")
    got = _download_npy(page, tmp_path)
    want = _zoo_predict("nuclei-boundary-2d", image, tmp_path)
    assert got.shape == want.shape == (1, 2, 80, 96)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)  # the RDF's tolerance
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"tryit-{suffix}.png"), full_page=True)


def test_a_larger_tiff_is_tiled_as_zoo_predict_tiles_it(page, example_site, tmp_path):
    url, _ = example_site
    image = tmp_path / "large.tif"
    rng = np.random.default_rng(8)
    tifffile.imwrite(image, (rng.random((150, 213)) * 3000).astype(np.uint16))
    _open(page, url, FIXED)
    assert _run_file(page, image) == "done", page.inner_text("#try-message")
    assert "blocks: y: 4 x 64, x: 5 x 64" in page.inner_text("#try-results .try-facts")
    got = _download_npy(page, tmp_path)
    want = _zoo_predict("fixed-shape-2d", image, tmp_path)
    assert got.shape == want.shape == (1, 1, 150, 213)
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-3)


def test_a_smaller_image_is_padded_as_zoo_predict_pads_it(page, example_site, tmp_path):
    url, _ = example_site
    image = tmp_path / "small.png"
    Image.fromarray((np.random.default_rng(3).random((40, 51)) * 255).astype(np.uint8)).save(image)
    _open(page, url, FIXED)  # the model takes exactly 64 x 64
    assert _run_file(page, image) == "done", page.inner_text("#try-message")
    got = _download_npy(page, tmp_path)
    want = _zoo_predict("fixed-shape-2d", image, tmp_path)
    assert got.shape == want.shape == (1, 1, 40, 51)
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-3)


def test_the_page_loads_the_runtime_only_when_asked(browser, example_site):
    url, _ = example_site
    context = browser.new_context()
    page = context.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(url + f"rdfs/{NUCLEI}/index.html", wait_until="networkidle")
    heavy = ("static/vendor/", "/bundle/", "static/tryit/")
    assert not [u for u in requested if any(h in u for h in heavy)]
    page.click("#try-test")
    assert _wait(page) == "done"
    assert any(u.endswith("ort-wasm-simd-threaded.wasm") for u in requested)
    assert any(u.endswith("/bundle/network.onnx") for u in requested)
    assert not [u for u in requested if not u.startswith(url)]  # nothing from another origin
    context.close()


def test_a_wrong_channel_count_gets_a_clear_message(page, example_site, tmp_path):
    url, _ = example_site
    image = tmp_path / "rgb.png"
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(image)
    _open(page, url, NUCLEI)
    assert _run_file(page, image) == "error"
    message = page.inner_text("#try-message")
    assert "input 'raw' has 3 channels, the model expects 1" in message
    assert _run_file(page, image, axes="yxq") == "error"
    assert "axes letter 'q' is not one of" in page.inner_text("#try-message")


def _png_claiming(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def test_hostile_files_get_an_error_and_the_tab_keeps_working(page, example_site, tmp_path):
    url, _ = example_site
    huge, corrupt = tmp_path / "huge.png", tmp_path / "corrupt.tif"
    huge.write_bytes(_png_claiming(30000, 30000))
    corrupt.write_bytes(b"II*\x00\x08\x00\x00\x00" + bytes(range(256)) * 8)
    _open(page, url, NUCLEI)
    assert _run_file(page, huge) == "error"
    assert "its header claims 30000 x 30000 x 1 values, more than the limit" in page.inner_text("#try-message")
    assert _run_file(page, corrupt) == "error"
    assert "corrupt.tif is not a readable TIFF" in page.inner_text("#try-message")
    page.click("#try-test")
    assert _wait(page) == "done"  # the same tab, its worker and model still working
    assert page.errors == []


def test_a_long_run_shows_progress_and_cancels(page, example_site, tmp_path):
    url, _ = example_site
    image = tmp_path / "long.tif"
    tifffile.imwrite(image, (np.random.default_rng(9).random((1400, 1400)) * 3000).astype(np.uint16))
    _open(page, url, FIXED)
    page.locator("#try input[type=file]").first.set_input_files(str(image))
    page.click("#try-form button[type=submit]")
    page.locator("#try-progress .status", has_text=re.compile(r"^block \d+/\d+$")).wait_for()
    started = time.monotonic()
    assert page.evaluate("1 + 1") == 2  # the page answers while the worker computes
    assert time.monotonic() - started < 1.0
    value = page.evaluate("document.querySelector('#try-progress progress').value")
    assert value >= 1
    page.click("#try-cancel")
    assert _wait(page) == "cancelled" and page.inner_text("#try-message") == "Cancelled."
    assert page.locator("#try-progress").is_hidden()
    page.click("#try-test")
    assert _wait(page) == "done"
