"""A site built by the real stages from a hostile record set: every resource page loads in Chromium
without any injected script running, and every page's CSP meta tag forbids inline script."""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime, timezone
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.sources.recordset import record_json, write_record_set
from pipeline.spec import yamlio

from testkit.hostile import XSS, read_yaml
from testkit.paths import DATASET, EXAMPLES, MODEL

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
JS_URL = "javascript:alert('url')"
MARKDOWN = f"""# Usage {XSS}

[click me]({JS_URL}) and [data](data:text/html,<script>alert('data')</script>)
<a href="#" onclick="alert('onclick')">handler</a>
<iframe src="javascript:alert('iframe')"></iframe>
<object data="javascript:alert('object')"></object>
<form action="javascript:alert('form')"><button>go</button></form>
<style>body {{ background: url("javascript:alert('css')") }}</style>
<details open ontoggle="alert('toggle')"><summary>x</summary></details>
![img](x" onerror="alert('md-img'))
<math><mtext><table><mglyph><style><img src=x onerror=alert('mxss')></style></mglyph></table></mtext></math>
"""
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="60" height="34" onload="alert(\'svg-onload\')">'
       b"<script>alert('svg-script')</script><rect width='60' height='34' fill='red'/></svg>")


def _hostile_texts(data: dict, valid: bool = True) -> dict:
    """HTML and JS in every free-text field a page shows; with `valid` False also in checked fields
    (a version failing validation is still published, with its errors shown)."""
    data = {**data, "name": "Evil " + XSS, "description": "Desc " + XSS,
            "authors": [{"name": XSS, "affiliation": XSS, "github_user": "evil"}],
            "maintainers": [{"name": XSS, "github_user": "evil"}],
            "cite": [{"text": XSS, "url": "https://example.org/\"><script>alert('cite')</script>"}],
            "tags": [XSS, JS_URL, "<b>bold</b>"], "license": "MIT", "version": "1.0.0",
            "git_repo": "https://example.org/\"onmouseover=\"alert('repo')", "links": [JS_URL], "icon": XSS,
            "badges": [{"label": XSS, "icon": "https://example.org/i.png", "url": "https://example.org/"}],
            "config": {"notes": XSS, "bioimageio": {"thumbnails": {"x": JS_URL}}}}
    if not valid:
        data.update(license=XSS, git_repo=JS_URL, badges=[{"label": XSS, "icon": JS_URL, "url": JS_URL}],
                    authors=[{"name": XSS, "github_user": "a\"><script>alert(1)</script>",
                              "orcid": "\"><svg onload=alert('orcid')>"}],
                    cite=[{"text": XSS, "url": JS_URL}, {"text": "d", "doi": "10.1/\"><script>alert('doi')</script>"}])
    return data


def _records() -> list[tuple[dict, dict[str, bytes]]]:
    when = datetime(2024, 6, 1, tzinfo=timezone.utc)
    readme = MARKDOWN.encode()
    dataset = _hostile_texts({**read_yaml(DATASET / "rdf.yaml"), "format_version": "0.2.4",
                              "covers": ["cover.svg", "cover.png"], "documentation": "README.md"})
    app = _hostile_texts({"format_version": "0.2.4", "type": "application", "documentation": "README.md",
                          "source": "evil.html", "covers": ["cover.svg"]})
    model = read_yaml(MODEL / "rdf.yaml")
    model.update(description="Desc " + XSS, authors=[{"name": XSS}], tags=[XSS, "nuclei"],
                 cite=[{"text": XSS, "url": "https://example.org/" + "\"><script>alert('cite')</script>"}])
    model["config"]["notes"] = XSS
    model_files = {p.name: p.read_bytes() for p in MODEL.iterdir() if p.is_file() and p.name != "rdf.yaml"}
    files = {
        1: ({"rdf.yaml": yamlio.dumps(dataset).encode(), "README.md": readme, "cover.svg": SVG,
             "cover.png": (DATASET / "cover.png").read_bytes()}, "dataset"),
        2: ({"rdf.yaml": yamlio.dumps(app).encode(), "README.md": readme, "cover.svg": SVG,
             "evil.html": b"<html><script>alert('source-html')</script></html>"}, "application"),
        3: ({**model_files, "rdf.yaml": yamlio.dumps(model).encode(), "README.md": readme}, "model"),
        4: ({"rdf.yaml": yamlio.dumps(_hostile_texts(dataset, valid=False)).encode(), "README.md": readme,
             "cover.svg": SVG, "cover.png": (DATASET / "cover.png").read_bytes()}, "dataset"),
    }
    creators = [{"name": XSS, "affiliation": XSS}]
    return [(record_json(900 + n, 800 + n, when, f, title="Title " + XSS, description=XSS, version="1",
                         creators=creators, license="cc-by-4.0"), f) for n, (f, _) in files.items()]


