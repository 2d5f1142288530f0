"""Browser code from npm that the site serves itself (no CDN, so the CSP stays `'self'`): the
packages `package-lock.json` pins, copied from `node_modules` into `site/static/vendor/`.

onnxruntime-web runs the model pages' "Try it" (its WebAssembly build only, single-threaded: a
static host cannot be asked for the cross-origin isolation threads need); geotiff and pngjs
decode the visitor's TIFF and PNG files. Without `npm ci` the pages render without "Try it".
"""

from __future__ import annotations

from pathlib import Path

from pipeline.defaults import NODE_MODULES

FOLDER = "static/vendor"
FILES = {  # served name -> path under node_modules
    "ort.wasm.min.mjs": "onnxruntime-web/dist/ort.wasm.min.mjs",
    "ort-wasm-simd-threaded.mjs": "onnxruntime-web/dist/ort-wasm-simd-threaded.mjs",
    "ort-wasm-simd-threaded.wasm": "onnxruntime-web/dist/ort-wasm-simd-threaded.wasm",
    "geotiff.js": "geotiff/dist-browser/geotiff.js",
    "pngjs.js": "pngjs/browser.js",
    "LICENSE-geotiff.txt": "geotiff/LICENSE",
    "LICENSE-pngjs.txt": "pngjs/LICENSE",
}
RUNTIME = ("ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm")


def sources(node_modules: Path = NODE_MODULES) -> dict[str, Path] | None:
    """The files to serve, or None when `npm ci` has not installed them all."""
    found = {name: node_modules / rel for name, rel in FILES.items()}
    return found if all(p.is_file() for p in found.values()) else None


def runtime_bytes(node_modules: Path = NODE_MODULES) -> int:
    """What a visitor downloads to run a model, besides the model's own bundle."""
    return sum((node_modules / FILES[name]).stat().st_size for name in RUNTIME)
