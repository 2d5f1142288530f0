"""What a visitor sees on resource pages: version names rather than record ids, file sizes on
download buttons, the documentation before the citations with its own title demoted, notebook
previews and "open in" links, no link to a file the site does not serve, and models first in
the recommended order."""

from __future__ import annotations

import json
import re

from testkit.site import DATASET_ID, MODEL_ID, PARTNER_ID

from pipeline.site import builder as site_builder
from pipeline.site import notebooks
from pipeline.site.builder import SiteConfig
from pipeline.site.pages import file_size
from pipeline.spec import yamlio


def _build(site, partners):
    summary = site_builder.run(SiteConfig(site=site, partners=partners, base_url="https://zoo.example/"))
    assert summary.problems == []


def _edit_rdf(site, rid, vid, **fields):
    path = site / "rdfs" / rid / vid / "rdf.yaml"
    rdf = yamlio.loads(path.read_bytes(), source=str(path))
    path.write_text(yamlio.dumps({**rdf, **fields}, sort_keys=True))


def _page(site, rid, vid=None) -> str:
    return (site / "rdfs" / rid / (f"{vid}/index.html" if vid else "index.html")).read_text()


def test_versions_show_their_names_and_downloads_their_sizes(fake_site):
    site, partners, entries = fake_site
    latest, older = entries[MODEL_ID]["versions"]
    _edit_rdf(site, MODEL_ID, latest, version="1.2.0")
    _build(site, partners)
    page = _page(site, MODEL_ID)
    versions = page[page.index('id="versions"'):]
    assert ">1.2.0</a> <span class=\"record\">(record " + latest + ")</span> (latest)" in versions
    assert f">{older}</a></td>" in versions  # a version without a name keeps its id
    old_page = _page(site, MODEL_ID, latest)
    assert "version 1.2.0 (record " + latest + ") (latest)" in old_page
    assert "<title>Tiny Nuclei Boundary Net 2D (1.2.0)" in old_page
    weights = (site / "rdfs" / MODEL_ID / latest / "files" / "weights.onnx").stat().st_size
    assert f'data-format="onnx">onnx weights <span class="size">({weights} B)</span>' in page
    assert re.search(r'data-format="package">zip package \(RDF and all files\) <span class="size">\(\d+ B\)', page)
    assert [file_size(n) for n in (980, 12_345, 3_500_000, 45 * 2**20)] == ["980 B", "12 KB", "3.3 MB", "45 MB"]


def test_documentation_comes_before_citations_with_its_title_demoted(fake_site):
    site, partners, _ = fake_site
    _build(site, partners)
    page = _page(site, MODEL_ID)
    assert page.index('id="documentation"') < page.index('id="authors"') < page.index('id="cite"')
    doc = page[page.index('<div class="doc">'):page.index("</section>", page.index('<div class="doc">'))]
    assert "<h3>Tiny nuclei</h3>" in doc and "<h1" not in doc
    assert page.count("<h1") == 1


def test_a_local_notebook_gets_a_rendered_preview(fake_site):
    site, partners, entries = fake_site
    vid = entries[DATASET_ID]["latest_version"]
    folder = site / "rdfs" / DATASET_ID / vid
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    (folder / "files" / "walk.ipynb").write_text(json.dumps({"cells": [
        {"cell_type": "markdown", "source": ["# Walk\n", "<script>window.__x=1</script>\n", "\n", "**bold**"]},
        {"cell_type": "code", "source": ["print('<b>hi</b>')"], "outputs": [
            {"output_type": "stream", "text": ["<i>out</i>\n"]},
            {"output_type": "display_data", "data": {"image/png": png, "text/plain": ["<Figure>"]}},
            {"output_type": "display_data", "data": {"image/png": "not base64!"}}]}]}))
    _edit_rdf(site, DATASET_ID, vid, type="notebook", source="files/walk.ipynb")
    _build(site, partners)
    page = _page(site, DATASET_ID)
    assert f'{DATASET_ID}/{vid}/notebook.html">Rendered preview' in page and "Open in Colab" not in page
    preview = (folder / "notebook.html").read_text()
    assert "<strong>bold</strong>" in preview and "<script>window" not in preview
    assert "print(&#39;&lt;b&gt;hi&lt;/b&gt;&#39;)" in preview and "&lt;i&gt;out&lt;/i&gt;" in preview
    assert f'src="data:image/png;base64,{png}"' in preview and "not base64" not in preview
    assert preview.count("<img") == 1


def test_a_github_notebook_links_nbviewer_colab_and_binder():
    links = notebooks.github_links("https://github.com/owner/repo/blob/main/nb/walk through.ipynb")
    assert links == {"preview": "https://nbviewer.org/github/owner/repo/blob/main/nb/walk%20through.ipynb",
                     "colab": "https://colab.research.google.com/github/owner/repo/blob/main/nb/walk%20through.ipynb",
                     "binder": "https://mybinder.org/v2/gh/owner/repo/main?labpath=nb/walk%20through.ipynb",
                     "github": "https://github.com/owner/repo/blob/main/nb/walk%20through.ipynb"}
    assert notebooks.github_links("https://raw.githubusercontent.com/o/r/v1/x.ipynb")["binder"] == \
        "https://mybinder.org/v2/gh/o/r/v1?labpath=x.ipynb"
    assert notebooks.github_links("https://example.org/x.ipynb") is None
    assert notebooks.github_links("javascript:alert(1)//github.com/o/r/blob/m/x.ipynb") is None


def test_a_source_the_site_does_not_serve_points_to_the_package(fake_site):
    site, partners, entries = fake_site
    vid = entries[PARTNER_ID]["latest_version"]
    _edit_rdf(site, PARTNER_ID, vid, source="viewer.html")
    _build(site, partners)
    page = _page(site, PARTNER_ID)
    details = page[page.index("<dt>Source</dt>"):]
    assert details.startswith("<dt>Source</dt><dd><code>viewer.html</code>, in the <a href=\"#downloads\">zip package</a>")
    assert 'href="viewer.html"' not in page and "files/viewer.html" not in page


def test_recommended_order_puts_working_models_first_and_coverless_resources_after(fake_site):
    site, partners, entries = fake_site
    doc = json.loads((site / "collection.json").read_text())
    for e in doc["collection"]:
        if e["id"] in (DATASET_ID, PARTNER_ID):
            e["covers"] = []
            e["created"] = "2030-01-01T00:00:00Z"  # newer than every model
    (site / "collection.json").write_text(json.dumps(doc))
    _build(site, partners)
    home = (site / "index.html").read_text()
    titles = re.findall(r'<h3 class="card-title"><a href="[^"]+">([^<]+)</a>', home)
    assert titles[0] == "Tiny Nuclei Boundary Net 2D"
    passed_models = [e["name"] for e in entries.values() if e["type"] == "model" and e["status"]["overall"] == "passed"]
    assert titles[:len(passed_models)] == passed_models
    assert titles.index("Tiny Nuclei Example Images") < titles.index("Pixel Lab Nuclei Workflow")
