"""The built site in a real browser (Debian Chromium through Playwright): search by nickname,
facet filters that survive a reload, a resource page's matrix and downloads, a hostile RDF
whose scripts never run, no-JavaScript browsing, and a phone-sized layout."""

from __future__ import annotations

import re


import pytest
from playwright.sync_api import expect
from testkit.site import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, HOSTILE_ID, MODEL_ID

from pipeline.site import builder as site_builder
from pipeline.site.builder import SiteConfig
from pipeline.site.serve import served

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]
WAIT_MS = 15_000


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (`.ci/run` does); "
                    "the browser tests never download a browser", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    from testkit.site import make_site

    base = tmp_path_factory.mktemp("browser")
    site, partners = base / "site", base / "partners"
    site.mkdir()
    make_site(site, partners)
    summary = site_builder.run(SiteConfig(site=site, partners=partners))
    assert summary.problems == [] and summary.search_indexed
    with served(site) as url:
        yield url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("dialog", lambda dialog: (page.errors.append("dialog: " + dialog.message), dialog.dismiss()))
    yield page
    context.close()


def _titles(page) -> list[str]:
    return page.locator("#grid .card-title a").all_inner_texts()


def _results(page, n: int) -> None:
    """Wait for 'n results' and for all n cards: the first row comes first, the rest after."""
    page.locator("#search-status", has_text=f"{n} result").wait_for()
    page.locator("#grid .card").nth(n - 1).wait_for()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"site-{name}.png"), full_page=True)


def test_search_by_nickname_finds_the_model(page, site_url):
    page.goto(site_url + "index.html")
    assert len(_titles(page)) == 5
    page.fill("#q", "hypersonic-gopher")
    _results(page, 1)
    assert _titles(page) == ["Tiny Nuclei Boundary Net 2D"]
    card = page.locator("#grid .card").first
    assert "hypersonic-gopher" in card.inner_text() and "Macro Kit: passed" in card.inner_text()
    assert page.url.endswith("index.html?q=hypersonic-gopher")
    _shot(page, "search-nickname")
    page.locator("#grid .card-title a").first.click()
    page.wait_for_url(f"**/rdfs/{MODEL_ID}/index.html")
    assert page.errors == []


def test_search_by_doi_and_author(page, site_url):
    page.goto(site_url + "index.html")
    page.fill("#q", "10.5281/zenodo.2222222")
    _results(page, 1)
    assert _titles(page) == ["Tiny Nuclei Example Images"]
    page.fill("#q", "Lovelab")
    _results(page, 4)  # every author but the hostile one
    assert not any(t.startswith("Evil") for t in _titles(page))


def test_facet_filters_narrow_results_and_survive_a_reload(page, site_url):
    page.goto(site_url + "index.html")
    page.locator("#facets > summary").click()
    page.locator('fieldset[data-facet="type"] input[value="model"]').check()
    _results(page, 3)
    page.locator('fieldset[data-facet="tool"] input[value="macro-kit"]').check()
    _results(page, 1)
    assert _titles(page) == ["Tiny Nuclei Boundary Net 2D"]
    assert "type=model" in page.url and "tool=macro-kit" in page.url
    page.reload()
    _results(page, 1)
    assert _titles(page) == ["Tiny Nuclei Boundary Net 2D"]
    assert page.locator('fieldset[data-facet="tool"] input[value="macro-kit"]').is_checked()
    _shot(page, "facets")
    page.locator('fieldset[data-facet="tool"] input[value="macro-kit"]').uncheck()
    page.locator('fieldset[data-facet="status"] input[value="failed"]').check()
    _results(page, 2)
    assert "Membrane Distance 3D" in _titles(page)
    assert any(t.startswith("Evil <script>") for t in _titles(page))  # shown as text
    page.select_option("#sort", "name")
    page.wait_for_url("**sort=name**")
    assert page.errors == []


def _count(page, facet: str, value: str) -> int:
    return int(page.locator(f'fieldset[data-facet="{facet}"] span.count[data-value="{value}"]').inner_text().strip("()"))


def _tab(page) -> str | None:
    current = page.locator('.tabs [aria-current="page"]')
    return current.get_attribute("data-tab") if current.count() else None


def test_facet_counts_and_tabs_follow_the_chosen_filters(page, site_url):
    page.goto(site_url + "index.html")
    page.locator("#facets > summary").click()
    page.locator('fieldset[data-facet="type"] span.count', has_text="(3)").wait_for()
    assert _count(page, "type", "model") == 3 and _count(page, "status", "failed") == 2
    assert "Macro Kit (1)" in page.locator('fieldset[data-facet="tool"]').inner_text()  # the name, not the id
    page.locator('fieldset[data-facet="status"] input[value="failed"]').check()
    _results(page, 2)
    # each facet counts what ticking one more of its values would give
    assert (_count(page, "type", "model"), _count(page, "type", "dataset")) == (2, 0)
    assert (_count(page, "status", "passed"), _count(page, "status", "failed")) == (3, 2)
    assert _tab(page) == "all"
    page.locator('fieldset[data-facet="type"] input[value="model"]').check()
    _results(page, 2)
    assert _tab(page) == "model"
    assert (_count(page, "status", "passed"), _count(page, "status", "failed")) == (1, 2)
    page.locator('fieldset[data-facet="status"] input[value="failed"]').uncheck()
    _results(page, 3)
    page.locator('fieldset[data-facet="type"] input[value="model"]').uncheck()
    expect(page.locator("#grid .card")).to_have_count(5)
    assert _tab(page) == "all" and page.locator("#search-status").inner_text() == ""
    page.fill("#q", "nuclei")
    _results(page, 3)
    assert (_count(page, "type", "model"), _count(page, "type", "dataset"), _count(page, "type", "application")) \
        == (1, 1, 1)
    page.locator(".tabs a[data-tab=dataset]").click()
    _results(page, 1)
    assert _tab(page) == "dataset" and _titles(page) == ["Tiny Nuclei Example Images"]
    assert page.locator('fieldset[data-facet="type"] input[value="dataset"]').is_checked()
    assert page.errors == []


