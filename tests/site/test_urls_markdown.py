"""Links and documentation: only safe URLs survive, relative ones resolve inside the site."""

from __future__ import annotations

import pytest

from pipeline.site.citation import bibtex, citation_cff
from pipeline.site.markdown import render_markdown
from pipeline.site.urls import resource_page, root_of, safe_id_path, safe_url, version_page
from pipeline.spec import yamlio


@pytest.mark.parametrize("value, expected", [
    ("https://example.org/a?b=1", "https://example.org/a?b=1"),
    ("mailto:someone@example.org", "mailto:someone@example.org"),
    ("files/weights.pt", "../../rdfs/x/1/files/weights.pt"),
    ("files/a b.pt", "../../rdfs/x/1/files/a%20b.pt"),
    ("../1/files/w.pt", "../../rdfs/x/1/files/w.pt"),
    ("javascript:alert(1)", None),
    ("JaVaScRiPt:alert(1)", None),
    ("data:text/html,<script>", None),
    ("vbscript:x", None),
    ("//evil.example/x", None),
    ("../../../../etc/passwd", None),
    ("/etc/passwd", None),
    ("", None),
    (["not", "a", "string"], None),
    ("https:", None),
])
def test_safe_url(value, expected):
    assert safe_url(value, root="../../", base="rdfs/x/1") == expected


@pytest.mark.parametrize("rid, expected", [
    ("10.5281/zenodo.1234567", "10.5281/zenodo.1234567"),
    ("ilastik/some-model", "ilastik/some-model"),
    # ids as the format allows them in older formats: capitals, spaces and dots stay as they are
    ("zero/Notebook Preview", "zero/Notebook Preview"), ("zero/Notebook_v1.2.X", "zero/Notebook_v1.2.X"),
    ("../escape", None), ("a//b", None), ("/abs", None), ("a/./b", None), ("a/.hidden", None), (" a", None),
    ("a\\b", None), ("a?b", None), ("", None),
])
def test_safe_id_path(rid, expected):
    assert safe_id_path(rid) == expected


def test_page_paths_and_root():
    assert resource_page("ilastik/m") == "rdfs/ilastik/m/index.html"
    assert version_page("ilastik/m", "1.0.0") == "rdfs/ilastik/m/1.0.0/index.html"
    assert version_page("ilastik/m", "../x") is None
    assert root_of("rdfs/ilastik/m/index.html") == "../../../"
    assert root_of("index.html") == ""


HOSTILE_MD = """# Title <script>alert(1)</script>

[click](javascript:alert(1)) [ok](https://example.org) [rel](docs/usage.md)

<img src="x.png" onerror="alert(2)"> ![pic](img/a.png) ![remote](https://cdn.example/x.png)

<iframe src="https://evil.example"></iframe><a href="#top" onclick="alert(3)">top</a>
<svg onload="alert(4)"></svg><style>body{display:none}</style>
"""


def test_markdown_is_sanitised_and_links_rebased():
    html = render_markdown(HOSTILE_MD, root="../../", base="rdfs/x/1/files")
    lowered = html.lower()
    assert "[click](javascript:alert(1))" in html  # left as inert text, never a link
    for bad in ("<script", 'href="javascript', "onerror", "onclick", "onload", "<iframe", "<svg", "<style"):
        assert bad not in lowered, bad
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">ok</a>' in html
    assert 'href="../../rdfs/x/1/files/docs/usage.md"' in html
    assert 'src="../../rdfs/x/1/files/img/a.png"' in html
    assert "cdn.example" not in html  # no external loads from documentation
    assert 'href="#top"' in html
    assert "<h1>Title </h1>" in html


def test_markdown_tables_render():
    html = render_markdown("|a|b|\n|-|-|\n|1|2|\n", root="", base="")
    assert "<table>" in html and "<td>1</td>" in html


def test_bibtex_escapes_and_names_doi():
    rdf = {"name": "Net {with} 100% & more", "authors": [{"name": "Ada Lovelab"}, {"name": "Bruno Keller"}]}
    text = bibtex(rdf, resource_id="10.5281/zenodo.1", doi="10.5281/zenodo.2", year="2024")
    assert text.startswith("@misc{10_5281_zenodo_1,\n")
    assert "  title = {Net \\{with\\} 100\\% \\& more},\n" in text
    assert "  author = {Ada Lovelab and Bruno Keller},\n" in text
    assert "  doi = {10.5281/zenodo.2},\n" in text


def test_citation_cff_is_valid_yaml_with_orcid_urls():
    rdf = {"name": "Net", "license": "MIT", "authors": [{"name": "Ada", "orcid": "0000-0002-1825-0097"}, "junk"]}
    doc = yamlio.loads(citation_cff(rdf, doi="10.5281/zenodo.2", version="3", date="2024-05-06T10:00:00Z"),
                       source="cff")
    assert doc["cff-version"] == "1.2.0"
    assert doc["authors"] == [{"name": "Ada", "orcid": "https://orcid.org/0000-0002-1825-0097"}]
    assert doc["date-released"] == "2024-05-06" and doc["doi"] == "10.5281/zenodo.2" and doc["version"] == "3"


@pytest.mark.parametrize("name", ['A "quoted": {net}', "line\nbreak\ttab", "- dash # hash", "ünïcödé 🦦", "'single'", "null"])
def test_citation_cff_round_trips_any_text(name):
    doc = yamlio.loads(citation_cff({"name": name, "authors": [{"name": name}]}, doi=None, version=None, date=None),
                       source="cff")
    assert doc["title"] == name and doc["authors"] == [{"name": name}]
