"""View data of resource and version pages: metadata, docs, downloads, tests, previews, links."""

from __future__ import annotations

import json
import posixpath
import re
from html import unescape
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.build import bundles
from pipeline.build.edam import slug
from pipeline.contracts.collection import CollectionEntry
from pipeline.contracts.results import OUR_TOOL, SKIPPED, UNKNOWN, TestEntry, TestSummary, tool_state
from pipeline.base.paths import joined
from pipeline.errors import BadInput
from pipeline.site import citation, notebooks, use_it, vendor
from pipeline.site.markdown import render_markdown
from pipeline.site.urls import href, resource_page, root_of, safe_url, version_page
from pipeline.site.views import (card, edam_for, entry_tags, search_record, str_list, text,
                                 tool_label)
from pipeline.spec import yamlio

MiB = 1024 * 1024
MAX_RDF = 4 * MiB
MAX_SUMMARY = 8 * MiB
MAX_DOC = 1 * MiB
MAX_PREVIEWS = 12


def read_rdf(path: Path) -> dict[str, Any]:
    """The published rdf.yaml, or {} when it is missing or unreadable (the page says so).
    A resource page and its latest version's page show the same file: it is parsed once."""
    try:
        stat = path.stat()
    except OSError:
        return {}
    return {} if stat.st_size > MAX_RDF else _parse_rdf(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=16)
def _parse_rdf(path: str, size: int, mtime_ns: int) -> dict[str, Any]:
    try:
        data = yamlio.loads(Path(path).read_bytes(), source=path, max_bytes=MAX_RDF)
    except (OSError, BadInput):
        return {}
    return data if isinstance(data, dict) else {}


def read_summary(path: Path) -> TestSummary | None:
    """The version's test_summary.json, or None when missing, too large or malformed."""
    try:
        if path.stat().st_size > MAX_SUMMARY:
            return None
        return TestSummary.from_json(json.loads(path.read_bytes()), source=str(path))
    except (OSError, ValueError, BadInput):
        return None


def _chip_state(tests: list[TestEntry]) -> str:
    state = tool_state(tests)
    return "not-applicable" if state in (SKIPPED, UNKNOWN) else state


def _test_view(test: TestEntry) -> dict[str, Any]:
    env = test.env
    return {
        "name": text(test.name, 300), "status": test.status,
        "error": text(test.error, 20000), "traceback": text(test.traceback, 50000),
        "warnings": str_list(list(test.warnings))[:50],
        "weights_format": text(test.weights_format, 64),
        "env": ", ".join(f"{text(k, 64)} {text(v, 64)}" for k, v in sorted(env.items())) if isinstance(env, dict) else "",
    }


