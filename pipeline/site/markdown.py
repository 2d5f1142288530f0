"""Documentation markdown rendered with markdown-it-py and sanitised with nh3.

A README is a stranger's text: rendering runs through base.bounded (a pool process with a time
limit), because crafted nesting makes the parser slow beyond any size cap.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from urllib.parse import urlsplit

from pipeline.base.bounded import bounded
from pipeline.site.urls import safe_url

MAX_DOC_CHARS = 1_000_000
RENDER_SECONDS = 10.0  # one README; real ones take milliseconds
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s",
    "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"},
    "td": {"align"}, "th": {"align"}, "code": {"class"}, "ol": {"start"},
}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # html on: READMEs use it (tables, <details>); nh3 removes what is unsafe afterwards.
    return MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table").enable("strikethrough")


def render_markdown(text: str, *, root: str, base: str, source: str | None = None) -> str:
    """Sanitised HTML of `text`; relative links and images resolve against `base` (a site
    folder), so a README's pictures next to it keep working; unsafe URLs are dropped.
    BadInput when rendering takes longer than RENDER_SECONDS."""
    return bounded(_render, text[:MAX_DOC_CHARS], root, base, seconds=RENDER_SECONDS,
                   what="rendering the documentation", source=source)


def _render(text: str, root: str, base: str) -> str:
    """Runs in a pool process: parse, render and sanitise."""
    html = _parser().render(text)

    def rewrite(tag: str, attribute: str, value: str) -> str | None:
        if attribute in ("href", "src"):
            if value.startswith("#"):
                return value
            url = safe_url(value, root=root, base=base)
            if url is None:
                return None
            # Pictures from elsewhere would break the page's no-external-load policy anyway.
            if tag == "img" and urlsplit(url).scheme:
                return None
            return url
        return value

    return nh3.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, attribute_filter=rewrite,
        url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
