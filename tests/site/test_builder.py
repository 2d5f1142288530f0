"""`zoo site` on a realistic site folder: every page, escaping, incremental runs, feeds, schemas."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path

import pytest
from testkit.site import DATASET_ID, HOSTILE_ID, MODEL_ID, PARTNER_ID

from pipeline.cli import main
from pipeline.errors import BadInput
from pipeline.site import builder as site_builder
from pipeline.site.builder import MANIFEST, SiteConfig
from pipeline.site.facets import page_ids, read_table
from pipeline.site.render import CSP
from testkit.paths import REPO


def _build(site: Path, partners: Path, **kw):
    return site_builder.run(SiteConfig(site=site, partners=partners, base_url="https://zoo.example/", **kw))


@pytest.fixture
def built(fake_site):
    site, partners, entries = fake_site
    summary = _build(site, partners)
    return site, partners, entries, summary


def _html_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "pagefind" not in p.parts)


def test_every_page_is_written(built):
    site, _, entries, summary = built
    assert summary.problems == []
    assert summary.resources == 5 and summary.rendered == 5 and summary.search_indexed
    expected = ["index.html", "browse/model/1.html", "browse/dataset/1.html", "browse/application/1.html",
                "browse/notebook/1.html", "tags/index.html", "tags/nuclei.html",
                "tags/fluorescence-light-microscopy.html", "partners/index.html", "partners/macro-kit.html",
                "partners/pixel-lab.html", "spec/index.html", "spec/model-0.5.json",
                "spec/partner_test_summary.json", "feed.xml", "sitemap.xml", "static/zoo.js", "static/style.css",
                "pagefind/pagefind.js", "partners/macro-kit/logo.png"]
    for rel in expected:
        assert (site / rel).is_file(), rel
    for rid, entry in entries.items():
        assert (site / "rdfs" / rid / "index.html").is_file()
        for vid in entry["versions"]:
            assert (site / "rdfs" / rid / vid / "index.html").is_file()


def test_every_page_has_the_csp_and_no_inline_script(built):
    site = built[0]
    pages = _html_pages(site)
    assert len(pages) > 20
    for page in pages:
        html = page.read_text()
        assert f'<meta http-equiv="Content-Security-Policy" content="{CSP.replace(chr(39), "&#39;")}">' in html, page
        assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
        # every <script> loads a file from the site; none carries code
        assert html.count("<script") == html.count('<script src="') == 1, page


def test_hostile_text_is_escaped_everywhere(built):
    site = built[0]
    for page in _html_pages(site) + [site / "feed.xml"]:
        html = page.read_text()
        assert "<script>window.__xss" not in html, page
        assert "onerror=\"window" not in html, page
        assert 'href="javascript:' not in html.lower() and 'src="javascript:' not in html.lower(), page
    hostile = (site / "rdfs" / HOSTILE_ID / "index.html").read_text()
    assert "Evil &lt;script&gt;window.__xss=1&lt;/script&gt;" in hostile
    assert "<iframe" not in hostile and "onclick" not in hostile


def test_model_page_shows_matrix_downloads_previews_citations_and_links(built):
    site = built[0]
    html = (site / "rdfs" / MODEL_ID / "index.html").read_text()
    for snippet in [
        '<tr data-tool="pipeline">', '<tr data-tool="macro-kit">', '<tr data-tool="pixel-lab">',
        '<details class="chip passed">', "<summary>3.2.0: passed</summary>", '<details class="chip failed">',
        "<summary>1.4: failed</summary>", "runs models with a single input only",
        'href="../../../rdfs/10.5281/zenodo.1111111/1111113/files/weights.onnx" download data-format="onnx"',
        'data-format="torchscript"', 'href="../../../rdfs/10.5281/zenodo.1111111/1111113/package.zip" download',
        'alt="Preview of the test input &#39;raw&#39; tensor"', "previews/output-mask.png",
        'href="https://orcid.org/0000-0002-1825-0097"', 'href="https://doi.org/10.1101/2022.06.07.495102"',
        "@misc{10_5281_zenodo_1111111", "cff-version: &#34;1.2.0&#34;", '<code id="copy-nick">hypersonic-gopher</code>',
        '<a href="../../../rdfs/10.5281/zenodo.2222222/index.html">Tiny Nuclei Example Images</a> (dataset)',
        'href="http://edamontology.org/topic_3385"', "<h3>Tiny nuclei</h3>",
        '<a href="../../../rdfs/10.5281/zenodo.1111111/1111112/index.html">1111112</a>',
    ]:
        assert snippet in html, snippet
    dataset = (site / "rdfs" / DATASET_ID / "index.html").read_text()
    assert "<h3>Used by</h3>" in dataset and "Tiny Nuclei Boundary Net 2D</a> (model)" in dataset
    assert "weights" not in dataset.split('id="downloads"')[1].split("</section>")[0].replace("package", "")
    old = (site / "rdfs" / MODEL_ID / "1111112" / "index.html").read_text()
    assert "version 1111112" in old and 'aria-current="page">1111112</a>' in old


def test_resource_pages_carry_search_fields_and_version_pages_do_not(built):
    site = built[0]
    html = (site / "rdfs" / MODEL_ID / "index.html").read_text()
    for snippet in ['data-pagefind-body', '<span data-pagefind-meta="nickname">hypersonic-gopher</span>',
                    '<span data-pagefind-meta="badges">macro-kit~Macro Kit~passed|']:
        assert snippet in html, snippet
    # facets and sorts live in the facet table, not in Pagefind (whose facet counting is slow)
    assert "data-pagefind-filter" not in html and "data-pagefind-sort" not in html
    assert "data-pagefind-body" not in (site / "rdfs" / MODEL_ID / "1111113" / "index.html").read_text()


def _facet_rows(site: Path) -> dict[str, dict[str, list[str]]]:
    """The facet table decoded: resource page -> facet -> value labels (via the fragment ids)."""
    table = read_table(site / "pagefind")
    pages = {i: page for page, i in page_ids(site / "pagefind").items()}
    rows: dict[str, dict[str, list[str]]] = {}
    for row, rid in enumerate(table["ids"]):
        rows[pages[rid]] = {f["name"]: [f["values"][v][1] for v in f["rows"][row]] for f in table["facets"]}
    return rows


def test_facet_table_rows_match_the_index(built):
    site, _, entries, _ = built
    table = read_table(site / "pagefind")
    rows = _facet_rows(site)
    assert sorted(rows) == sorted(f"rdfs/{rid}/index.html" for rid in entries)
    model = rows[f"rdfs/{MODEL_ID}/index.html"]
    assert model["tool"] == ["Macro Kit"]  # partner names, not ids; pixel-lab failed, so it is not listed
    assert model["weights"] == ["onnx", "torchscript"] and model["status"] == ["passed"]
    assert "fluorescence light microscopy" in model["tag"] and model["type"] == ["Model"]
    assert [f["name"] for f in table["facets"]] == ["type", "tag", "license", "tool", "status", "weights"]
    tool = next(f for f in table["facets"] if f["name"] == "tool")
    assert ["macro-kit", "Macro Kit"] in tool["values"]
    # rows come in the recommended order (the browse grid's); sorts give each row its place
    grid = re.findall(r'<h3 class="card-title"><a href="(rdfs/[^"]+)"', (site / "index.html").read_text())
    pages = {i: p for p, i in page_ids(site / "pagefind").items()}
    assert [pages[i] for i in table["ids"]] == grid
    names = [entries[pages[i].split("/", 1)[1].rsplit("/", 1)[0]]["name"].lower() for i in table["ids"]]
    by_name = sorted(range(len(names)), key=lambda r: table["sorts"]["name"][r])
    assert [names[r] for r in by_name] == sorted(names)
    assert sorted(table["sorts"]["created"]) == list(range(len(names)))


def test_browse_grid_cards_and_order(built):
    site = built[0]
    html = (site / "index.html").read_text().split("<template")[0]
    names = [chunk.split("</a>")[0].split(">")[-1] for chunk in html.split('class="card-title">')[1:]]
    assert len(names) == 5
    # recommended order: passing resources first (most downloaded first), failing last
    assert names[0] == "Tiny Nuclei Boundary Net 2D"
    assert set(names[-2:]) == {"Membrane Distance 3D", "Evil &lt;script&gt;window.__xss=1&lt;/script&gt;&lt;img src=x onerror=&#34;window.__xss=2&#34;&gt;"}
    assert '<li class="badge passed">Macro Kit: passed</li>' in html
    assert '<li class="badge failed">Pixel Lab: failed</li>' in html
    assert html.count('<li><a href="tags/') >= 4
    models = (site / "browse" / "model" / "1.html").read_text()
    assert models.count('<li class="card" data-type="model">') == 3 and 'data-type="dataset"' not in models


def _grid_names(page: Path) -> list[str]:
    html = page.read_text().split("<template")[0]
    return [unescape(chunk.split("</a>")[0].split(">")[-1]) for chunk in html.split('class="card-title">')[1:]]


def test_every_sort_order_has_static_grids_for_browsing_without_javascript(built):
    site, _, entries, _ = built
    names = {e["name"]: e for e in entries.values()}
    assert _grid_names(site / "browse" / "all" / "name" / "1.html") == sorted(names, key=str.lower)
    models = [n for n, e in names.items() if e["type"] == "model"]
    assert _grid_names(site / "browse" / "model" / "newest" / "1.html") == \
        sorted(models, key=lambda n: names[n]["created"], reverse=True)
    home = (site / "index.html").read_text()
    assert '<a href="browse/all/newest/1.html">Newest first</a>' in home
    assert '<a href="index.html" aria-current="page">Recommended</a>' in home
    by_name = (site / "browse" / "all" / "name" / "1.html").read_text()
    # tabs keep the order; the search takes it over when JavaScript runs
    assert '<a href="../../../browse/model/name/1.html" data-tab="model">' in by_name
    assert 'data-page-sort="name"' in by_name and "<title>BioImage Model Zoo (Name A–Z)</title>" in by_name
    sitemap = (site / "sitemap.xml").read_text()
    assert "browse/model/1.html" in sitemap and "/name/" not in sitemap and "/newest/" not in sitemap


def test_tag_and_partner_pages(built):
    site = built[0]
    tag = (site / "tags" / "fluorescence-light-microscopy.html").read_text()
    assert 'EDAM concept: <a href="http://edamontology.org/topic_3385">' in tag
    assert "Tiny Nuclei Boundary Net 2D" in tag and "Tiny Nuclei Example Images" in tag
    assert "no EDAM concept" in (site / "tags" / "pixel-lab.html").read_text()
    pixel = (site / "partners" / "pixel-lab.html").read_text()
    assert "Pixel Lab Nuclei Workflow" in pixel.split('id="h-own"')[1].split("</section>")[0]
    macro = (site / "partners" / "macro-kit.html").read_text()
    assert "1 of 2 tested resources run in Macro Kit." in macro
    assert "An image-analysis plugin" in macro and 'src="../partners/macro-kit/logo.png"' in macro


def test_feed_sitemap_and_schemas(built):
    site = built[0]
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.parse(site / "feed.xml").getroot()
    entries = feed.findall("a:entry", ns)
    assert len(entries) == 6
    assert entries[0].find("a:updated", ns).text == "2024-05-01T00:00:00Z"
    assert entries[0].find("a:title", ns).text.startswith("New: Evil <script>")  # escaped in XML, text again here
    links = [e.find("a:link", ns).get("href") for e in entries]
    assert "https://zoo.example/rdfs/10.5281/zenodo.1111111/1111112/index.html" in links
    titles = [e.find("a:title", ns).text for e in entries]
    assert "New version of: Tiny Nuclei Boundary Net 2D (1111113)" in titles
    urls = [u.find("{http://www.sitemaps.org/schemas/sitemap/0.9}loc").text for u in ET.parse(site / "sitemap.xml").getroot()]
    assert "https://zoo.example/index.html" in urls
    assert f"https://zoo.example/rdfs/{PARTNER_ID}/1.0.0/index.html" in urls
    assert all(u.startswith("https://zoo.example/") for u in urls)
    schema = json.loads((site / "spec" / "model-0.5.json").read_text())
    assert schema == json.loads((REPO / "pipeline/spec/schemas/model-0.5.json").read_text())


def test_second_run_rewrites_nothing(built):
    site, partners, _, _ = built
    before = {p: p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()}
    again = _build(site, partners)
    assert (again.rendered, again.unchanged, again.pages_written, again.search_indexed) == (0, 5, 0, False)
    assert {p: p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()} == before


def test_one_change_rerenders_one_resource_and_removal_deletes_pages(built):
    site, partners, _, _ = built
    doc = json.loads((site / "collection.json").read_text())
    doc["collection"][2]["description"] = "Changed description of the EM model."
    removed = doc["collection"].pop(3)  # the partner application
    (site / "collection.json").write_text(json.dumps(doc))
    summary = _build(site, partners)
    assert (summary.rendered, summary.unchanged) == (1, 3)
    assert summary.search_indexed
    assert "Changed description of the EM model." in (site / "rdfs/10.5281/zenodo.3333333/index.html").read_text()
    assert not (site / "rdfs" / removed["id"] / "index.html").exists()
    assert not (site / "rdfs" / removed["id"] / "1.0.0" / "index.html").exists()
    assert not (site / "tags" / "interactive.html").exists()
    assert removed["id"] not in json.loads((site / MANIFEST).read_text())["resources"]


def test_template_change_rerenders_everything(built, tmp_path):
    import shutil
    site, partners, _, _ = built
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "templates", templates)
    (templates / "macros.html").write_text((templates / "macros.html").read_text() + "\n{# changed #}\n")
    summary = _build(site, partners, templates=templates)
    assert summary.rendered == 5


def test_bad_entries_are_reported_not_fatal(fake_site):
    site, partners, _ = fake_site
    doc = json.loads((site / "collection.json").read_text())
    doc["collection"] += [{"id": "../../etc"}, "not an entry", {"id": MODEL_ID}]
    doc["collection"][0]["tags"] = {"not": "a list"}
    doc["collection"][1]["authors"] = "nobody"
    (site / "collection.json").write_text(json.dumps(doc))
    summary = _build(site, partners)
    assert summary.rendered == 5
    assert [p.format_text() for p in summary.problems] == [
        "collection.json: collection[6]: expected a collection entry (a mapping), got str",
        f"collection.json: collection[7].id: duplicate id '{MODEL_ID}'",
        "collection.json: '../../etc' is unusable as a page path",
    ]
    assert not (site.parent / "etc").exists()


@pytest.mark.parametrize("content, message", [
    (None, "not found; run `zoo build` first"),
    (b"{not json", "unreadable JSON"),
    (b'{"collection": 3}', "expected an object with a `collection` list"),
])
def test_unreadable_collection_is_bad_input(tmp_path, content, message):
    if content is not None:
        (tmp_path / "collection.json").write_bytes(content)
    with pytest.raises(BadInput, match=message):
        site_builder.run(SiteConfig(site=tmp_path))


def test_cli_site_json_and_exit_codes(fake_site, capsys, tmp_path):
    site, partners, _ = fake_site
    assert main(["site", "--site", str(site), "--partners", str(partners), "--json", "--no-search"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["resources"] == 5 and out["rendered"] == 5 and out["search_indexed"] is False
    assert main(["site", "--site", str(tmp_path / "missing")]) == 2
    assert "collection.json: not found" in capsys.readouterr().err


def test_search_index_holds_exactly_the_resource_pages(fake_site):
    import gzip

    site, partners, entries = fake_site
    planted = site / "rdfs" / MODEL_ID / "1111113" / "files" / "index.html"
    planted.write_text('<html><body><main data-pagefind-body><h1>planted result</h1></main></body></html>')
    _build(site, partners)
    fragments = [gzip.decompress(p.read_bytes()) for p in (site / "pagefind" / "fragment").iterdir()]
    urls = sorted(json.loads(f[len(b"pagefind_dcd"):])["url"] for f in fragments)
    assert urls == sorted(f"/rdfs/{rid}/index.html" for rid in entries)
    assert not any(b"planted" in f for f in fragments)
    assert not any(p.name.startswith(".pagefind") for p in site.iterdir())  # no leftovers
