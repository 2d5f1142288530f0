"""The search index: Pagefind (from PyPI) over the resource pages.

Each resource page marks a small region as its searchable body (name, nickname, description,
authors, tags, id, DOI) and carries its facets, sort keys and card fields as Pagefind filter,
sort and meta attributes; version pages are not indexed. The index is written to a fresh
folder and swapped in, so a failed run keeps the previous index.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from pipeline.errors import ExternalToolFailed

BUNDLE = "pagefind"
TIMEOUT_S = 900


def write_index(site: Path) -> None:
    """Index `site/rdfs/**/index.html` into `site/pagefind/`."""
    fresh, old = site / f".{BUNDLE}-new", site / f".{BUNDLE}-old"
    for folder in (fresh, old):
        shutil.rmtree(folder, ignore_errors=True)
    command = [sys.executable, "-m", "pagefind", "--site", str(site), "--glob", "rdfs/**/index.html",
               "--output-path", str(fresh), "--keep-index-url", "--force-language", "en", "--quiet"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        shutil.rmtree(fresh, ignore_errors=True)
        raise ExternalToolFailed(f"pagefind could not run: {e}") from e
    if done.returncode != 0 or not (fresh / "pagefind.js").is_file():
        shutil.rmtree(fresh, ignore_errors=True)
        tail = (done.stderr or done.stdout).strip()[-2000:]
        raise ExternalToolFailed(f"pagefind failed with exit code {done.returncode}: {tail}")
    target = site / BUNDLE
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)