def _hostile_partner(partners: Path) -> None:
    """A partner whose registration, collection entry, logo and test summaries all carry HTML/JS."""
    folder = partners / "evil-lab"
    folder.mkdir()
    (partners / "evil-lab.yaml").write_text(yamlio.dumps({
        "id": "evil-lab", "name": "Evil " + XSS, "description": XSS, "logo": "evil-lab/logo.svg",
        "collection": {"path": "evil-lab/collection.yaml"}, "test_summaries": "evil-lab/test_summaries.json"}))
    (folder / "logo.svg").write_bytes(SVG.replace(b"svg-script", b"logo"))
    entry = _hostile_texts({"id": "evil-tool", "type": "application", "source": "https://example.org/tool",
                            "documentation": "https://example.org/README.md"})
    (folder / "collection.yaml").write_text(yamlio.dumps({
        "format_version": "0.2.4", "type": "collection", "id": "evil-lab", "name": "Evil lab collection",
        "description": XSS, "authors": [{"name": XSS}], "license": "MIT", "collection": [entry]}))
    test = {"name": XSS, "status": "failed", "error": XSS, "traceback": XSS, "warnings": [XSS]}
    (folder / "test_summaries.json").write_text(json.dumps({
        "tool": "evil-lab", "tool_version": XSS,
        "results": [{"resource_id": "10.5281/zenodo.801", "version_id": "901", "tests": [test]},
                    {"resource_id": "evil-lab/evil-tool", "version_id": "1.0.0", "tests": [test]}]}))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from pipeline import main_job
    from pipeline.main_job import RunConfig

    base = tmp_path_factory.mktemp("hostile-site")
    write_record_set(base / "zenodo", _records())
    partners = base / "partners"
    shutil.copytree(EXAMPLES / "partners", partners)  # partner summaries and pages render too
    _hostile_partner(partners)
    config = RunConfig(zenodo=str(base / "zenodo"), partners=partners, store=base / "work" / "collection",
                       site=base / "site", cache=base / "cache", accept=True, own_repository=True, run_tests=False,
                       say=lambda line: None)
    summary = main_job.run(config)
    assert [stage for stage, _ in summary.stages] == ["harvest", "propose", "build", "site"]
    pages = sorted((base / "site" / "rdfs").rglob("index.html"))
    return base / "site", pages


