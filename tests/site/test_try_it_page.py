"""The "Try it" section of a model page: there only for a version with a bundle and only when the
site serves the runtime; it names the inputs and what a visitor will download, and nothing of it
loads before the visitor asks (the page itself references only zoo.js)."""

from __future__ import annotations

import json
import re

from testkit.site import DATASET_ID, MODEL_ID

from pipeline.site import builder as site_builder
from pipeline.site import vendor
from pipeline.site.builder import SiteConfig

MANIFEST = {"format": 1, "weights_format": "torchscript", "exported": True, "bytes": 3_500_000,
            "inputs": [{"id": "raw", "dtype": "uint16", "description": "nuclear stain",
                        "axes": [{"id": "batch", "type": "batch"}, {"id": "channel", "type": "channel", "channels": ["dapi"]},
                                 {"id": "y", "type": "space"}, {"id": "x", "type": "space"}]}],
            "outputs": []}


def _with_bundle(site, entries):
    folder = site / "rdfs" / MODEL_ID / entries[MODEL_ID]["latest_version"] / "bundle"
    folder.mkdir(parents=True)
    (folder / "bundle.json").write_text(json.dumps(MANIFEST))


def test_a_bundled_version_offers_try_it_and_loads_nothing_until_asked(fake_site):
    site, partners, entries = fake_site
    _with_bundle(site, entries)
    assert site_builder.run(SiteConfig(site=site, partners=partners)).problems == []
    page = (site / "rdfs" / MODEL_ID / "index.html").read_text()
    section = page[page.index('<section aria-labelledby="h-try"'):page.index("</section>", page.index('id="try"'))]
    vid = entries[MODEL_ID]["latest_version"]
    assert f'data-bundle="../../../rdfs/{MODEL_ID}/{vid}/bundle/"' in section
    assert 'data-module="../../../static/tryit/tryit.mjs"' in section
    assert "this model (3.3 MB, its torchscript weights converted to ONNX)" in section
    runtime = vendor.runtime_bytes() / 2**20
    assert f"the runtime ({runtime:.0f} MB, once)" in section
    assert 'data-input="raw"' in section and "axes batch, channel, y, x; channels: dapi" in section
    assert '<div class="try-controls" hidden>' in section and "<noscript>" in section
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page)
    assert scripts == ["../../../static/zoo.js"]  # the module, runtime and bundle load on the click
    loaded = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert not [u for u in loaded if "static/vendor/" in u or "/bundle/" in u or "tryit" in u]
    for name in vendor.FILES:
        assert (site / "static" / "vendor" / name).is_file()


def test_no_bundle_or_no_runtime_no_try_it(fake_site, monkeypatch):
    site, partners, entries = fake_site
    _with_bundle(site, entries)
    monkeypatch.setattr(vendor, "sources", lambda node_modules=None: None)  # a site built without `npm ci`
    assert site_builder.run(SiteConfig(site=site, partners=partners)).problems == []
    assert 'id="try"' not in (site / "rdfs" / MODEL_ID / "index.html").read_text()
    monkeypatch.undo()
    assert site_builder.run(SiteConfig(site=site, partners=partners)).problems == []
    assert 'id="try"' in (site / "rdfs" / MODEL_ID / "index.html").read_text()
    assert 'id="try"' not in (site / "rdfs" / DATASET_ID / "index.html").read_text()
    older = entries[MODEL_ID]["versions"][1]
    assert 'id="try"' not in (site / "rdfs" / MODEL_ID / older / "index.html").read_text()