def compatibility_rows(summary: TestSummary | None, partners: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per tool (ours first); one chip per tool version holding its tests."""
    tests = summary.tests if summary else {}
    rows = []
    for tool in sorted(tests, key=lambda t: (t != OUR_TOOL, t)):
        by_version: dict[str, list[TestEntry]] = {}
        for test in tests[tool]:
            by_version.setdefault(text(test.tool_version, 64) or "version not recorded", []).append(test)
        chips = [{"version": v, "state": _chip_state(ts), "tests": [_test_view(t) for t in ts]}
                 for v, ts in sorted(by_version.items())]
        rows.append({"tool": text(tool, 64), "label": tool_label(tool, partners),
                     "partner_url": f"partners/{tool}.html" if tool in partners else None, "chips": chips})
    return rows


def previews(site: Path, folder: str) -> list[dict[str, str]]:
    """Test-tensor pictures written at build time, inputs first."""
    directory = site / folder / "previews"
    if not directory.is_dir():
        return []
    files = sorted((p.name for p in directory.glob("*.png")), key=lambda n: (not n.startswith("input"), n))
    result = []
    for name in files[:MAX_PREVIEWS]:
        kind, _, tensor = name[:-4].partition("-")
        label = f"test {kind} '{tensor}'" if kind in ("input", "output") else name[:-4]
        result.append({"path": f"{folder}/previews/{name}", "alt": f"Preview of the {label} tensor",
                       "caption": label})
    return result


def local_file(site: Path, folder: str, source: Any) -> Path | None:
    """The site's own copy of a file an RDF names relatively (None: remote, or not served)."""
    if not isinstance(source, str) or "://" in source or safe_url(source, base=folder) is None:
        return None
    path = site / posixpath.normpath(posixpath.join(folder, source))
    return path if path.is_file() else None


def downloads(rdf: dict[str, Any], site: Path, folder: str, root: str) -> list[dict[str, str]]:
    """One link per weight format the model actually has, then the zip package, with the sizes
    of the files the site holds."""
    result = []
    weights = rdf.get("weights") if isinstance(rdf.get("weights"), dict) else {}
    for fmt in sorted(weights):
        entry = weights[fmt]
        source = entry.get("source") if isinstance(entry, dict) else None
        url = safe_url(source, root=root, base=folder)
        if url:
            local = local_file(site, folder, source)
            result.append({"label": f"{text(fmt, 64)} weights", "url": url, "format": text(fmt, 64),
                           "size": file_size(local.stat().st_size) if local else ""})
    package = site / folder / "package.zip"
    if package.is_file():
        result.append({"label": "zip package (RDF and all files)", "url": href(root, f"{folder}/package.zip"),
                       "format": "package", "size": file_size(package.stat().st_size)})
    return result


def notebook_links(rdf: dict[str, Any], site: Path, folder: str, root: str) -> dict[str, str] | None:
    """Where to read or open a notebook: the site's preview of its own copy, or nbviewer, Colab and
    Binder for one on GitHub."""
    if rdf.get("type") != "notebook":
        return None
    source = rdf.get("source")
    links = dict(notebooks.github_links(source) or {})
    if local_file(site, folder, source) is not None and str(source).lower().endswith(".ipynb"):
        links["preview"] = href(root, f"{folder}/{notebooks.PREVIEW}")
        links["download"] = safe_url(source, root=root, base=folder) or ""
    return links or None


def notebook_preview(site: Path, entry: CollectionEntry, version_id: str) -> tuple[str, dict[str, Any]] | None:
    """(site path, template context) of a version's notebook preview page, when it has one."""
    rid = text(entry.id, 512)
    folder = joined("rdfs", rid, version_id)
    rdf = read_rdf(site / folder / "rdf.yaml")
    source = rdf.get("source")
    path = local_file(site, folder, source) if rdf.get("type") == "notebook" else None
    if path is None or not str(source).lower().endswith(".ipynb") or path.stat().st_size > notebooks.MAX_NOTEBOOK:
        return None
    page = f"{folder}/{notebooks.PREVIEW}"
    root = root_of(page)
    base = posixpath.dirname(posixpath.normpath(posixpath.join(folder, str(source))))
    found = notebooks.cells(path.read_bytes(), root=root, base=base)
    if found is None:
        return None
    return page, {"root": root, "name": text(rdf.get("name") or entry.rdf.get("name") or rid, 300),
                  "version_id": version_id, "version_name": text(rdf.get("version"), 64), "source": text(source, 300),
                  "cells": found, "resource_url": href(root, resource_page(rid) or ""),
                  "download": safe_url(source, root=root, base=folder) or ""}


def packaged_only(source: Any, site: Path, folder: str) -> bool:
    """A relative file the RDF names that only its package holds (the site does not serve it)."""
    return (isinstance(source, str) and "://" not in source and safe_url(source, base=folder) is not None
            and local_file(site, folder, source) is None)


def source_link(rdf: dict[str, Any], site: Path, folder: str, root: str) -> str | None:
    """The resource's `source` as a link: a URL, or a file the site serves (an HTML page a
    contributor shipped is never served from the zoo's origin: it stays in the package)."""
    source = rdf.get("source")
    url = safe_url(source, root=root, base=folder)
    if url is None or "://" in str(source):
        return url
    return url if local_file(site, folder, source) else None


def documentation(rdf: dict[str, Any], site: Path, folder: str, root: str) -> tuple[str | None, str | None]:
    """(sanitised HTML of the documentation, link to it) — HTML only for files the site holds."""
    source = rdf.get("documentation")
    if not isinstance(source, str):
        return None, None
    url = safe_url(source, root=root, base=folder)
    if url is None or "://" in source:
        return None, url
    rel = posixpath.normpath(posixpath.join(folder, source))
    path = site / rel
    try:
        if not path.is_file() or path.stat().st_size > MAX_DOC:
            return None, url
        body = path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return None, url
    try:
        return demote_headings(render_markdown(body, root=root, base=posixpath.dirname(rel), source=rel)), url
    except BadInput:  # too slow to render: the page links the file instead of showing it
        return None, url


def demote_headings(html: str, by: int = 2) -> str:
    """Headings of a document shown under the page's own h2: its h1 becomes an h3, and so on
    (the page has one title; sanitised HTML only has plain heading tags)."""
    return re.sub(r"<(/?)h([1-6])\b", lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + by, 6)}", html)


