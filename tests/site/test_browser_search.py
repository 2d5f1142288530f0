"""Search reads whole pages in Chromium: a word only in a resource's documentation finds it; an
exact id, nickname or DOI (of any version) ranks its resource first even where another
resource's documentation repeats it; a model ranks above a dataset that matches as well."""

from __future__ import annotations

import pytest
from testkit.site import DATASET_ID, MODEL_ID, chromium

from pipeline.site import builder as site_builder
from pipeline.site.builder import SiteConfig
from pipeline.site.serve import served

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]
MODEL, DATASET = "Tiny Nuclei Boundary Net 2D", "Tiny Nuclei Example Images"


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    from testkit.site import make_site

    base = tmp_path_factory.mktemp("search")
    site, partners = base / "site", base / "partners"
    site.mkdir()
    entries = make_site(site, partners)
    model_readme = site / "rdfs" / MODEL_ID / entries[MODEL_ID]["latest_version"] / "files" / "README.md"
    model_readme.write_text("# Tiny nuclei\n\nTrained on Hoechst-stained nuclei. Also for organoidx images.\n")
    # the dataset's documentation names the model over and over
    (site / "rdfs" / DATASET_ID / "2222223" / "files" / "README.md").write_text(
        "# Images\n\nAlso for organoidx images. "
        + "Made for hypersonic-gopher, 10.5281/zenodo.1111111 and 10.5281/zenodo.1111112. " * 20)
    (site / "rdfs" / "10.5281/zenodo.3333333" / "3333334" / "files" / "README.md").write_text(
        "# Membranes\n\nAlso for organoidx images.\n")
    assert site_builder.run(SiteConfig(site=site, partners=partners)).problems == []
    with served(site) as url:
        yield url


@pytest.fixture(scope="module")
def page(site_url):
    with chromium() as browser:
        page = browser.new_page()
        page.set_default_timeout(15_000)
        page.goto(site_url + "index.html")
        yield page


def _search(page, query: str) -> list[str]:
    page.evaluate("document.getElementById('search-status').textContent = ''")
    page.fill("#q", query)
    page.locator("#search-status", has_text="result").wait_for()
    return page.locator("#grid .card-title a").all_inner_texts()


@pytest.mark.parametrize("query, first", [
    ("Hoechst", MODEL),  # only in the model's documentation
    ("hypersonic-gopher", MODEL),  # its nickname, repeated in the dataset's documentation
    ("10.5281/zenodo.1111111", MODEL),  # its concept DOI, likewise
    ("10.5281/zenodo.1111112", MODEL),  # an older version's DOI
    ("10.5281/zenodo.2222222", DATASET),  # the dataset's own id, which the model links to
    ("humble-otter", DATASET),
])
def test_exact_keys_and_documentation_words_find_their_resource_first(page, query, first):
    assert _search(page, query)[0] == first


@pytest.mark.parametrize("query", ["nuclei", "organoidx"])
def test_a_model_ranks_above_a_dataset_that_matches_as_well(page, query):
    # Pagefind alone ranks the dataset's shorter page higher for both words
    titles = _search(page, query)
    assert titles.index(MODEL) < titles.index(DATASET)
