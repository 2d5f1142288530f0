"""Test environments: the requirement set of a weights entry, and a cached environment satisfying it.

If the current interpreter satisfies the requirement set it is used as is. Otherwise an
environment is built once, in a folder named by the hash of the requirement set: with conda or
micromamba when on PATH and the model ships a conda file (its channels and packages become the
installer's arguments, on this interpreter's Python version, then pip adds the framework and the
file's pip section), else with uv (or venv + pip).

The device (devices.py) is part of the set: on CUDA the frameworks' GPU builds are asked for
(onnxruntime-gpu, tensorflow[and-cuda]), and `ZOO_TORCH_INDEX` names the index torch comes
from (a CPU-only index on CPU runners, a CUDA one on GPU runners).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
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
from pipeline.runner.devices import CPU, CUDA, requested_device

FRAMEWORKS = {"torchscript": "torch", "pytorch_state_dict": "torch", "onnx": "onnxruntime",
              "keras_hdf5": "tensorflow", "tensorflow_saved_model_bundle": "tensorflow", "keras_v3": "keras",
              "tensorflow_js": None}
VERSION_FIELDS = {"torch": "pytorch_version", "tensorflow": "tensorflow_version", "keras": "keras_version"}
# conda package names that differ from their pip names, and conda-only packages a test does not need
CONDA_TO_PIP = {"pytorch": "torch", "pytorch-cpu": "torch", "tensorflow-cpu": "tensorflow"}
CONDA_SKIP = {"python", "pip", "cudatoolkit", "cudnn", "cpuonly", "pytorch-cuda", "nvidia", "mkl"}
# pip names that the installed distribution may satisfy under another name
ALIASES = {"tensorflow": ("tensorflow", "tensorflow-cpu")}
CUDA_BUILDS = {"onnxruntime": "onnxruntime-gpu", "tensorflow": "tensorflow[and-cuda]"}
# a conda package spec or channel as the installer's argument: never an option, never two words
CONDA_SPEC = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-:/*=<>!,|~\[\]@+ ]{0,199}")
CONDA_CHANNEL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-:/~@+]{0,199}")
CONDA_DEFAULT_CHANNEL = "conda-forge"  # Anaconda's `defaults` needs terms of service; conda-forge does not
DEFAULT_CACHE = Path(".cache") / "envs"
BUILD_SECONDS = 1800


@dataclass(frozen=True)
class RequirementSet:
    """Pip requirements a model's test needs, plus the conda file when the model ships one."""

    requirements: tuple[str, ...]
    conda_file: str | None = None
    notes: tuple[str, ...] = field(default=())
    device: str = CPU
    framework: str | None = None  # the framework's requirement, which pip adds to a conda environment

    def key(self) -> str:
        """Stable hash naming the environment (python minor version and a CUDA device included)."""
        payload = {"python": f"{sys.version_info.major}.{sys.version_info.minor}",
                   "requirements": sorted(self.requirements), "conda": self.conda_file,
                   **({"device": self.device} if self.device != CPU else {})}
        return json_digest(payload)[:16]


def framework_requirement(fmt: str, entry: dict[str, Any], device: str = CPU) -> str | None:
    """At least the declared framework version; TensorFlow/Keras also within the same major version.

    Newer torch loads older TorchScript and state dicts, so torch gets no upper bound; TF 1 graphs
    and Keras 2 files need their own major version. On CUDA, onnxruntime and TensorFlow are their
    GPU builds (torch's build is chosen by its index, `ZOO_TORCH_INDEX`).
    """
    package = FRAMEWORKS.get(fmt)
    if package is None:
        return None
    version = str(entry.get(VERSION_FIELDS.get(package, ""), "") or "")
    name = CUDA_BUILDS.get(package, package) if device == CUDA else package
    if fmt == "onnx" or not version:
        return name
    try:
        Version(version)
    except InvalidVersion:
        return name
    if package == "torch":
        return f"torch>={version}"
    return f"{name}>={version},<{Version(version).major + 1}"


def parse_dependencies(text: str, kind: str, where: str) -> list[str]:
    """Pip requirement strings from a pip requirements file or a conda environment yaml."""
    if kind == "pip":
        lines = [ln.split("#")[0].strip() for ln in text.splitlines()]
        reqs = [ln for ln in lines if ln and not ln.startswith("-")]
    else:
        conda = read_conda_file(text, where)
        reqs = [r for r in map(_pip_requirement, conda.packages) if r] + list(conda.pip)
    for r in reqs:
        try:
            Requirement(r)
        except InvalidRequirement:
            raise BadInput(f"dependency {r!r} is not a valid requirement", source=where) from None
    return reqs


def _pip_requirement(spec: str) -> str | None:
    """The pip requirement closest to a conda package spec (`pytorch=2.13` -> `torch==2.13.*`,
    `numpy 1.26.*`, `scikit-image>=0.20`); None for conda-only packages a test does not need."""
    match = re.match(r"([A-Za-z0-9_.\-]+)\s*(.*)", spec.split("::")[-1])
    if not match or match[1].lower() in CONDA_SKIP:
        return None
    name = CONDA_TO_PIP.get(match[1].lower(), match[1])
    version = match[2].split()[0] if match[2].split() else ""  # a build string may follow
    if not version or "|" in version:
        return name
    if version[0] in "<>!~" or version.startswith("=="):
        pinned = f"{name}{version}"
    else:
        version = version.lstrip("=")
        pinned = f"{name}=={version}" if "*" in version else f"{name}=={version}.*"
    try:
        Requirement(pinned)
    except InvalidRequirement:
        return name
    return pinned