def _csp(html: str) -> dict[str, list[str]]:
    match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert match, "no CSP meta tag"
    directives = [d.split() for d in unescape(match.group(1)).split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


def test_every_hostile_resource_is_published_with_a_page(built):
    site, pages = built
    rendered = {str(p.relative_to(site / "rdfs")).rsplit("/index.html", 1)[0] for p in pages}
    for cid in (801, 802, 803, 804):
        assert f"10.5281/zenodo.{cid}" in rendered, sorted(rendered)
    assert "evil-lab/evil-tool" in rendered, sorted(rendered)


def test_every_page_has_a_csp_meta_forbidding_inline_script(built):
    site, pages = built
    for page in [site / "index.html", *pages]:
        csp = _csp(page.read_text(encoding="utf-8"))
        script = csp.get("script-src", csp.get("default-src"))
        assert script is not None, page
        assert not {"'unsafe-inline'", "*", "data:", "http:", "https:"} & set(script), (page, script)
        assert csp.get("object-src") == ["'none'"] and csp.get("base-uri") == ["'none'"], page


class _Markup(HTMLParser):
    """Collects what could run: inline scripts, event-handler attributes, frames, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if tag in ("iframe", "object", "embed", "frame", "base"):
            self.found.append(f"<{tag}>")
        if tag == "script":
            self._in_script = True
            if not dict(attrs).get("src"):
                self.found.append("inline <script>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if value and name in ("href", "src", "action", "formaction", "data", "xlink:href") and \
                    value.strip().lower().startswith(("javascript:", "data:text", "vbscript:")):
                self.found.append(f"<{tag} {name}={value[:40]}>")

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append("inline script text")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


def test_no_runnable_markup_in_any_page(built):
    """Parsed as a browser would: no element of any page can run injected code."""
    site, pages = built
    problems = {}
    for page in [site / "index.html", *pages]:
        parser = _Markup()
        parser.feed(page.read_text(encoding="utf-8"))
        if parser.found:
            problems[str(page.relative_to(site))] = parser.found
    assert problems == {}


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _visit(browser, url: str) -> list[str]:
    """Load `url`, wait for scripts to settle; returns dialogs, page errors and CSP violations seen."""
    context = browser.new_context()
    page = context.new_page()
    seen: list[str] = []
    page.on("dialog", lambda d: (seen.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("pageerror", lambda e: seen.append(f"page error: {e}"))
    page.on("console", lambda m: seen.append(f"console: {m.text}") if m.type == "error" and (
        "Content Security Policy" in m.text or "Refused" in m.text or "alert" in m.text) else None)
    try:
        page.goto(url, wait_until="load", timeout=15_000)
        page.wait_for_timeout(150)  # let deferred scripts and event handlers fire, if any could
        for link in page.locator("a[href^='javascript:']").all():
            seen.append(f"javascript: link kept: {link.get_attribute('href')}")
    finally:
        context.close()
    return seen


def test_no_injected_script_runs_on_any_resource_page(built, browser):
    from pipeline.site.serve import served

    site, pages = built
    with served(site) as url:
        problems = {}
        for page in [site / "index.html", *pages]:
            seen = _visit(browser, url + str(page.relative_to(site)))
            if seen:
                problems[str(page.relative_to(site))] = seen
    assert len(pages) >= 6
    assert problems == {}


ACTIVE_SUFFIXES = (".html", ".htm", ".xhtml", ".svg", ".xml", ".js", ".mjs")


def test_no_contributed_active_content_is_served_from_the_zoo_origin(built):
    """An HTML, SVG or script file from a stranger, served from the site's origin, would run as the zoo."""
    site, _ = built
    served = [p for p in (site / "rdfs").rglob("*")
              if p.is_file() and p.suffix.lower() in ACTIVE_SUFFIXES and p.name != "index.html"]
    assert served == []
    for path in site.rglob("*"):  # e.g. a partner's SVG logo copied as it came
        if path.is_file() and path.suffix.lower() in ACTIVE_SUFFIXES:
            assert b"alert('logo')" not in path.read_bytes(), path
    assert not list((site / "rdfs").rglob("evil.html")) and not list((site / "rdfs").rglob("cover.svg"))


def test_the_detector_sees_a_script_that_does_run(tmp_path, browser):
    """Control: the checks above would notice a dialog, a CSP violation and a javascript: link."""
    from pipeline.site.serve import served

    (tmp_path / "index.html").write_text("<html></html>")
    (tmp_path / "bad.html").write_text("<html><body><script>alert('control')</script>"
                                       "<a href=\"javascript:alert(1)\">x</a></body></html>")
    (tmp_path / "csp.html").write_text("<html><head><meta http-equiv=\"Content-Security-Policy\" "
                                       "content=\"script-src 'self'\"></head><body>"
                                       "<script>alert('blocked')</script></body></html>")
    with served(tmp_path) as url:
        bad, csp = _visit(browser, url + "bad.html"), _visit(browser, url + "csp.html")
    assert "dialog: control" in bad and any(s.startswith("javascript: link kept") for s in bad)
    assert any("Content Security Policy" in s for s in csp) and not any(s.startswith("dialog") for s in csp)