def authors(rdf: dict[str, Any], key: str = "authors") -> list[dict[str, str | None]]:
    people = rdf.get(key) if isinstance(rdf.get(key), list) else []
    result = []
    for person in people[:200]:
        if not isinstance(person, dict):
            continue
        orcid = text(person.get("orcid"), 40)
        github = text(person.get("github_user"), 80)
        result.append({
            "name": text(person.get("name"), 200) or github or "(unnamed)",
            "affiliation": text(person.get("affiliation"), 300),
            "orcid": orcid, "orcid_url": f"https://orcid.org/{orcid}" if orcid else None,
            "github_url": f"https://github.com/{github}" if github and github.replace("-", "").isalnum() else None,
        })
    return result


def citations(rdf: dict[str, Any]) -> list[dict[str, str | None]]:
    result = []
    for cite in (rdf.get("cite") if isinstance(rdf.get("cite"), list) else [])[:100]:
        if not isinstance(cite, dict):
            continue
        doi = text(cite.get("doi"), 200)
        result.append({"text": text(cite.get("text"), 2000), "doi": doi,
                       "url": f"https://doi.org/{doi}" if doi else safe_url(cite.get("url"))})
    return result


def related(entry: CollectionEntry, by_id: dict[str, CollectionEntry], root: str) -> dict[str, list[dict[str, Any]]]:
    """Resources this one links to (incl. training data) and those linking to it."""
    def view(target: str) -> dict[str, Any]:
        other = by_id.get(target)
        if other is None:
            return {"name": target, "type": "", "url": safe_url(target)}
        page = resource_page(target)
        return {"name": text(other.rdf.get("name"), 200) or target, "type": text(other.type, 40),
                "url": href(root, page) if page else None}
    links = str_list(entry.rdf.get("links"))
    training = entry.rdf.get("training_data")
    if isinstance(training, dict) and isinstance(training.get("id"), str):
        links.insert(0, training["id"])
    return {"uses": [view(t) for t in dict.fromkeys(links)],
            "used_by": [view(t) for t in str_list(list(entry.linked_from))]}


def tensors(rdf: dict[str, Any], key: str) -> list[dict[str, str]]:
    """Inputs or outputs of a model as short rows (id, axes, data type, description)."""
    rows = []
    for tensor in (rdf.get(key) if isinstance(rdf.get(key), list) else [])[:50]:
        if not isinstance(tensor, dict):
            continue
        axes = tensor.get("axes")
        if isinstance(axes, list):
            axes = "".join(text(a.get("id") or a.get("type", "?"), 10)[:1] if isinstance(a, dict) else text(a, 1)
                           for a in axes)
        data = tensor.get("data") if isinstance(tensor.get("data"), dict) else {}
        rows.append({"id": text(tensor.get("id") or tensor.get("name"), 100), "axes": text(axes, 40),
                     "dtype": text(data.get("type") or tensor.get("data_type"), 20),
                     "description": text(tensor.get("description"), 500)})
    return rows