def requirement_set(fmt: str, entry: dict[str, Any], dependencies_text: str | None = None,
                    device: str | None = None) -> RequirementSet:
    """The requirement set of one weights entry (framework + version, plus its dependencies file)
    on `device` (by default the one this machine's tests ask for)."""
    device = device or requested_device()
    reqs = ["numpy"]
    fw = framework_requirement(fmt, entry, device)
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
    return RequirementSet(tuple(dict.fromkeys(reqs)), conda_file, device=device, framework=fw)


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
    """Extra installer flags an operator sets (ZOO_ENV_INSTALL_ARGS), passed to uv and pip alike."""
    return shlex.split(os.environ.get("ZOO_ENV_INSTALL_ARGS", ""))


def _index_args(installer: str) -> list[str]:
    """Where torch comes from (ZOO_TORCH_INDEX: a CPU-only or a CUDA wheel index), beside PyPI.
    uv takes a package from the first index that has it unless told to compare all of them."""
    index = os.environ.get("ZOO_TORCH_INDEX", "").strip()
    if not index:
        return []
    return ["--extra-index-url", index, *(["--index-strategy", "unsafe-best-match"] if installer == "uv" else [])]


@dataclass(frozen=True)
class CondaFile:
    """What a conda environment file asks for: channels, conda packages (Python left to us) and
    its pip section."""

    channels: tuple[str, ...]
    packages: tuple[str, ...]
    pip: tuple[str, ...]


def read_conda_file(text: str, where: str) -> CondaFile:
    """A conda environment file's channels and packages, each checked to be one plain argument."""
    try:
        env = YAML(typ="safe").load(text) or {}
    except Exception as e:
        raise BadInput(f"conda environment file is not valid YAML: {e}", source=where) from None
    if not isinstance(env, dict):
        raise BadInput("conda environment file is not a mapping", source=where)
    channels, packages, pip = [], [], []
    for i, channel in enumerate(env.get("channels") or []):
        channel = str(channel).strip()
        if not CONDA_CHANNEL.fullmatch(channel):
            raise BadInput(f"channel {channel!r} is not a channel name or URL", source=where, loc=("channels", i))
        channels.append(CONDA_DEFAULT_CHANNEL if channel == "defaults" else channel)
    for i, dep in enumerate(env.get("dependencies") or []):
        if isinstance(dep, dict):
            pip += [str(d).strip() for d in dep.get("pip") or []]
            continue
        spec = " ".join(str(dep).split())
        if not CONDA_SPEC.fullmatch(spec):
            raise BadInput(f"dependency {spec!r} is not a conda package spec", source=where, loc=("dependencies", i))
        name = re.split(r"[\s=<>!~\[]", spec.split("::")[-1], maxsplit=1)[0].lower()
        if name != "python":  # the environment runs our worker: it gets this interpreter's Python version
            packages.append(spec)
    for r in pip:
        if r.startswith("-"):
            raise BadInput(f"pip dependency {r!r} is an installer option, not a requirement", source=where)
    return CondaFile(tuple(dict.fromkeys(channels or [CONDA_DEFAULT_CHANNEL])), tuple(packages), tuple(pip))


def conda_command(tool: str, env_dir: Path, conda: CondaFile) -> list[str]:
    """The installer's command creating `env_dir` from a conda file (conda, mamba and micromamba
    take the same arguments), on this interpreter's Python version and with pip for the rest."""
    channels = [arg for channel in conda.channels for arg in ("-c", channel)]
    python = f"python={sys.version_info.major}.{sys.version_info.minor}"
    return [tool, "create", "--yes", "--prefix", str(env_dir), "--override-channels", *channels, python,
            *conda.packages, *([] if "pip" in conda.packages else ["pip"])]


def _build_conda(tool: str, env_dir: Path, reqs: RequirementSet, conda_text: str) -> None:
    conda = read_conda_file(conda_text, "the dependencies file")
    run_tool(conda_command(tool, env_dir, conda))
    # the framework the weights need, when the file does not bring it; pip keeps what conda installed
    extra = ["numpy", *([reqs.framework] if reqs.framework else []), *conda.pip]
    run_tool([str(_python_in(env_dir)), "-m", "pip", "install", "-q", *_index_args("pip"), *_install_args(), *extra])


def _build(env_dir: Path, reqs: RequirementSet, conda_text: str | None, offline: bool) -> None:
    tool = conda_tool()
    if conda_text is not None and tool:
        _build_conda(tool, env_dir, reqs, conda_text)
        return
    uv = uv_tool()
    packages = list(reqs.requirements)
    if uv:
        run_tool([uv, "venv", "-q", "--python", sys.executable, str(env_dir)])
        if packages:
            run_tool([uv, "pip", "install", "-q", *(["--offline"] if offline else []), *_index_args("uv"),
                      *_install_args(), "--python", str(_python_in(env_dir)), *packages])
    else:
        venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
        if packages:
            run_tool([str(_python_in(env_dir)), "-m", "pip", "install", "-q",
                      *(["--no-index"] if offline else []), *_index_args("pip"), *_install_args(), *packages])


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
