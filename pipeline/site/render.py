"""The jinja2 environment (autoescaped), page writing, static assets and partner data."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from pipeline import __version__
from pipeline.build.files import write_if_changed
from pipeline.build.thumbnails import make_thumbnail
from pipeline.contracts.collection import CollectionDocument
from pipeline.contracts.partners import read_partners
from pipeline.contracts.stage import Problem
from pipeline.errors import BadInput
from pipeline.site import vendor
from pipeline.site.views import state_label, text

if TYPE_CHECKING:
    from pipeline.site.builder import SiteConfig, SiteSummary

SITE_NAME = "BioImage Model Zoo"
# Pagefind compiles its WebAssembly at run time, which CSP only allows with 'wasm-unsafe-eval';
# no inline script, no external origin.
CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; frame-src 'none'; base-uri 'none'; form-action 'self'")
MAX_LOGO = 2 * 1024 * 1024


def urlpath(value: Any) -> str:
    """A site-relative path made safe to put in an href/src (spaces, quotes, `?`, `#` encoded)."""
    return quote(str(value), safe="/._-~@+=")


class Renderer:
    """Renders templates into the site folder, writing only files whose bytes change."""

    def __init__(self, options: "SiteConfig", doc: CollectionDocument, summary: "SiteSummary"):
        self.options, self.site, self.summary = options, options.site, summary
        if not (options.templates / "base.html").is_file():
            raise BadInput("no base.html in the templates folder", source=str(options.templates))
        self.env = Environment(loader=FileSystemLoader(str(options.templates)),
                               autoescape=select_autoescape(["html", "xml"]), undefined=StrictUndefined,
                               trim_blocks=True, lstrip_blocks=True)
        self.env.filters["urlpath"] = urlpath
        self.env.globals.update(site_name=SITE_NAME, csp=CSP, status_label=state_label)
        self.fingerprint = self._fingerprint()
        self.partners = self._partners(doc)

    def _fingerprint(self) -> str:
        """Changes when a template or this package's code changes, so every page is re-rendered."""
        digest = hashlib.sha256(__version__.encode())
        for path in sorted(Path(__file__).parent.glob("*.py")):
            digest.update(path.read_bytes())
        for path in sorted(self.options.templates.rglob("*")):
            # static assets are copied, not rendered into pages: changing them re-renders nothing
            if path.is_file() and "static" not in path.relative_to(self.options.templates).parts[:1]:
                digest.update(str(path.relative_to(self.options.templates)).encode())
                digest.update(path.read_bytes())
        return digest.hexdigest()

    def _partners(self, doc: CollectionDocument) -> dict[str, dict[str, Any]]:
        """Partners named in collection.json, enriched from their registrations when present."""
        partners = {text(p["id"], 64): {"id": text(p["id"], 64), "name": text(p.get("name"), 200),
                                        "description": "", "url": None, "logo_source": None}
                    for p in doc.partners}
        registrations, problems = read_partners(self.options.partners)
        self.summary.problems += [Problem.of(e) for e in problems]
        for reg in registrations:
            entry = partners.setdefault(reg.id, {"id": reg.id, "name": reg.id, "description": "", "url": None})
            entry.update(name=text(reg.name, 200) or entry["name"], description=text(reg.description, 2000),
                         url=_web_url(reg.url), logo_source=reg.logo, usage=reg.usage)
        return {pid: p for pid, p in sorted(partners.items()) if pid and "/" not in pid and ".." not in pid}

    def copy_partner_logo(self, partner: dict[str, Any]) -> str | None:
        """Thumbnail of a local partner logo under site/partners/<id>/; remote logos are not fetched."""
        source = partner.get("logo_source")
        if not isinstance(source, str) or "://" in source or self.options.partners is None:
            return None
        base = self.options.partners.resolve()
        path = (base / source).resolve()
        if not path.is_relative_to(base) or not path.is_file():
            self.summary.problems.append(Problem(f"partner {partner['id']}",
                                                 f"{source!r} not found in the partners folder", ("logo",)))
            return None
        try:
            if path.stat().st_size > MAX_LOGO:
                raise BadInput(f"larger than {MAX_LOGO} bytes", source=str(path))
            thumb = make_thumbnail(path.read_bytes(), source=str(path))
        except BadInput as e:
            self.summary.problems.append(Problem(f"partner {partner['id']}", str(e), ("logo",)))
            return None
        rel = f"partners/{partner['id']}/logo.png"
        self.write_bytes(rel, thumb)
        return rel

    def render(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(**context)

    def write_bytes(self, rel: str, data: bytes) -> None:
        if write_if_changed(self.site / rel, data):
            self.summary.pages_written += 1

    def write_page(self, rel: str, template: str, context: dict[str, Any], **extra: Any) -> None:
        self.write_bytes(rel, self.render(template, **context, **extra).encode())

    def copy_static(self) -> list[str]:
        """templates/static/* -> site/static/*, and the npm packages the pages run
        (site/static/vendor/); returns the site-relative paths."""
        written = []
        for path in sorted((self.options.templates / "static").rglob("*")):
            if path.is_file():
                rel = "static/" + str(path.relative_to(self.options.templates / "static"))
                self.write_bytes(rel, path.read_bytes())
                written.append(rel)
        for name, path in sorted((vendor.sources() or {}).items()):
            rel = f"{vendor.FOLDER}/{name}"
            self.write_bytes(rel, path.read_bytes())
            written.append(rel)
        return written


def _web_url(value: Any) -> str | None:
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else None
