"""Test environments: the requirement set of a weights entry, and a cached environment satisfying it.

If the current interpreter satisfies the requirement set it is used as is. Otherwise an
environment is built once, in a folder named by the hash of the requirement set: with conda or
micromamba when on PATH and the model ships a conda file, else with uv (or venv + pip).
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import sys
import venv
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from filelock import FileLock
from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version
from ruamel.yaml import YAML

from pipeline.base.commands import run_command
from pipeline.base.digest import json_digest
from pipeline.errors import BadInput, ExternalToolFailed

FRAMEWORKS = {"torchscript": "torch", "pytorch_state_dict": "torch", "onnx": "onnxruntime",
              "keras_hdf5": "tensorflow", "tensorflow_saved_model_bundle": "tensorflow", "keras_v3": "keras",
              "tensorflow_js": None}
VERSION_FIELDS = {"torch": "pytorch_version", "tensorflow": "tensorflow_version", "keras": "keras_version"}
# conda package names that differ from their pip names, and conda-only packages a test does not need
CONDA_TO_PIP = {"pytorch": "torch", "pytorch-cpu": "torch", "tensorflow-cpu": "tensorflow"}
CONDA_SKIP = {"python", "pip", "cudatoolkit", "cudnn", "cpuonly", "pytorch-cuda", "nvidia", "mkl"}
# pip names that the installed distribution may satisfy under another name
ALIASES = {"tensorflow": ("tensorflow", "tensorflow-cpu")}
DEFAULT_CACHE = Path(".cache") / "envs"
BUILD_SECONDS = 1800


@dataclass(frozen=True)
class RequirementSet:
    """Pip requirements a model's test needs, plus the conda file when the model ships one."""

    requirements: tuple[str, ...]
    conda_file: str | None = None
    notes: tuple[str, ...] = field(default=())

    def key(self) -> str:
        """Stable hash naming the environment (python minor version included)."""
        payload = {"python": f"{sys.version_info.major}.{sys.version_info.minor}",
                   "requirements": sorted(self.requirements), "conda": self.conda_file}
        return json_digest(payload)[:16]


def framework_requirement(fmt: str, entry: dict[str, Any]) -> str | None:
    """At least the declared framework version; TensorFlow/Keras also within the same major version.

    Newer torch loads older TorchScript and state dicts, so torch gets no upper bound; TF 1 graphs
    and Keras 2 files need their own major version.
    """
    package = FRAMEWORKS.get(fmt)
    if package is None:
        return None
    version = str(entry.get(VERSION_FIELDS.get(package, ""), "") or "")
    if fmt == "onnx" or not version:
        return package
    try:
        Version(version)
    except InvalidVersion:
        return package
    if package == "torch":
        return f"torch>={version}"
    return f"{package}>={version},<{Version(version).major + 1}"


def parse_dependencies(text: str, kind: str, where: str) -> list[str]:
    """Pip requirement strings from a pip requirements file or a conda environment yaml."""
    if kind == "pip":
        lines = [ln.split("#")[0].strip() for ln in text.splitlines()]
        reqs = [ln for ln in lines if ln and not ln.startswith("-")]
    else:
        try:
            env = YAML(typ="safe").load(text) or {}
        except Exception as e:
            raise BadInput(f"conda environment file is not valid YAML: {e}", source=where) from None
        reqs = []
        for dep in env.get("dependencies") or [] if isinstance(env, dict) else []:
            if isinstance(dep, dict):
                reqs += [str(d) for d in dep.get("pip") or []]
            elif isinstance(dep, str):
                name, _, ver = dep.split("::")[-1].partition("=")
                name = name.strip()
                if name.lower() in CONDA_SKIP:
                    continue
                ver = ver.lstrip("=").strip()
                pip_name = CONDA_TO_PIP.get(name.lower(), name)
                reqs.append(f"{pip_name}=={ver}.*" if ver and "*" not in ver and not ver[0] in "<>!" else pip_name)
    for r in reqs:
        try:
            Requirement(r)
        except InvalidRequirement:
            raise BadInput(f"dependency {r!r} is not a valid requirement", source=where) from None
    return reqs


