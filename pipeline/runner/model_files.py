"""Bridge to the format library: load a model description and put the files a test needs on disk."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from pipeline.errors import BadInput

MAX_WEIGHTS_BYTES = 4 * 1024**3
MAX_DEPS_BYTES = 1024**2


def load_source(source: Any, policy: Any = None) -> Any:
    """A LoadedRdf from a path, folder, zip or URL (or the LoadedRdf itself)."""
    from pipeline.spec import LoadedRdf, load_rdf

    if isinstance(source, LoadedRdf):
        return source
    return load_rdf(str(source), policy=policy)


def describe(loaded: Any) -> dict[str, Any]:
    """The model in normalised model-0.5 shape, as the format library produces it."""
    data = loaded.data
    if data.get("type") != "model":
        raise BadInput(f"type is {data.get('type')!r}, only models can be tested", source=loaded.source, loc=["type"])
    from pipeline.spec import normalized_model

    try:
        descr = normalized_model(copy.deepcopy(data))
    except BadInput as e:
        raise BadInput(e.msg, source=str(loaded.source), loc=e.loc) from None
    except (KeyError, TypeError, ValueError) as e:
        raise BadInput(f"the model description cannot be normalised: {e}", source=loaded.source) from None
    if not descr.get("weights"):
        raise BadInput("the model has no weights", source=loaded.source, loc=["weights"])
    return descr


def _materialize(loaded: Any, rel: str, dest: Path, sha256: str | None, loc: list) -> Path:
    try:
        return loaded.root.materialize(rel, dest, sha256=sha256, max_bytes=MAX_WEIGHTS_BYTES)
    except BadInput as e:
        raise BadInput(e.msg, source=loaded.source, loc=loc) from None
    except OSError as e:
        raise BadInput(f"cannot read {rel!r}: {e.strerror or e}", source=loaded.source, loc=loc) from None


def materialize_test_tensors(loaded: Any, descr: dict, dest: Path) -> dict[str, dict[str, Path]]:
    """Local paths of every test tensor, keyed by tensor id, sha256-checked."""
    out: dict[str, dict[str, Path]] = {"inputs": {}, "outputs": {}}
    for kind in ("inputs", "outputs"):
        for i, t in enumerate(descr[kind]):
            tt = t.get("test_tensor")
            if not tt:
                if kind == "inputs" and t.get("optional"):
                    continue
                raise BadInput("no test tensor", source=loaded.source, loc=[kind, i, "test_tensor"])
            out[kind][t["id"]] = _materialize(loaded, tt["source"], dest, tt.get("sha256"),
                                              [kind, i, "test_tensor", "source"])
    return out


def materialize_weights(loaded: Any, descr: dict, fmt: str, dest: Path) -> tuple[dict[str, Path], str | None]:
    """The weights file, architecture source and dependencies file of one format; and the deps text."""
    entry = descr["weights"][fmt]
    files = {entry["source"]: _materialize(loaded, entry["source"], dest, entry.get("sha256"),
                                           ["weights", fmt, "source"])}
    arch = entry.get("architecture")
    if isinstance(arch, dict) and arch.get("source"):
        files[arch["source"]] = _materialize(loaded, arch["source"], dest, arch.get("sha256"),
                                             ["weights", fmt, "architecture", "source"])
    for extra in ("external_data",):
        if isinstance(entry.get(extra), dict) and entry[extra].get("source"):
            ed = entry[extra]
            files[ed["source"]] = _materialize(loaded, ed["source"], dest, ed.get("sha256"), ["weights", fmt, extra])
    return files, materialize_dependencies(loaded, descr, fmt, dest)


def materialize_dependencies(loaded: Any, descr: dict, fmt: str, dest: Path) -> str | None:
    """The text of one weights format's dependencies file (conda or pip), sha256-checked; None without one."""
    deps = descr["weights"][fmt].get("dependencies")
    if not deps:
        return None
    rel = deps.get("source") if isinstance(deps, dict) else str(deps).partition(":")[2] or str(deps)
    sha = deps.get("sha256") if isinstance(deps, dict) else None
    path = _materialize(loaded, rel, dest, sha, ["weights", fmt, "dependencies"])
    if path.stat().st_size > MAX_DEPS_BYTES:
        raise BadInput("dependencies file is too large", source=loaded.source, loc=["weights", fmt, "dependencies"])
    return path.read_text(encoding="utf-8", errors="replace")
