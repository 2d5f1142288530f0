"""The real embedded example, built end to end (`zoo run` stages, model tests skipped for speed),
opened in Debian Chromium: the nickname search, the partner facet, a model page."""

from __future__ import annotations

import json

import pytest
from testkit.paths import REPO
from testkit.site import ARTIFACTS, chromium_page

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def example_site(tmp_path_factory):
    from pipeline import main_job
    from pipeline.main_job import RunConfig
    from pipeline.site.serve import served

    work = tmp_path_factory.mktemp("examples")
    config = RunConfig.embedded(examples=REPO / "examples", work=work / ".zoo", site=work / "site",
                                cache=work / "cache", run_tests=False, say=lambda line: None)
    summary = main_job.run(config)
    assert summary.stage("site").ok, summary.stage("site").format_text()
    site = work / "site"
    entries = json.loads((site / "collection.json").read_text())["collection"]
    with served(site) as url:
        yield url, site, entries


@pytest.fixture(scope="module")
def page(example_site):
    with chromium_page() as page:
        yield page


def _model_with_partner(entries):
    return next(e for e in entries if e["type"] == "model" and e["compatibility"].get("macro-kit") == "passed")


def test_example_nickname_search_finds_the_model(page, example_site):
    url, _, entries = example_site
    model = _model_with_partner(entries)
    page.goto(url + "index.html")
    assert page.locator("#grid .card").count() == len(entries)
    page.fill("#q", model["nickname"])
    page.locator("#search-status", has_text="1 result").wait_for()
    assert page.locator("#grid .card-title a").all_inner_texts() == [model["name"]]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "examples-search.png"), full_page=True)


def test_example_partner_facet_and_reload(page, example_site):
    url, _, entries = example_site
    runs_in_macro_kit = sorted(e["name"] for e in entries if e["compatibility"].get("macro-kit") == "passed")
    page.goto(url + "index.html?tool=macro-kit")
    page.locator("#search-status", has_text=f"{len(runs_in_macro_kit)} result").wait_for()
    page.locator("#grid .card").nth(len(runs_in_macro_kit) - 1).wait_for()
    assert sorted(page.locator("#grid .card-title a").all_inner_texts()) == runs_in_macro_kit
    page.reload()
    page.locator("#search-status", has_text=f"{len(runs_in_macro_kit)} result").wait_for()
    page.locator("#grid .card").nth(len(runs_in_macro_kit) - 1).wait_for()
    assert sorted(page.locator("#grid .card-title a").all_inner_texts()) == runs_in_macro_kit


def test_example_model_page_matrix_downloads_and_previews(page, example_site):
    url, site, entries = example_site
    model = _model_with_partner(entries)
    page.goto(url + f"rdfs/{model['id']}/index.html")
    tools = page.locator("table.compat tbody tr").evaluate_all("rows => rows.map(r => r.dataset.tool)")
    assert set(tools) == set(model["compatibility"])
    formats = page.locator("#downloads a[download]").evaluate_all("links => links.map(a => a.dataset.format)")
    assert set(formats) == set(model["weights_formats"]) | {"package"}
    previews = sorted(p.name for p in (site / "rdfs" / model["id"] / model["latest_version"] / "previews").glob("*.png"))
    assert previews and page.locator("#previews img").count() == len(previews)
    for image in page.locator("#previews img").all():
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    page.screenshot(path=str(ARTIFACTS / "examples-model.png"), full_page=True)


@pytest.mark.parametrize("word", ["Hoechst", "DAPI", "nucleus"])
def test_a_word_only_in_a_models_documentation_finds_it(page, example_site, word):
    url, site, entries = example_site
    model = next(e for e in entries if e["name"] == "Tiny Nuclei Boundary Net 2D")
    readme = (site / "rdfs" / model["id"] / model["latest_version"] / "files" / "README.md").read_text()
    assert word in readme and word.lower() not in json.dumps(model).lower()  # only the documentation says it
    page.goto(url + "index.html")
    page.fill("#q", word)
    page.locator("#search-status", has_text="result").wait_for()
    assert page.locator("#grid .card-title a").all_inner_texts()[0] == model["name"]