def test_shared_url_with_sort_lists_everything_in_that_order(page, site_url):
    page.goto(site_url + "index.html?sort=created")
    _results(page, 5)
    titles = _titles(page)
    assert titles[0].startswith("Evil") and titles[-1] == "Tiny Nuclei Boundary Net 2D"


def test_a_sorted_static_grid_hands_its_order_to_the_search(page, site_url):
    page.goto(site_url + "browse/all/newest/1.html")
    assert not page.locator("#sort-links").is_visible()  # the search's sort menu replaces the links
    assert page.locator("#sort").input_value() == "created"
    titles = _titles(page)
    assert page.locator("#search-status").inner_text() == "" and len(titles) == 5  # still the static grid
    page.select_option("#sort", "")
    _results(page, 5)
    assert _titles(page)[0] == "Tiny Nuclei Boundary Net 2D" and _titles(page) != titles
    page.select_option("#sort", "created")
    expect(page.locator("#search-status")).to_have_text("")
    assert _titles(page) == titles
    assert page.errors == []


def test_resource_page_shows_matrix_and_downloads(page, site_url):
    page.goto(site_url + f"rdfs/{MODEL_ID}/index.html")
    rows = page.locator("table.compat tbody tr")
    assert rows.count() == 3
    failed = page.locator('tr[data-tool="pixel-lab"] details.chip.failed')
    assert not failed.locator("pre.error").is_visible()
    failed.locator("> summary").click()
    assert "runs models with a single input only" in failed.locator("pre.error").inner_text()
    downloads = page.locator("#downloads a[download]")
    texts = downloads.all_inner_texts()
    assert texts[:2] == ["onnx weights (15 B)", "torchscript weights (22 B)"]  # b"weights of onnx", ...
    assert re.fullmatch(r"zip package \(RDF and all files\) \(\d+ B\)", texts[2]) and len(texts) == 3
    response = page.request.get(downloads.nth(0).get_attribute("href") and
                                page.url.rsplit("/", 1)[0] + "/" + downloads.nth(0).get_attribute("href"))
    assert response.ok and response.body() == b"weights of onnx"
    assert page.locator("#previews img").count() == 2
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url.rstrip("/"))
    page.get_by_role("button", name="Copy nickname").click()
    page.get_by_role("button", name="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == "hypersonic-gopher"
    _shot(page, "resource")
    assert page.errors == []


def test_hostile_rdf_never_executes(page, site_url):
    for path in ["index.html", f"rdfs/{HOSTILE_ID}/index.html", f"rdfs/{HOSTILE_ID}/6666667/index.html",
                 "index.html?q=sneaky"]:
        page.goto(site_url + path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__xss") is None, path
    page.goto(site_url + f"rdfs/{HOSTILE_ID}/index.html")
    assert page.locator("h1#title").inner_text().startswith("Evil <script>window.__xss=1</script>")
    assert page.locator(".doc script, .doc iframe, [onclick], [onerror]").count() == 0
    page.goto(site_url + "index.html?q=sneaky")
    _results(page, 1)
    assert page.evaluate("window.__xss") is None
    _shot(page, "hostile")
    assert [e for e in page.errors if "dialog" in e] == []


def test_without_javascript_the_grid_and_pages_work(browser, site_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(site_url + "index.html")
        assert len(page.locator("#grid .card-title a").all_inner_texts()) == 5
        assert not page.locator("#search").is_visible()  # search needs JS; the grid does not
        page.locator("#sort-links a", has_text="Name A–Z").click()
        page.wait_for_url("**/browse/all/name/1.html")
        titles = page.locator("#grid .card-title a").all_inner_texts()
        assert titles == sorted(titles, key=str.lower) and len(titles) == 5
        page.locator('.tabs a[data-tab="model"]').click()
        page.wait_for_url("**/browse/model/name/1.html")
        assert page.locator("#grid .card-title a").all_inner_texts() == \
            ["Evil <script>window.__xss=1</script><img src=x onerror=\"window.__xss=2\">", "Membrane Distance 3D",
             "Tiny Nuclei Boundary Net 2D"]
        page.goto(site_url + "index.html")
        page.locator('.tabs a[data-tab="dataset"]').click()
        page.wait_for_url("**/browse/dataset/1.html")
        assert page.locator("#grid .card-title a").all_inner_texts() == ["Tiny Nuclei Example Images"]
        page.locator("#grid .card-title a").first.click()
        page.wait_for_url("**/rdfs/10.5281/zenodo.2222222/index.html")
        assert page.locator("h1#title").inner_text() == "Tiny Nuclei Example Images"
        assert page.locator("#compatibility details.chip").count() == 1
    finally:
        context.close()


def test_keyboard_and_phone_layout(browser, site_url):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(site_url + "index.html")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        page.keyboard.press("Enter")
        assert page.evaluate("location.hash") == "#main"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"page scrolls sideways on a phone ({width}px)"
        assert page.locator("img:not([alt])").count() == 0
        _shot(page, "phone")
        page.goto(site_url + f"rdfs/{MODEL_ID}/index.html")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()