def requirement_set(fmt: str, entry: dict[str, Any], dependencies_text: str | None = None) -> RequirementSet:
    """The requirement set of one weights entry (framework + version, plus its dependencies file)."""
    reqs = ["numpy"]
    fw = framework_requirement(fmt, entry)
    if fw:
        reqs.append(fw)
    deps = entry.get("dependencies")
    conda_file = None
    if isinstance(deps, dict):  # 0.5 normalised: {source, sha256}, always a conda env file
        deps = "conda:" + str(deps.get("source"))
    if deps and dependencies_text is not None:
        kind, _, name = str(deps).partition(":")
        kind = kind if kind in ("pip", "conda") else "conda"
        reqs += parse_dependencies(dependencies_text, kind, f"weights.{fmt}.dependencies ({name})")
        if kind == "conda":
            conda_file = hashlib.sha256(dependencies_text.encode()).hexdigest()
    # the framework pin from the entry and a looser one from the deps file: keep both (pip intersects)
    return RequirementSet(tuple(dict.fromkeys(reqs)), conda_file)


def installed_version(name: str) -> str | None:
    for dist in ALIASES.get(name.lower(), (name,)):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return None


def satisfied_here(reqs: RequirementSet) -> bool:
    """True when the running interpreter already has every requirement."""
    for r in reqs.requirements:
        req = Requirement(r)
        version = installed_version(req.name)
        if version is None or (req.specifier and not req.specifier.contains(version, prereleases=True)):
            return False
    return True


def run_tool(cmd: list[str], *, timeout: float = BUILD_SECONDS, cwd: Path | None = None) -> str:
    """Run an installer (uv, pip, conda, micromamba) with a time limit; its standard output."""
    return run_command(cmd, timeout=timeout, cwd=cwd).stdout.decode(errors="replace")


def conda_tool() -> str | None:
    return shutil.which("micromamba") or shutil.which("mamba") or shutil.which("conda")


def uv_tool() -> str | None:
    return shutil.which("uv") or (shutil.which("uv", path=str(Path(sys.executable).parent)))


def _python_in(env_dir: Path) -> Path:
    return env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _install_args() -> list[str]:
    """Extra installer flags an operator sets, e.g. a CPU-only torch index (ZOO_ENV_INSTALL_ARGS)."""
    return shlex.split(os.environ.get("ZOO_ENV_INSTALL_ARGS", ""))


def _build_conda(tool: str, env_dir: Path, conda_text: str) -> None:
    env_file = env_dir.with_suffix(".yaml")
    env_file.write_text(conda_text, encoding="utf-8")
    if Path(tool).name.startswith("micromamba"):
        run_tool([tool, "create", "-y", "-p", str(env_dir), "-f", str(env_file)])
    else:  # conda and mamba take environment files through `env create`
        run_tool([tool, "env", "create", "-p", str(env_dir), "-f", str(env_file)])
    run_tool([str(_python_in(env_dir)), "-m", "pip", "install", "-q", "numpy", *_install_args()])


def _build(env_dir: Path, reqs: RequirementSet, conda_text: str | None, offline: bool) -> None:
    tool = conda_tool()
    if conda_text is not None and tool:
        _build_conda(tool, env_dir, conda_text)
        return
    uv = uv_tool()
    packages = list(reqs.requirements)
    if uv:
        run_tool([uv, "venv", "-q", "--python", sys.executable, str(env_dir)])
        if packages:
            run_tool([uv, "pip", "install", "-q", *(["--offline"] if offline else []), *_install_args(),
                      "--python", str(_python_in(env_dir)), *packages])
    else:
        venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
        if packages:
            run_tool([str(_python_in(env_dir)), "-m", "pip", "install", "-q",
                      *(["--no-index"] if offline else []), *_install_args(), *packages])


def ensure_environment(reqs: RequirementSet, *, cache_dir: Path | None = None, conda_text: str | None = None,
                       offline: bool = False) -> str:
    """Python executable of an environment satisfying `reqs`: this one, or a cached one built once."""
    if satisfied_here(reqs) and not (conda_text and conda_tool()):
        return sys.executable
    cache = Path(cache_dir or os.environ.get("ZOO_ENV_CACHE") or DEFAULT_CACHE).resolve()
    cache.mkdir(parents=True, exist_ok=True)
    env_dir = cache / reqs.key()
    done = env_dir / ".zoo-complete"
    with FileLock(str(env_dir) + ".lock", timeout=BUILD_SECONDS):
        if not done.exists():
            shutil.rmtree(env_dir, ignore_errors=True)  # a half-built environment from a crash
            try:
                _build(env_dir, reqs, conda_text, offline)
            except ExternalToolFailed:
                shutil.rmtree(env_dir, ignore_errors=True)
                raise
            done.write_text(json.dumps({"requirements": list(reqs.requirements)}), encoding="utf-8")
    return str(_python_in(env_dir))
