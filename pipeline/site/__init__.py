"""The website: static pages, Pagefind search index, test-tensor previews, a local preview server.

Public API: `render_site(site, partners=...) -> SiteSummary` (what `zoo site` and `zoo run` call),
`build_site(SiteOptions)`, `tensor_previews(loaded)` (PNG previews the build writes), and
`serve_in_thread(site)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.site.builder import SiteSummary


def render_site(site: Path, *, partners: Path | None = None, base_url: str | None = None,
                search: bool = True) -> "SiteSummary":
    """Render every page of `site` and its search index; see `pipeline.site.builder`."""
    from pipeline.site.builder import SiteOptions, build_site

    options = SiteOptions(site=Path(site), partners=partners, search=search)
    if base_url:
        options.base_url = base_url if base_url.endswith("/") else base_url + "/"
    return build_site(options)
