""""Use it in your tool" on model pages: each partner's usage with this version's values filled
in, beside the partner's verdict ("not tested" where it has none); the Python commands name the
version's rdf.yaml on the public site; strangers' names in a partner's text stay inert."""

from __future__ import annotations

from html import unescape

from testkit.site import HOSTILE_ID, MODEL_ID

from pipeline.site import builder as site_builder
from pipeline.site.builder import SiteConfig

BASE = "https://zoo.example/"


def _section(site, rid: str) -> str:
    page = (site / "rdfs" / rid / "index.html").read_text()
    start = page.find('id="use-it"')
    return page[start:page.index("</section>", start)] if start >= 0 else ""


def _rows(section: str) -> dict[str, str]:
    rows = {}
    for chunk in section.split('<tr data-tool="')[1:]:
        tool, _, rest = chunk.partition('"')
        rows[tool] = rest[:rest.index("</tr>")]
    return rows


def test_partner_usage_is_filled_in_beside_its_verdict(fake_site):
    site, partners, entries = fake_site
    assert site_builder.run(SiteConfig(site=site, partners=partners, base_url=BASE)).problems == []
    rows = _rows(_section(site, MODEL_ID))
    assert list(rows) == ["macro-kit", "pixel-lab", "python"]
    assert 'class="state passed">passed' in rows["macro-kit"]
    assert 'class="state failed">failed' in rows["pixel-lab"]
    vid = entries[MODEL_ID]["latest_version"]
    rdf_url = f"{BASE}rdfs/{MODEL_ID}/{vid}/rdf.yaml"
    assert f"<code>{rdf_url}</code>" in rows["macro-kit"] and "<code>hypersonic-gopher</code>" in rows["macro-kit"]
    assert f'href="{BASE}rdfs/{MODEL_ID}/{vid}/package.zip"' in rows["pixel-lab"]
    assert "{" not in rows["pixel-lab"].replace("{{", "")
    python = unescape(rows["python"])
    assert f"zoo predict {rdf_url} image.tif -o output.tif" in python
    assert f"bioimageio predict --inputs image.tif --outputs \"{{output_id}}.tif\" {rdf_url}" in python
    # a model no partner tested: "not tested" for each
    em = _rows(_section(site, "10.5281/zenodo.3333333"))
    assert 'class="state not-tested">not tested' in em["pixel-lab"]
    assert 'class="state failed">failed' in em["macro-kit"]
    assert _section(site, "10.5281/zenodo.2222222") == ""  # datasets have none


def test_strangers_names_in_a_partners_text_stay_inert(fake_site):
    site, partners, _ = fake_site
    registration = partners / "pixel-lab.yaml"
    registration.write_text(registration.read_text().split("usage:")[0] + "usage: 'Open **{name}** ({nickname})'\n")
    assert site_builder.run(SiteConfig(site=site, partners=partners, base_url=BASE)).problems == []
    row = _rows(_section(site, HOSTILE_ID))["pixel-lab"]
    assert "<script" not in row and "onerror" not in row.replace("onerror=&quot;", "").replace("onerror=\\", "")
    assert "<strong>Evil" in row and "sneaky-weasel" in row
