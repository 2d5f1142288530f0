"""The website: static pages, the Pagefind search index and a local preview server."""

from pipeline.site.builder import SiteOptions, SiteSummary, build_site, render_site

__all__ = ["SiteOptions", "SiteSummary", "build_site", "render_site"]
