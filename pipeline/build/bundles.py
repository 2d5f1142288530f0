"""Browser bundles: what the site's "Try it" runs with onnxruntime-web, one per model version
whose own test passed.

A bundle is a folder of four ONNX files' worth of work split at the seams `zoo predict` has:
`preprocess.onnx` (whole raw sample -> network inputs, bundle_graphs.py), `network.onnx` (the
model's ONNX weights, or its torch weights exported in the sandbox; run per block),
`postprocess.onnx` (whole network outputs and raw inputs -> outputs), plus `bundle.json` (the
tensors, their axes and sizes as the block planner reads them, the tolerances) and the test
tensors. It is kept only when the sandboxed worker, running it exactly as the browser will,
reproduces the test outputs within the RDF's tolerance; that check is the version's test entry
BROWSER_BUNDLE, skipped with its reason where a bundle is impossible.

Bundles are cached under `<cache>/bundles/<key>/` by the model test's key, so a rebuild that
changes nothing the model depends on copies files instead of exporting and checking again.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Sequence

from pipeline import __version__
from pipeline.build.bundle_graphs import OPSET
from pipeline.build.cache import content_key
from pipeline.build.files import json_bytes, read_json, write_if_changed
from pipeline.contracts.results import BROWSER_BUNDLE, PASSED, SKIPPED, TestEntry
from pipeline.errors import BadInput, ZooError
from pipeline.runner.axes import axis_ids
from pipeline.runner.blocking import DEFAULT_BLOCK_BYTES
from pipeline.runner.checks import REPRODUCE
from pipeline.runner.compare import tolerance_for
from pipeline.runner.execute import data_type
from pipeline.runner.model_files import describe, materialize_test_tensors, materialize_weights
from pipeline.runner.padding import DEFAULT_PAD
from pipeline.runner.sizes import SizeError, model_sizes

MiB = 1024 * 1024
# A browser downloads the whole bundle before the first result; past this it is not worth it.
MAX_BUNDLE_BYTES = 64 * MiB
FORMAT = 1
FOLDER = "bundle"
MANIFEST = "bundle.json"
ENTRY = "entry.json"  # the bundle's test entry, beside its files in the cache (never published)
SOURCES = ("onnx", "torchscript", "pytorch_state_dict")  # in order of preference
GRAPHS = {"preprocess": "preprocess.onnx", "network": "network.onnx", "postprocess": "postprocess.onnx"}
NOTE_KEYS = frozenset({"seconds", "weights_format", "env", "env_key", "requirements"})


@dataclass(frozen=True)
class Bundle:
    """The bundle test entry of one version and, when it passed, the bundle's files by name."""

    entry: TestEntry
    files: dict[str, Path]


def bundle_key(test_key: str) -> str:
    """The cache key of a version's bundle: its model test's key and this pipeline's version."""
    return content_key("browser-bundle", FORMAT, test_key, __version__)


def skipped(reason: str) -> TestEntry:
    return TestEntry(BROWSER_BUNDLE, SKIPPED, reason, tool_version=__version__, omitted=NOTE_KEYS)


def cached(test_key: str, cache: Path) -> Bundle | None:
    """The version's bundle from the cache; None when it was not made (or its entry is damaged)."""
    folder = cache / "bundles" / bundle_key(test_key)
    data = read_json(folder / ENTRY)
    if not isinstance(data, dict):
        return None
    try:
        entry = TestEntry.from_json(data, source=str(folder / ENTRY))
        files = {p.name: p for p in folder.iterdir() if p.name != ENTRY}
    except (BadInput, OSError):
        return None  # a damaged cache entry is a miss
    if entry.status == PASSED and MANIFEST not in files:
        return None
    return Bundle(entry, files if entry.status == PASSED else {})