MAX_SEARCH_WORDS = 600  # distinct words of a page's documentation and tensors that the search indexes
_WORD = re.compile(r"[^\W_](?:[\w'-]*[^\W_])?")


def search_body(doc_html: str | None, rdf: dict[str, Any]) -> str:
    """The words of what a resource page says beyond its header (documentation, tensor
    descriptions, citations, affiliations), each once: the search finds a page by any of them,
    and the index grows with the vocabulary, not with the length of the documents."""
    parts = [re.sub(r"<[^>]+>", " ", doc_html or "")]
    for key in ("inputs", "outputs"):
        for t in tensors(rdf, key):
            parts += [t["id"], t["description"]]
    parts += [c["text"] for c in citations(rdf)]
    parts += [a["affiliation"] or "" for a in authors(rdf)]
    seen: dict[str, str] = {}
    for word in _WORD.findall(unescape(" ".join(parts))):
        seen.setdefault(word.lower(), word)
        if len(seen) >= MAX_SEARCH_WORDS:
            break
    return " ".join(seen.values())


def search_view(entry: CollectionEntry, partners: dict[str, dict[str, Any]], version_states: list[dict[str, Any]],
                doc_html: str | None, rdf: dict[str, Any]) -> dict[str, Any]:
    """What the resource page gives the search: its record, every version's DOI among the keys
    that name it exactly, and the words of its body."""
    record = search_record(entry, partners)
    dois = [text(v.get("doi"), 200) for v in version_states if v.get("doi")]
    return {**record, "keys": list(dict.fromkeys([*record["keys"], *dois])), "body": search_body(doc_html, rdf)}


def try_it(site: Path, folder: str, root: str, name: str) -> dict[str, Any] | None:
    """What "Try it" needs: the version's browser bundle and the runtime, when the site has both."""
    manifest = bundles.read_manifest(site, folder)
    if manifest is None or vendor.sources() is None:
        return None
    inputs = []
    for t in manifest.get("inputs") or []:
        if not isinstance(t, dict) or not isinstance(t.get("axes"), list):
            return None
        channels = next((a.get("channels") for a in t["axes"] if isinstance(a, dict) and a.get("type") == "channel"), None)
        inputs.append({"id": text(t.get("id"), 64), "dtype": text(t.get("dtype"), 16),
                       "axes": ", ".join(text(a.get("id"), 16) for a in t["axes"] if isinstance(a, dict)),
                       "channels": ", ".join(text(c, 64) for c in channels) if isinstance(channels, list) else "",
                       "description": text(t.get("description"), 300)})
    bundle_bytes = manifest.get("bytes") if isinstance(manifest.get("bytes"), int) else 0
    return {"bundle": href(root, f"{folder}/{bundles.FOLDER}/"), "module": f"{root}static/tryit/tryit.mjs",
            "inputs": inputs, "bundle_size": file_size(bundle_bytes), "runtime_size": file_size(vendor.runtime_bytes()),
            "exported": bool(manifest.get("exported")), "weights_format": text(manifest.get("weights_format"), 40),
            "name": text(name, 64)}


