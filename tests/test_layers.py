"""Imports point one way: a package may import only from its own layer's package or lower ones."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PIPELINE = Path(__file__).resolve().parents[1] / "pipeline"

# Lowest first. Siblings may not import each other, except inside the foundation and the top,
# which are each one unit (`pipeline.errors` and the version belong to the foundation).
LAYERS = [
    {"base", "errors", "defaults", "__init__"},
    {"spec"},
    {"contracts"},
    {"store", "runner"},
    {"sources"},
    {"build", "contribute"},
    {"site"},
    {"cli", "main_job", "__main__"},
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}
UNITS = {0, len(LAYERS) - 1}


def imported_packages(path: Path) -> set[str]:
    """The top-level `pipeline.<x>` names a module imports, at module level or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
        for name in names:
            parts = name.split(".")
            if parts[0] == "pipeline":
                found.add(parts[1] if len(parts) > 1 else "__init__")
    return found


def violations() -> list[str]:
    bad = []
    for path in sorted(PIPELINE.rglob("*.py")):
        rel = path.relative_to(PIPELINE)
        own = rel.parts[0].removesuffix(".py")
        for other in sorted(imported_packages(path) - {own}):
            if RANK[other] > RANK[own] or (RANK[other] == RANK[own] and RANK[own] not in UNITS):
                bad.append(f"{rel.as_posix()} imports pipeline.{other}")
    return bad


def test_every_package_has_a_layer():
    packages = {p.name.removesuffix(".py") for p in PIPELINE.iterdir()
                if p.suffix == ".py" or (p / "__init__.py").exists()}
    assert packages == set(RANK)


def test_imports_point_down():
    assert violations() == []


def test_no_package_hides_its_imports_behind_getattr():
    lazy = [p.relative_to(PIPELINE).as_posix() for p in PIPELINE.rglob("__init__.py")
            if any(isinstance(n, ast.FunctionDef) and n.name == "__getattr__"
                   for n in ast.parse(p.read_text(encoding="utf-8")).body)]
    assert lazy == []


# What the model worker may load in an environment holding only numpy and a framework.
WORKER_PIPELINE = ("pipeline", "pipeline.errors", "pipeline.base", "pipeline.runner", "pipeline.contracts",
                   "pipeline.contracts.results")
WORKER_LIBRARIES = {"numpy", "torch", "onnxruntime", "tensorflow", "keras", "tifffile", "PIL"}  # + image files


def _module_file(name: str) -> Path:
    path = PIPELINE.parent.joinpath(*name.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _imports(path: Path) -> set[str]:
    """Full names of the modules a file imports (a `from` import of a submodule names it)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names
                      if node.module.startswith("pipeline") and _module_file(f"{node.module}.{a.name}").exists()}
    return found


def test_the_model_worker_loads_nothing_but_numpy_frameworks_and_its_own_modules():
    seen, todo = set(), ["pipeline.runner.worker"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name.startswith("pipeline"):
            todo += sorted(_imports(_module_file(name)))
    ours = {n for n in seen if n.startswith("pipeline")}
    assert {n for n in ours if not n.startswith(("pipeline.runner.", "pipeline.base."))
            and n not in WORKER_PIPELINE} == set()
    assert "pipeline.runner.testing" not in ours and "pipeline.runner.environments" not in ours
    libraries = {n.split(".")[0] for n in seen - ours} - set(sys.stdlib_module_names) - {"__future__"}
    assert libraries <= WORKER_LIBRARIES, libraries


def test_the_check_catches_an_upward_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from pipeline.site.builder import run\nimport pipeline.base.http\n")
    assert imported_packages(module) == {"site", "base"}
