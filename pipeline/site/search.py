"""The search index: Pagefind (from PyPI) over the resource pages.

Each resource page marks a small region as its searchable body (name, nickname, description,
authors, tags, id, DOI) and carries its facets, sort keys and card fields as Pagefind filter,
sort and meta attributes. Pagefind reads a mirror holding only those pages (hard links), so
version pages cost nothing and no contributed file can enter the index. The index is written
to a fresh folder and swapped in, so a failed run keeps the previous index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from pipeline.errors import ExternalToolFailed

BUNDLE = "pagefind"
TIMEOUT_S = 900


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


def write_index(site: Path, pages: list[str]) -> None:
    """Index the resource `pages` (site-relative) into `site/pagefind/`."""
    fresh, old, mirror = site / f".{BUNDLE}-new", site / f".{BUNDLE}-old", site / f".{BUNDLE}-src"
    for folder in (fresh, old):
        shutil.rmtree(folder, ignore_errors=True)
    _mirror(site, pages, mirror)
    command = [sys.executable, "-m", "pagefind", "--site", str(mirror), "--output-path", str(fresh),
               "--keep-index-url", "--force-language", "en", "--quiet"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        shutil.rmtree(fresh, ignore_errors=True)
        raise ExternalToolFailed(f"pagefind could not run: {e}") from e
    finally:
        shutil.rmtree(mirror, ignore_errors=True)
    if done.returncode != 0 or not (fresh / "pagefind.js").is_file():
        shutil.rmtree(fresh, ignore_errors=True)
        tail = (done.stderr or done.stdout).strip()[-2000:]
        raise ExternalToolFailed(f"pagefind failed with exit code {done.returncode}: {tail}")
    target = site / BUNDLE
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)
