"""The search index: Pagefind over the resource pages.

Each resource page marks a small region as its searchable body (name, nickname, description,
authors, tags, id, DOI) and carries its card fields as Pagefind meta attributes. Facets and
sort orders are not Pagefind's: they go to the facet table (`facets.py`) written into the same
bundle. Pagefind reads a mirror holding only those pages (hard links), so version pages cost
nothing and no contributed file can enter the index. The bundle is written to a fresh folder
and swapped in, so a failed run keeps the previous index and table.

Which Pagefind: the one `npm ci` pins in `package-lock.json` (1.6), else the PyPI package
(1.5), or any binary named by `ZOO_PAGEFIND`. Both write the same bundle, but 1.5's search
is quadratic in the number of matching pages: a one-word query matching every one of 10,000
resources takes 0.5-2 s in the browser with 1.5 and 40-70 ms with 1.6.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from pipeline.base.commands import last_words, run_command
from pipeline.defaults import NODE_MODULES
from pipeline.errors import ExternalToolFailed
from pipeline.site.facets import SORTS, TABLE, SearchEntry, write_table

BUNDLE = "pagefind"
EMPTY_PAGE = "zoo-empty.html"  # indexed only when no resource is
TIMEOUT_S = 900


def pagefind_command() -> list[str]:
    """The command that runs Pagefind: `ZOO_PAGEFIND`, else npm's binary, else PyPI's."""
    chosen = os.environ.get("ZOO_PAGEFIND")
    if chosen:
        return [chosen]
    # npm installs only this machine's platform package; its binary needs no Node to run
    for name in ("pagefind_extended", "pagefind_extended.exe", "pagefind", "pagefind.exe"):
        for binary in sorted(NODE_MODULES.glob(f"@pagefind/*/bin/{name}")):
            if os.access(binary, os.X_OK):
                return [str(binary)]
    return [sys.executable, "-m", "pagefind"]


def _mirror(site: Path, pages: list[str], mirror: Path) -> None:
    """Hard links to exactly the resource pages, so Pagefind reads neither version pages nor
    any file a contributor shipped (an `index.html` under `files/` must never become a result)."""
    shutil.rmtree(mirror, ignore_errors=True)
    for page in pages:
        target = mirror / page
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(site / page, target)
        except OSError:
            shutil.copyfile(site / page, target)


def _placeholder(mirror: Path) -> None:
    """The one page of an empty zoo's index: Pagefind refuses to index nothing, and the browse
    page only shows results that have a row in the facet table, which this page never has."""
    mirror.mkdir(parents=True, exist_ok=True)
    (mirror / EMPTY_PAGE).write_text('<!doctype html><html lang="en"><head><title>empty</title></head>'
                                     '<body><main data-pagefind-body>empty</main></body></html>', encoding="utf-8")


def write_index(site: Path, entries: list[SearchEntry]) -> str:
    """Index the resource pages of `entries` into `site/pagefind/`, with their facet table;
    returns the Pagefind version that wrote it."""
    fresh, old, mirror = site / f".{BUNDLE}-new", site / f".{BUNDLE}-old", site / f".{BUNDLE}-src"
    for folder in (fresh, old):
        shutil.rmtree(folder, ignore_errors=True)
    _mirror(site, [e.page for e in entries], mirror)
    if not entries:
        _placeholder(mirror)
    command = pagefind_command() + ["--site", str(mirror), "--output-path", str(fresh),
                                    "--keep-index-url", "--force-language", "en", "--quiet"]
    try:
        done = run_command(command, timeout=TIMEOUT_S, check=False, label="pagefind")
    except ExternalToolFailed:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(mirror, ignore_errors=True)
    if done.returncode != 0 or not (fresh / "pagefind.js").is_file():
        shutil.rmtree(fresh, ignore_errors=True)
        raise ExternalToolFailed(f"pagefind failed with exit code {done.returncode}: {last_words(done)}")
    try:
        write_table(fresh, entries)
    except (OSError, ExternalToolFailed) as e:
        shutil.rmtree(fresh, ignore_errors=True)
        raise ExternalToolFailed(f"the facet table could not be written: {e}") from e
    version = _version(fresh)
    target = site / BUNDLE
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return f"pagefind {version}"


def _version(bundle: Path) -> str:
    try:
        version = json.loads((bundle / "pagefind-entry.json").read_text()).get("version")
    except (OSError, ValueError, AttributeError):
        version = None
    return str(version) if version else "unknown version"


def is_complete(site: Path) -> bool:
    """Whether `site` holds a whole search bundle: Pagefind's script, the facet table and its sorts."""
    return all((site / BUNDLE / name).is_file() for name in ("pagefind.js", TABLE, SORTS))