def cached_or_made(loaded: Any, tests: Sequence[TestEntry], test_key: str, cache: Path) -> Bundle:
    """The version's bundle from the cache, or made now (and cached); never raises. Making one
    runs model code (the torch export, in the sandbox): only where the model's tests run."""
    found = cached(test_key, cache)
    if found is not None:
        return found
    folder = cache / "bundles" / bundle_key(test_key)
    try:
        bundle = make(loaded, tests, folder)
    except Exception as e:  # a hostile model must end as a skipped bundle, never stop the build
        # not cached: the next build where tests run tries again
        return Bundle(skipped(f"internal error while making the bundle: {type(e).__name__}: {e}"), {})
    write_if_changed(folder / ENTRY, json_bytes(bundle.entry.to_json()))
    return bundle


def make(loaded: Any, tests: Sequence[TestEntry], folder: Path) -> Bundle:
    """Compose, export and check a bundle into `folder` (only a passing bundle's files stay)."""
    from pipeline.runner import bundles as jobs

    folder = folder.resolve()  # the worker runs in its own folder: a relative cache path means nothing there
    try:
        descr = describe(loaded)
    except BadInput as e:
        return Bundle(skipped(str(e)), {})
    fmt, reason = source_format(descr, tests)
    if fmt is None:
        return Bundle(skipped(reason), {})
    reason = unsupported(descr, fmt)
    if reason:
        return Bundle(skipped(reason), {})
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    work = Path(tempfile.mkdtemp(prefix="zoo-bundle-make-"))
    try:
        try:
            pre, post, manifest = compose(descr, fmt)
        except (ZooError, ValueError) as e:
            return _discard(folder, skipped(str(e)))
        (folder / GRAPHS["preprocess"]).write_bytes(pre)
        (folder / GRAPHS["postprocess"]).write_bytes(post)
        network = folder / GRAPHS["network"]
        if fmt == "onnx":
            files, _ = materialize_weights(loaded, descr, fmt, work)
            shutil.copyfile(files[descr["weights"][fmt]["source"]], network)
        else:
            exported = jobs.export_network(loaded, descr, fmt, network, opset=OPSET)
            if exported.status != PASSED or not network.is_file():
                return _discard(folder, skipped(f"the {fmt} weights could not be exported to ONNX: "
                                                f"{exported.error or 'no file written'}"))
        _copy_test_tensors(loaded, descr, work, folder, manifest)
        total = sum(p.stat().st_size for p in folder.iterdir())
        if total > MAX_BUNDLE_BYTES:
            return _discard(folder, skipped(f"the bundle would be {total / MiB:.1f} MiB, more than the "
                                            f"{MAX_BUNDLE_BYTES // MiB} MiB a browser is asked to load"))
        manifest["bytes"] = total
        entry = jobs.check_bundle(loaded, descr, {k: folder / v for k, v in GRAPHS.items()}, fmt,
                                  budget=DEFAULT_BLOCK_BYTES).stamped(__version__)
        if entry.status != PASSED:
            return _discard(folder, entry)
        (folder / MANIFEST).write_bytes(json_bytes(manifest))
        return Bundle(entry, {p.name: p for p in folder.iterdir()})
    except ZooError as e:
        return _discard(folder, skipped(str(e)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _discard(folder: Path, entry: TestEntry) -> Bundle:
    shutil.rmtree(folder, ignore_errors=True)
    return Bundle(entry, {})


def source_format(descr: dict[str, Any], tests: Sequence[TestEntry]) -> tuple[str | None, str]:
    """The weights the bundle's network comes from: ONNX, else torch weights to export, whichever
    passed its own test first in that order; else None and why."""
    has = [f for f in SOURCES if f in descr["weights"]]
    if not has:
        return None, (f"no ONNX or torch weights ({', '.join(sorted(descr['weights']))}): the browser runs "
                      f"ONNX, and only torchscript and pytorch_state_dict weights are exported to it")
    passed = {t.weights_format for t in tests if t.name == REPRODUCE and t.status == PASSED}
    for fmt in has:
        if fmt in passed:
            return fmt, ""
    return None, f"none of the {', '.join(has)} weights passed the model's own test"


def unsupported(descr: dict[str, Any], fmt: str) -> str:
    """Why this model cannot have a bundle, or ''."""
    optional = [t["id"] for t in descr["inputs"] if t.get("optional")]
    if optional:
        return f"optional inputs ({', '.join(optional)}) are not supported in the browser"
    if fmt == "onnx" and descr["weights"]["onnx"].get("external_data"):
        return "ONNX weights with external data are not supported in the browser"
    return ""


def compose(descr: dict[str, Any], fmt: str) -> tuple[bytes, bytes, dict[str, Any]]:
    """The processing graphs and the manifest of a bundle (SizeError, Unsupported: no bundle)."""
    from pipeline.build.bundle_graphs import Unsupported, postprocessing_graph, preprocessing_graph, referenced_inputs

    try:
        sizes = model_sizes(descr)
        pre, post = preprocessing_graph(descr), postprocessing_graph(descr)
    except (SizeError, Unsupported) as e:
        raise ValueError(str(e)) from None
    except ImportError:
        raise ValueError("the onnx library is not installed where the build runs (pip install onnx)") from None
    manifest = {
        "format": FORMAT, "opset": OPSET, "weights_format": fmt, "exported": fmt != "onnx",
        "budget": DEFAULT_BLOCK_BYTES, "graphs": GRAPHS, "post_inputs": referenced_inputs(descr),
        "inputs": [_tensor(t, "input") for t in descr["inputs"]],
        "outputs": [{**_tensor(t, "output"), "tolerance": asdict(tolerance_for(descr, fmt, t["id"]))}
                    for t in descr["outputs"]],
        "sizes": {kind: {tid: [size_json(s) for s in ss] for tid, ss in getattr(sizes, kind).items()}
                  for kind in ("inputs", "outputs")},
    }
    return pre, post, manifest


def _tensor(t: dict[str, Any], kind: str) -> dict[str, Any]:
    axes = []
    for a, aid in zip(t["axes"], axis_ids(t)):
        axis = {"id": aid, "type": a.get("type", "space")}
        if a.get("type") == "channel":
            axis["channels"] = [str(n)[:64] for n in (a.get("channel_names") or [])] or None
            axis["size"] = a.get("size") if isinstance(a.get("size"), int) else None
        elif a.get("type") == "index":
            axis["size"] = a.get("size") if isinstance(a.get("size"), int) else None
        axes.append(axis)
    tensor = {"id": t["id"], "axes": axes, "dtype": data_type(t), "description": str(t.get("description") or "")[:500]}
    if kind == "input":
        tensor["pad"] = t.get("pad") or DEFAULT_PAD
    return tensor


def size_json(s: Any) -> dict[str, Any]:
    """One axis size for the browser's block planner (fractions as [numerator, denominator])."""
    data = asdict(s)
    for key in ("offset", "scale"):
        value = Fraction(data[key])
        data[key] = [value.numerator, value.denominator]
    data["ref"] = list(s.ref) if s.ref else None
    return data


def _copy_test_tensors(loaded: Any, descr: dict[str, Any], work: Path, folder: Path, manifest: dict[str, Any]) -> None:
    """The test tensors beside the graphs (named by position: ids are strangers' text)."""
    tensors = materialize_test_tensors(loaded, descr, work)
    for kind, prefix in (("inputs", "input"), ("outputs", "output")):
        for i, (t, info) in enumerate(zip(descr[kind], manifest[kind])):
            name = f"test-{prefix}-{i}.npy"
            shutil.copyfile(tensors[kind][t["id"]], folder / name)
            info["test"] = name


def publish_bundle(bundle: Bundle, site: Path, version_folder: str) -> list[str]:
    """Copy a passing bundle into `<version folder>/bundle/` (and remove what an earlier bundle
    left there); returns the site-relative paths."""
    target = site / version_folder / FOLDER
    for stale in target.iterdir() if target.is_dir() else ():
        if stale.name not in bundle.files:
            stale.unlink() if stale.is_file() else shutil.rmtree(stale, ignore_errors=True)
    written = []
    for name, path in sorted(bundle.files.items()):
        write_if_changed(target / name, path.read_bytes())
        written.append(f"{version_folder}/{FOLDER}/{name}")
    return written


def read_manifest(site: Path, version_folder: str) -> dict[str, Any] | None:
    """The published bundle.json of a version, or None (no bundle, or unreadable)."""
    data = read_json(site / version_folder / FOLDER / MANIFEST)
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None
