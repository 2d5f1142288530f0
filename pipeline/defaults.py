"""Every default location and limit of the stages, in one place; the CLI's help texts quote them."""

from __future__ import annotations

from pathlib import Path

STORE = Path("collection")  # the curated store, one resource.yaml per resource
SITE = Path("site")  # build output and website
CACHE = Path(".cache")  # content-addressed caches, safe to delete
PARTNERS = Path("partners")  # partner registrations
ZENODO = "https://zenodo.org/api"
JOBS = 2  # model tests run at once
MAX_PRS = 10  # contribution PRs opened or updated per run
MAX_MATRIX_JOBS = 20  # jobs of the `zoo plan` matrix
BASE_URL = "http://127.0.0.1:8000/"  # public URL of the site, for the feed and sitemap
SERVE_PORT = 8000
# npm's packages (`npm ci` installs what package-lock.json pins): Pagefind, the browser runtime
NODE_MODULES = Path(__file__).resolve().parents[1] / "node_modules"
# The embedded default of `zoo run`: the bundled examples, with a store and PRs of its own.
EXAMPLES = Path("examples")
EMBEDDED_WORK = Path(".zoo")
