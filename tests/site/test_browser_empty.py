"""The documented starting state, an empty store, built and rendered by the commands the deploy
workflow runs, opened in Debian Chromium: the page says the zoo is empty and search works (no
results, no error) instead of `zoo site` failing for want of pages to index."""

from __future__ import annotations

import json

import pytest
from testkit.site import ARTIFACTS, chromium_page

from pipeline.build import builder
from pipeline.build.builder import BuildConfig
from pipeline.site import builder as site_builder
from pipeline.site import search
from pipeline.site.builder import SiteConfig
from pipeline.site.serve import served

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def empty_site(tmp_path_factory):
    base = tmp_path_factory.mktemp("empty")
    store, partners, site = base / "collection", base / "partners", base / "site"
    store.mkdir()
    (store / ".gitkeep").touch()
    partners.mkdir()
    built = builder.run(BuildConfig(store=store, site=site, cache=base / "cache", partners=partners))
    assert (built.versions, built.problems) == (0, [])
    rendered = site_builder.run(SiteConfig(site=site, partners=partners))
    assert rendered.problems == [] and rendered.search_indexed
    with served(site) as url:
        yield url, site


@pytest.fixture(scope="module")
def page(empty_site):
    with chromium_page() as page:
        yield page


def test_the_empty_site_has_a_whole_search_bundle(empty_site):
    _, site = empty_site
    assert search.is_complete(site)
    assert json.loads((site / "collection.json").read_text())["collection"] == []


def test_the_empty_zoo_says_so_and_its_search_finds_nothing(page, empty_site):
    url, _ = empty_site
    page.goto(url + "index.html")
    assert page.locator("#empty-zoo").inner_text() == "The zoo is empty: no resource has been published yet."
    assert page.locator("#grid .card").count() == 0
    # the one word the placeholder page holds, and any other word: neither is a result
    for query in ("empty", "nuclei"):
        page.fill("#q", query)
        page.locator("#search-status", has_text="0 results").wait_for()
        assert page.locator("#grid .card").count() == 0
    page.fill("#q", "")
    page.select_option("#sort", "name")
    page.locator("#search-status", has_text="0 results").wait_for()
    assert "unavailable" not in page.locator("#search-status").inner_text()
    assert page.errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "site-empty.png"), full_page=True)