def file_size(n: int) -> str:
    """Bytes as a person reads them: 980 B, 12 KB, 3.4 MB."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= scale:
            value = n / scale
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{n} B"


def use_it_view(rdf: dict[str, Any], summary: TestSummary | None, values: dict[str, str],
                partners: dict[str, dict[str, Any]], root: str, folder: str) -> dict[str, Any] | None:
    """"Use it in your tool" for a model version; None for other resources."""
    if rdf.get("type") != "model":
        return None
    return {"tools": use_it.tools(summary, partners, values, root=root, folder=folder),
            "python": use_it.python(rdf, values), "ours": use_it.our_state(summary)}


def page_context(site: Path, entry: CollectionEntry, version_id: str, *, page: str, root: str,
                 by_id: dict[str, CollectionEntry], partners: dict[str, dict[str, Any]],
                 version_states: list[dict[str, Any]], base_url: str) -> dict[str, Any]:
    """Everything the resource template shows for one version of one entry."""
    rid = text(entry.id, 512)
    folder = joined("rdfs", rid, version_id)  # UnsafePath for a version that cannot be a folder
    rdf = read_rdf(site / folder / "rdf.yaml")
    summary = read_summary(site / folder / "test_summary.json")
    zoo = rdf.get("config", {}).get("bioimageio", {}) if isinstance(rdf.get("config"), dict) else {}
    zoo = zoo if isinstance(zoo, dict) else {}
    doc_html, doc_url = documentation(rdf, site, folder, root)
    doi = text(zoo.get("doi") or entry.doi, 200)
    created = text(zoo.get("created") or entry.created, 40)
    name = text(rdf.get("name") or entry.rdf.get("name") or rid, 300)
    tags = [{"tag": t, "slug": slug(t), "edam": edam_for(t, entry.edam)} for t in entry_tags(rdf or entry.rdf)]
    latest = text(entry.latest_version, 128)
    values = use_it.placeholders(rid=rid, version_id=version_id, nickname=text(entry.nickname, 80), name=name,
                                 doi=doi, concept_doi=text(entry.concept_doi, 200), folder=folder, base_url=base_url,
                                 has_package=(site / folder / "package.zip").is_file())
    return {
        "page": page, "root": root, "card": card(entry, partners), "rdf": rdf, "rid": rid,
        "search": search_view(entry, partners, version_states, doc_html, rdf),
        "version_id": version_id, "is_latest": version_id == latest, "folder": folder,
        "name": name, "description": text(rdf.get("description") or entry.rdf.get("description"), 5000),
        "type": text(rdf.get("type") or entry.type, 40), "license": text(rdf.get("license"), 80),
        "nickname": text(entry.nickname, 80), "icon": text(entry.nickname_icon, 16),
        "doi": doi, "concept_doi": text(entry.concept_doi, 200), "created": created,
        "version_name": text(rdf.get("version"), 64), "tags": tags,
        "authors": authors(rdf), "maintainers": authors(rdf, "maintainers"), "cite": citations(rdf),
        "git_repo": safe_url(rdf.get("git_repo")), "source": source_link(rdf, site, folder, root),
        "source_packaged": packaged_only(rdf.get("source"), site, folder),
        "notebook": notebook_links(rdf, site, folder, root),
        "covers": [c for c in str_list(list(entry.covers)) if c.startswith(folder + "/")] if version_id == latest
        else sorted(f"{folder}/covers/{p.name}" for p in (site / folder / "covers").glob("*") if p.is_file()),
        "documentation": doc_html, "documentation_url": doc_url,
        "downloads": downloads(rdf, site, folder, root), "rdf_url": href(root, f"{folder}/rdf.yaml"),
        "summary_url": href(root, f"{folder}/test_summary.json"),
        "status": summary.status.to_json() if summary else {},
        "compat": compatibility_rows(summary, partners), "previews": previews(site, folder),
        "inputs": tensors(rdf, "inputs"), "outputs": tensors(rdf, "outputs"),
        "related": related(entry, by_id, root), "versions": version_states,
        "bibtex": citation.bibtex(rdf or entry.rdf, resource_id=rid, doi=doi or None, year=created[:4] or None),
        "cff": citation.citation_cff(rdf or entry.rdf, doi=doi or None, version=version_id, date=created),
        "try_it": try_it(site, folder, root, text(entry.nickname, 80) or rid.rsplit("/", 1)[-1]),
        "use_it": use_it_view(rdf, summary, values, partners, root, folder),
        "resource_url": href(root, resource_page(rid) or ""),
        "version_url": href(root, version_page(rid, version_id) or ""),
    }
